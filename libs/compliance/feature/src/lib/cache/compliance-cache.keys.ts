import type { CacheFeatureOptions } from '@platform/cache/nest';

/** Every cache key of the compliance service, built in one place (the spec's names). */
export const ComplianceCacheKeys = {
  /** A TCPA rule set by version: `compliance:tcpa:v{version}`. */
  tcpa: (version: number) => `compliance:tcpa:v${version}`,
  /** Do-not-call status of a phone number's hash: `compliance:dnc:{phoneHash}`. */
  dnc: (phoneHash: string) => `compliance:dnc:${phoneHash}`,
  /** A state's rule: `compliance:state:{state}`. */
  state: (state: string) => `compliance:state:${state}`,
  /**
   * The active TCPA version pointer: `compliance:tcpa:active` holds a version number (or null). Checks read
   * it once and then only the immutable `compliance:tcpa:v{version}` entry, so a check never mixes versions.
   */
  tcpaActive: () => 'compliance:tcpa:active',
  /** Every `compliance:dnc:{phoneHash}` entry: cleared as a whole when a DNC import commits. */
  dncNamespace: 'compliance:dnc',
  /**
   * The DNC list's generation pointer: `compliance:dnc-filter` holds the generation whose membership
   * filter checks may trust; evicted when an import publishes a new generation.
   */
  dncFilter: () => 'compliance:dnc-filter',
  /**
   * The serialised membership filter of one generation, a raw Redis string (not an engine entry, and
   * outside `compliance:dnc:` so clearing the DNC entries leaves it): `compliance:dnc-filter:g{generation}`.
   */
  dncFilterBlob: (generation: number) => `compliance:dnc-filter:g${generation}`,
} as const;

/** A full compliance key (`compliance:state:CA`) as the `compliance` namespace sees it (`state:CA`). */
export const inComplianceNamespace = (fullKey: string): string => fullKey.slice('compliance:'.length);

/**
 * The compliance namespace and the spec's TTLs (L1 5 min local copy, L2 24 h shared compliance data), for
 * `CacheModule.forFeature`; inject it with `@InjectCache(COMPLIANCE_CACHE_NAMESPACE.namespace)`.
 */
export const COMPLIANCE_CACHE_NAMESPACE = {
  namespace: 'compliance',
  ttl: { l1: '5m', l2: '24h' },
} as const satisfies CacheFeatureOptions;
