import type { CacheFeatureOptions } from '@platform/cache/nest';
import type { PeerDefaults } from '@platform/config';

/**
 * The compliance service as a peer: add it to the calling service's `defaults.peers` so
 * `COMPLIANCE_GRPC_ADDRESS` is validated with the rest of its config.
 */
export const COMPLIANCE_PEER = {
  name: 'compliance',
  addressVar: 'COMPLIANCE_GRPC_ADDRESS',
  defaultAddress: '127.0.0.1:5103',
} as const satisfies PeerDefaults;

/** The spec's compliance TTLs: L1 5 min, L2 24 h. */
const COMPLIANCE_TTL = { l1: '5m', l2: '24h' } as const;

/**
 * Where a calling service keeps its copies of compliance answers, under the spec's key names, evicted by
 * the caller's `compliance.rules.changed.v1` invalidation: `compliance:state:{state}` (the state's rule,
 * null when it has none) and `compliance:dnc:{phoneHash}` (whether the number is on the Do-Not-Call list).
 */
export const COMPLIANCE_CLIENT_CACHES = {
  state: { namespace: 'compliance:state', ttl: COMPLIANCE_TTL },
  dnc: { namespace: 'compliance:dnc', ttl: COMPLIANCE_TTL },
} as const satisfies Record<string, CacheFeatureOptions>;

/** The full key of a state rule copy, `compliance:state:{state}` (for invalidation maps). */
export const complianceStateKey = (state: string): string =>
  `${COMPLIANCE_CLIENT_CACHES.state.namespace}:${state}`;

/** The full key of a DNC answer copy, `compliance:dnc:{phoneHash}` (for invalidation maps). */
export const complianceDncKey = (phoneHash: string): string =>
  `${COMPLIANCE_CLIENT_CACHES.dnc.namespace}:${phoneHash}`;
