export * from './routing-profile.client';
