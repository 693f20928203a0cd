/**
 * What overall hit rate the load mix allows at all: a replay of the mix's requests (same routes, weights, Zipf
 * keys) against an idealised cache — one shared store, unbounded, invalidation and refill instant — that looks
 * up, evicts and refills the keys the services look up, evict and refill (their cache readers, invalidation
 * maps and refill listeners, restated below). Not a measurement of the services: it bounds what they can reach.
 *
 * A write evicts what its event makes stale; the services then reload at once each evicted key that was read
 * within its recent-read window (`bid:{id}` and `bids:buyer:{id}:active` 30 s, `routing:buyer:{id}` 60 s), so
 * the next read of a hot key is a hit; a key nobody read stays evicted and its next read misses, and so does
 * the next decision after a `routing:geo:{state}` eviction (routes are not refilled: too costly to reload). Refilling `bids:buyer:{id}:active` reads bid's copy of the buyer's routing profile (a
 * lookup, counted). `refill: false` replays the services as they were before the refill (eviction only).
 *
 * A hit on an entry past its soft TTL (refresh-ahead, {@link SOFT_TTL_MS}) renews it, as the engine's background
 * reload does.
 *
 * Two figures: with no expiry (only first reads, reads of keys evicted while nobody read them, and what the
 * refill does not cover miss: the ceiling the mix sets), and with the spec's L2 TTLs at a given request rate
 * (the shared layer bounds the overall rate: an L1 hit implies an entry L2 still holds).
 */
import { mulberry32, zipfSampler } from '@platform/cache/testing';
import { LOAD_MIX, STATES, type LoadDataSet, type LoadRoute } from './load-mix';

/** Cache keys a request reads (in order) and evicts, as the services do. */
interface Effect {
  /** Keys read through the cache; `thenOnMiss` is read only when the first one missed (a loader's own lookup). */
  readonly reads: readonly string[];
  readonly thenOnMiss?: readonly string[];
  readonly evicts: readonly string[];
}

/** L2 TTLs of the keys the mix reads (spec: bid 5 min, routing 15 min; bid's copy of a routing profile 15 min). */
const L2_TTL_MS: Record<string, number> = { bid: 300_000, bids: 300_000, routing: 900_000, copy: 900_000 };

/**
 * Soft TTLs (refresh-ahead) of the keys the mix reads: a hit on an entry older than this reloads it in the
 * background with a fresh TTL (bid's namespaces 3 min, routing's 10 min; bid's copy of a routing profile none).
 */
const SOFT_TTL_MS: Record<string, number> = { bid: 180_000, bids: 180_000, routing: 600_000 };

/** The kind of a model key (`bid`, `bids`, `routing`, `copy`): what sets its L2 TTL. */
const kindOf = (key: string) => key.slice(0, key.indexOf(':'));

/**
 * How long after its last read an evicted key is refilled, by key prefix (the services' recent-read windows:
 * bid's `BidReadTracker`, routing's `HotKeyTracker`); routes and bid's copy of a routing profile are not.
 */
const REFILL_WINDOW_MS: readonly (readonly [prefix: string, ms: number])[] = [
  ['bid:', 30_000],
  ['bids:active:', 30_000],
  ['routing:buyer:', 60_000],
];
const refillWindow = (key: string) => REFILL_WINDOW_MS.find(([prefix]) => key.startsWith(prefix))?.[1];

/** The simulation's state: each buyer's current states (a routing write evicts the routes of old and new). */
class Model {
  private readonly statesOf = new Map<number, string[]>();

  constructor(private readonly data: LoadDataSet) {}

  /** Seeded states of buyer `i` (see the seed SQL in `load-mix.ts`). */
  private states(i: number): string[] {
    return this.statesOf.get(i) ?? [STATES[i % STATES.length], STATES[Math.floor(i / 7) % STATES.length]];
  }

  effect(route: LoadRoute, key: number, random: () => number): Effect {
    const buyerOfBid = key % this.data.buyers;
    switch (route.name) {
      case 'GET /bids/:id':
        return { reads: [`bid:${key}`], evicts: [] };
      case 'GET /bids/buyers/:buyerId/active':
        // On a miss the view's loader reads bid's copy of the buyer's routing profile (cached too).
        return { reads: [`bids:active:${key}`], thenOnMiss: [`copy:${key}`], evicts: [] };
      case 'GET /routing/buyers/:buyerId':
        return { reads: [`routing:buyer:${key}`], evicts: [] };
      case 'POST /routing/decisions':
        return { reads: [`routing:geo:${STATES[key % STATES.length]}`], evicts: [] };
      case 'PATCH /bids/:id (amount)':
        // bid.changed: the bid, its call's list (not read by the mix) and its buyer's active view.
        return { reads: [], evicts: [`bid:${key}`, `bids:active:${buyerOfBid}`] };
      case 'PUT /routing/buyers/:buyerId': {
        // routing.buyer.changed: the buyer, the routes of its old and new states, bid's view and copy.
        const request = route.request(key, random).body as { states: string[] };
        const before = this.states(key);
        const after = [...new Set(request.states)];
        this.statesOf.set(key, after);
        return {
          reads: [],
          evicts: [
            `routing:buyer:${key}`,
            ...[...new Set([...before, ...after])].map((s) => `routing:geo:${s}`),
            `bids:active:${key}`,
            `copy:${key}`,
          ],
        };
      }
      default:
        throw new Error(`hit-ceiling.ts has no model of ${route.name}: add it next to the route`);
    }
  }
}

/**
 * Replays `requests` requests of the mix after `warmup` more, at `reqPerSec` for the whole machine (Infinity:
 * no expiry, and every key starts cached, so only a read after a write's eviction misses). Returns the overall
 * hit rate of the replayed lookups.
 */
export function hitCeiling(
  data: LoadDataSet,
  zipf: number,
  options: {
    reqPerSec: number;
    warmup: number;
    requests: number;
    mix?: readonly LoadRoute[];
    seed?: number;
    /** Whether writes refill the evicted keys read lately, as the services do (default true). */
    refill?: boolean;
  },
): number {
  const mix = options.mix ?? LOAD_MIX;
  const random = mulberry32(options.seed ?? 7);
  const samplers = {
    bids: zipfSampler(data.bids, zipf, random),
    buyers: zipfSampler(data.buyers, zipf, random),
  };
  const weight = mix.reduce((w, r) => w + r.weight, 0);
  const model = new Model(data);
  /** Key → time it expires in L2 (ms of simulated time). */
  const cached = new Map<string, number>();
  /** Key → time past which a hit reloads it (refresh-ahead). */
  const softAt = new Map<string, number>();
  const fill = (key: string, now: number) => {
    cached.set(key, now + L2_TTL_MS[kindOf(key)]);
    softAt.set(key, now + (SOFT_TTL_MS[kindOf(key)] ?? Infinity));
  };
  /** Key → time of its last read. */
  const lastRead = new Map<string, number>();
  const refill = options.refill ?? true;
  const stepMs = 1000 / options.reqPerSec;
  const neverSeen = options.reqPerSec === Infinity ? Infinity : -1;
  let lookups = 0;
  let hits = 0;
  for (let n = 0; n < options.warmup + options.requests; n++) {
    const now = options.reqPerSec === Infinity ? 0 : n * stepMs;
    let x = random() * weight;
    let route = mix[mix.length - 1];
    for (const r of mix)
      if ((x -= r.weight) < 0) {
        route = r;
        break;
      }
    const effect = model.effect(route, samplers[route.keys](), random);
    const counted = n >= options.warmup;
    const read = (key: string): boolean => {
      const hit = (cached.get(key) ?? neverSeen) > now;
      if (!hit || (softAt.get(key) ?? Infinity) <= now) fill(key, now);
      lastRead.set(key, now);
      if (counted) {
        lookups++;
        if (hit) hits++;
      }
      return hit;
    };
    let allHit = true;
    for (const key of effect.reads) allHit = read(key) && allHit;
    if (!allHit) for (const key of effect.thenOnMiss ?? []) read(key);
    // One event's evictions all land before its refills start (the consumer evicts a batch, then handles it).
    for (const key of effect.evicts) cached.set(key, -1);
    for (const key of refill ? effect.evicts : []) {
      const window = refillWindow(key);
      const readAt = lastRead.get(key);
      if (window === undefined || readAt === undefined || now - readAt > window) continue;
      fill(key, now);
      // The view's loader reads bid's copy of the buyer's routing profile through the cache.
      if (key.startsWith('bids:active:')) read(`copy:${key.slice('bids:active:'.length)}`);
    }
  }
  return lookups > 0 ? hits / lookups : 0;
}
