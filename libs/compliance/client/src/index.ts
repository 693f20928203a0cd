// Public API of @platform/compliance-client: what other services use to read compliance's answers.
export * from './lib/compliance-client.constants';
export * from './lib/compliance-client.module';
export * from './lib/compliance.client';
