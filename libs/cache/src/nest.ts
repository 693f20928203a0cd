// Public API of @platform/cache/nest: the NestJS module, decorators, interceptors and the L3 edge.
export * from './lib/nest/cache.constants';
export type { EdgePurger } from './lib/nest/edge/edge-purger';
