export * from './cache-decorator-options.interface';
export * from './cache-module-options.interface';
export * from './http-cache-options.interface';
