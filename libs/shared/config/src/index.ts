export * from './lib/config-validation.error';
export * from './lib/env';
export * from './lib/load-config';
export * from './lib/service-config';
export * from './lib/phone-hash';
export * from './lib/auth-config';
export * from './lib/secret-files';
export * from './lib/limits-config';
