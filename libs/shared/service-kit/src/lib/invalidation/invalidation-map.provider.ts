import type { Provider } from '@nestjs/common';
import type { InvalidationMap } from './invalidation-map';

/** Injection token of the service's own {@link InvalidationMap} (see {@link provideInvalidationMap}). */
export const INVALIDATION_MAP = Symbol('service-kit:invalidation-map');

/**
 * Registers the service's invalidation map: its Kafka consumer applies it to every consumed event, and its
 * own writes apply it when they commit (see `CommitInvalidationService`).
 */
export const provideInvalidationMap = (map: InvalidationMap): Provider => ({
  provide: INVALIDATION_MAP,
  useValue: map,
});
