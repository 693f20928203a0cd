// Public API of @platform/routing-client: what other services use to read routing's data.
export * from './lib/routing-client.constants';
export * from './lib/routing-client.module';
export * from './lib/routing-profile.client';
