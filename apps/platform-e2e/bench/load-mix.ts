/**
 * What `npm run bench:load` seeds and sends: one table of routes (service, method, path, body, weight) and the
 * SQL that seeds the rows their keys point at. Add a route by adding a row to {@link LOAD_MIX}; a new service
 * also needs a row in {@link SEEDS}. Keys are ranks drawn from a Zipf distribution: rank 0 is the hottest.
 */
import { createHash } from 'node:crypto';

/** A service the bench starts. */
export type LoadService = 'bid' | 'routing';

/** The sizes of the seeded data set. */
export interface LoadDataSet {
  /** Rows in `bids`; bid `i` belongs to buyer `i % buyers`. */
  readonly bids: number;
  /** Buyers with routing criteria. */
  readonly buyers: number;
}

/** What a route's key space is: bids or buyers. */
export type KeySpace = keyof LoadDataSet;

/** One request as autocannon sends it. */
export interface LoadRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  readonly path: string;
  readonly body?: unknown;
}

/** One row of the mix. */
export interface LoadRoute {
  /** Shown in the report, e.g. `GET /bids/:id`. */
  readonly name: string;
  readonly service: LoadService;
  /** Share of all requests, in percent (the rows add up to 100). */
  readonly weight: number;
  /** Whether the route changes data (the spec's load: 5 % writes). */
  readonly write: boolean;
  /** Which key space its Zipf rank indexes. */
  readonly keys: KeySpace;
  /** The request for key rank `key`; `random` is the bench's seeded PRNG (bodies that vary). */
  readonly request: (key: number, random: () => number) => LoadRequest;
}

/**
 * The id of seeded bid `i`: a version-4-shaped UUID (the API validates the version and variant digits) that both
 * Postgres ({@link BID_ID_SQL}) and the bench derive from `md5('bench-bid-' || i)`.
 */
export function bidId(i: number): string {
  const h = createHash('md5').update(`bench-bid-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** {@link bidId} in SQL, over `h = md5('bench-bid-' || i)`. */
const BID_ID_SQL = `(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' ||
  substr(h, 18, 3) || '-' || substr(h, 21, 12))::uuid`;

/** The id of seeded buyer `i`. */
export const buyerId = (i: number): string => `bench-buyer-${i}`;

/** The states the seed and the writes draw from. */
export const STATES = ['CA', 'TX', 'FL', 'NY', 'PA', 'IL', 'OH', 'GA', 'NC', 'MI'];

/**
 * The request mix: 95 % reads (route decisions among them), 5 % writes, over bid and routing. Reads of an entity the writes change are
 * evicted through the services' invalidation path (outbox → Kafka → invalidation map), as in production.
 */
export const LOAD_MIX: readonly LoadRoute[] = [
  {
    name: 'GET /bids/:id',
    service: 'bid',
    weight: 35,
    write: false,
    keys: 'bids',
    request: (key) => ({ method: 'GET', path: `/bids/${bidId(key)}` }),
  },
  {
    name: 'GET /bids/buyers/:buyerId/active',
    service: 'bid',
    weight: 25,
    write: false,
    keys: 'buyers',
    request: (key) => ({ method: 'GET', path: `/bids/buyers/${buyerId(key)}/active` }),
  },
  {
    name: 'GET /routing/buyers/:buyerId',
    service: 'routing',
    weight: 25,
    write: false,
    keys: 'buyers',
    request: (key) => ({ method: 'GET', path: `/routing/buyers/${buyerId(key)}` }),
  },
  {
    // A route decision for an inbound call: ranks the buyers of its state, read from `routing:geo:{state}`.
    name: 'POST /routing/decisions',
    service: 'routing',
    weight: 10,
    write: false,
    keys: 'buyers',
    request: (key, random) => ({
      method: 'POST',
      path: '/routing/decisions',
      body: { state: STATES[key % STATES.length], bidCents: 100 * Math.floor(random() * 50) },
    }),
  },
  {
    name: 'PATCH /bids/:id (amount)',
    service: 'bid',
    weight: 2.5,
    write: true,
    keys: 'bids',
    request: (key, random) => ({
      method: 'PATCH',
      path: `/bids/${bidId(key)}`,
      body: { amountCents: 100 + Math.floor(random() * 100_000) },
    }),
  },
  {
    name: 'PUT /routing/buyers/:buyerId',
    service: 'routing',
    weight: 2.5,
    write: true,
    keys: 'buyers',
    request: (key, random) => ({
      method: 'PUT',
      path: `/routing/buyers/${buyerId(key)}`,
      body: {
        states: [STATES[key % STATES.length], STATES[Math.floor(random() * STATES.length)]],
        minBidCents: Math.floor(random() * 5_000),
        maxConcurrentCalls: 1 + Math.floor(random() * 50),
      },
    }),
  },
];

/** How one service's tables are seeded: one statement per chunk of rows `[from, to)`. */
export interface LoadSeed {
  readonly service: LoadService;
  readonly keys: KeySpace;
  /** SQL inserting rows `$1 <= i < $2` into `schema`, idempotent per row. */
  readonly sql: (schema: string, data: LoadDataSet) => string;
}

/** The seed of every service the mix reads (generate_series: one round trip per chunk). */
export const SEEDS: readonly LoadSeed[] = [
  {
    service: 'routing',
    keys: 'buyers',
    sql: (schema) => `
      INSERT INTO "${schema}".buyer_routing_criteria
        (buyer_id, states, min_bid_cents, max_concurrent_calls, priority, active, version)
      SELECT 'bench-buyer-' || i,
             ARRAY[(ARRAY[${STATES.map((s) => `'${s}'`).join(',')}])[1 + i % ${STATES.length}],
                   (ARRAY[${STATES.map((s) => `'${s}'`).join(',')}])[1 + (i / 7) % ${STATES.length}]]::char(2)[],
             (i * 37) % 5000, 1 + i % 50, i % 10, true, 1
      FROM generate_series($1::int, $2::int - 1) AS i
      ON CONFLICT (buyer_id) DO NOTHING`,
  },
  {
    service: 'bid',
    keys: 'bids',
    sql: (schema, data) => `
      INSERT INTO "${schema}".bids (id, call_id, buyer_id, amount_cents, currency, status, expires_at, version)
      SELECT ${BID_ID_SQL}, 'bench-call-' || (i / 3), 'bench-buyer-' || (i % ${data.buyers}),
             100 + (i * 7919) % 100000, 'USD', CASE WHEN i % 10 < 7 THEN 'active' ELSE 'won' END,
             now() + interval '1 day', 1
      FROM generate_series($1::int, $2::int - 1) AS i, LATERAL (SELECT md5('bench-bid-' || i) AS h) AS m
      ON CONFLICT (id) DO NOTHING`,
  },
];
