export * from './domain.error';
export * from './request-body.error';
