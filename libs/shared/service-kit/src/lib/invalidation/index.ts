export * from './invalidation-plan';
export * from './smart-invalidator';
export * from './cache-invalidation.sink';
export * from './event-invalidator.service';
export * from './commit-invalidation.service';
