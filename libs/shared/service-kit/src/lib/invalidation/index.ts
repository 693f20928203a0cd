export * from './invalidation-map';
export * from './invalidation-map.provider';
export * from './invalidation-applier.service';
export * from './commit-invalidation.service';
