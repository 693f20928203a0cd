export * from './domain.error';
export * from './request-body.error';
export * from './dependency-unavailable.error';
export * from './error-message';
