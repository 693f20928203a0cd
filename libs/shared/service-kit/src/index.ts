export * from './lib/service-kit.constants';
export * from './lib/service-kit.module';
export * from './lib/errors';
export * from './lib/filters/app-exception.filter';
export * from './lib/pipes/validation.pipe';
export * from './lib/health';
export * from './lib/kafka';
export * from './lib/bootstrap';
export { loggerOptions } from './lib/logging/logger-options';
