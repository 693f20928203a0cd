export * from './service-spec';
export * from './create-service-app';
export * from './run-service';
export { JSON_BODY_LIMIT_BYTES, JSON_MEDIA_TYPE } from './json-body';
export { DEFAULT_CACHE_CONTROL } from './http-app';
