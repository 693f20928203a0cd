export * from './problem.schema';
export * from './api-endpoint.decorator';
export * from './api-property.decorators';
export * from './openapi.setup';
