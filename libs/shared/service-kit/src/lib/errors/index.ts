export * from './domain.error';
export * from './dependency-unavailable.error';
