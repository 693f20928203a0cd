export * from './service-spec';
export * from './create-service-app';
export * from './run-service';
export { JSON_BODY_LIMIT_BYTES, JSON_MEDIA_TYPE } from './json-body';
export { DEFAULT_CACHE_CONTROL } from './http-app';
export { HTTP_DURATION_METRIC, HTTP_REQUESTS_METRIC, UNMATCHED_ROUTE } from './http-metrics';
