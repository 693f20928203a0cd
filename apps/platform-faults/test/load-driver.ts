import { mulberry32 } from '@platform/cache/testing';
import type { FaultLedger, InvalidationPath } from '../src/fault-ledger';
import type { RequestOutcome, RequestRecord } from '../src/fault-report';
import type { FaultService, FaultServices } from './fault-system';

/** The entities the load reads and writes: `written` ones change, `cached` ones are only ever read. */
export interface LoadWorld {
  readonly services: FaultServices;
  /** Bids the load changes (`PATCH amountCents`), with their buyer. */
  readonly bids: readonly { id: string; buyerId: string }[];
  /** Buyers whose routing criteria the load changes (`PUT minBidCents`). */
  readonly buyers: readonly string[];
  /** Bids and buyers the load only reads: after their first read, always in the cache. */
  readonly cachedBids: readonly string[];
  readonly cachedBuyers: readonly string[];
}

/** Ledger key of a bid's amount / a buyer's `minBidCents`. */
export const bidEntity = (id: string) => `bid:${id}`;
export const buyerEntity = (id: string) => `buyer:${id}`;

/** The criteria the load writes, apart from `minBidCents`, which carries each write's unique value. */
export const buyerCriteria = (minBidCents: number) => ({
  states: ['CA'],
  minBidCents,
  maxConcurrentCalls: 5,
});

/** How long one request may take before it counts as failed. */
const REQUEST_TIMEOUT_MS = 10000;

/** A response as the load sees it: outcome class, status, parsed body (when JSON). */
export interface Answer {
  readonly outcome: RequestOutcome;
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly detail?: string;
}

/**
 * Sends one request and classifies it: 2xx (and 404 when `notFoundOk`) is ok; a 503 with `Retry-After` and a
 * `*.UNAVAILABLE` code is the documented answer of an outage (designed); anything else, a connection error or
 * a timeout, failed.
 */
export async function request(
  method: string,
  url: string,
  body?: unknown,
  notFoundOk = false,
): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    const code = (parsed as { code?: unknown } | undefined)?.code;
    if (response.ok || (notFoundOk && response.status === 404))
      return { outcome: 'ok', status: response.status, body: parsed };
    const designed =
      response.status === 503 &&
      response.headers.get('retry-after') !== null &&
      typeof code === 'string' &&
      code.endsWith('.UNAVAILABLE');
    return {
      outcome: designed ? 'designed-503' : 'failed',
      status: response.status,
      body: parsed,
      detail: typeof code === 'string' ? code : text.slice(0, 200),
    };
  } catch (error) {
    return { outcome: 'failed', status: 0, body: undefined, detail: String(error) };
  }
}

type Operation = 'read-bid' | 'read-view' | 'read-routing' | 'write-bid' | 'write-buyer';

/** The mix: 75 % reads over both bid instances and routing, 25 % writes. */
const MIX: readonly [Operation, number][] = [
  ['read-bid', 35],
  ['read-view', 20],
  ['read-routing', 20],
  ['write-bid', 15],
  ['write-buyer', 10],
];

/**
 * A bounded load: `concurrency` workers, each sending one request at a time in a loop, until `stop()`. Every
 * request is recorded; every value a 2xx read returns is observed in the ledger, every write's value is
 * recorded before it is sent and marked acknowledged on a 2xx. An entity has one write in flight at most.
 */
export class LoadDriver {
  readonly records: RequestRecord[] = [];
  private readonly random: () => number;
  private readonly writing = new Set<string>();
  /** Entities whose last write ended without an answer: it may still commit later, so no more writes. */
  private readonly poisoned = new Set<string>();
  private running = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly world: LoadWorld,
    private readonly ledger: FaultLedger,
    private readonly nextValue: () => number,
    private readonly concurrency = 8,
    seed = 1,
  ) {
    this.random = mulberry32(seed);
  }

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.concurrency }, () => this.work());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private bidInstance(): FaultService {
    return this.random() < 0.5 ? this.world.services.bidA : this.world.services.bidB;
  }

  private operation(): Operation {
    let roll = this.random() * 100;
    for (const [operation, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return operation;
    }
    return MIX[0][0];
  }

  private async work(): Promise<void> {
    while (this.running) await this.step(this.operation());
  }

  private async step(operation: Operation): Promise<void> {
    const { world } = this;
    switch (operation) {
      case 'read-bid': {
        const cached = this.random() < 0.3;
        const id = cached ? this.pick(world.cachedBids) : this.pick(world.bids).id;
        const service = this.bidInstance();
        await this.read(
          `GET /bids/:id (${service.label})`,
          `${service.httpUrl}/bids/${id}`,
          cached,
          (body, at) => this.see(bidEntity(id), body?.amountCents, at, 'bid', service.label),
        );
        return;
      }
      case 'read-view': {
        const cached = this.random() < 0.3;
        const buyerId = cached ? this.pick(world.cachedBuyers) : this.pick(world.buyers);
        const service = this.bidInstance();
        await this.read(
          `GET /bids/buyers/:id/active (${service.label})`,
          `${service.httpUrl}/bids/buyers/${buyerId}/active`,
          cached,
          (body, at) => {
            this.see(buyerEntity(buyerId), body?.routing?.minBidCents, at, 'cross-service', service.label);
            for (const bid of body?.bids ?? [])
              this.see(bidEntity(bid.id), bid.amountCents, at, 'bid', service.label);
          },
        );
        return;
      }
      case 'read-routing': {
        const cached = this.random() < 0.3;
        const buyerId = cached ? this.pick(world.cachedBuyers) : this.pick(world.buyers);
        await this.read(
          'GET /routing/buyers/:id',
          `${world.services.routing.httpUrl}/routing/buyers/${buyerId}`,
          cached,
          (body, at) => this.see(buyerEntity(buyerId), body?.minBidCents, at, 'routing', 'routing'),
        );
        return;
      }
      case 'write-bid': {
        const bid = this.pick(world.bids);
        const service = this.bidInstance();
        await this.write(bidEntity(bid.id), `PATCH /bids/:id (${service.label})`, (value) => ({
          method: 'PATCH',
          url: `${service.httpUrl}/bids/${bid.id}`,
          body: { amountCents: value },
        }));
        return;
      }
      case 'write-buyer': {
        const buyerId = this.pick(world.buyers);
        await this.write(buyerEntity(buyerId), 'PUT /routing/buyers/:id', (value) => ({
          method: 'PUT',
          url: `${world.services.routing.httpUrl}/routing/buyers/${buyerId}`,
          body: buyerCriteria(value),
        }));
        return;
      }
    }
  }

  /** Records an observed value; a 2xx read without the field is recorded as a failure of the read. */
  private see(entity: string, value: unknown, startedAt: number, path: InvalidationPath, via?: string): void {
    if (typeof value !== 'number') throw new Error(`${entity}: no number in the answer (${String(value)})`);
    // Bids of other buyers' lists that the load does not track (none today) are ignored.
    if (!this.ledger.has(entity)) return;
    this.ledger.observe({ entity, value, startedAt, path, via });
  }

  private async read(
    route: string,
    url: string,
    cachedRead: boolean,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    onOk: (body: any, startedAt: number) => void,
  ): Promise<void> {
    const startedAt = Date.now();
    const answer = await request('GET', url);
    const endedAt = Date.now();
    let { outcome, detail } = answer;
    if (outcome === 'ok') {
      try {
        onOk(answer.body, startedAt);
      } catch (error) {
        outcome = 'failed';
        detail = String(error);
      }
    }
    this.records.push({
      route,
      write: false,
      startedAt,
      endedAt,
      outcome,
      status: answer.status,
      cachedRead,
      detail,
    });
  }

  private async write(
    entity: string,
    route: string,
    build: (value: number) => { method: string; url: string; body: unknown },
  ): Promise<void> {
    if (this.writing.has(entity) || this.poisoned.has(entity)) {
      // Someone else is writing it: keep the pace with a read instead.
      return this.step('read-routing');
    }
    this.writing.add(entity);
    try {
      const value = this.nextValue();
      const { method, url, body } = build(value);
      const startedAt = Date.now();
      const attempt = this.ledger.history(entity).begin(value, startedAt);
      const answer = await request(method, url, body);
      const endedAt = Date.now();
      if (answer.outcome === 'ok') attempt.ackedAt = endedAt;
      if (answer.status === 0) this.poisoned.add(entity);
      this.records.push({
        route,
        write: true,
        startedAt,
        endedAt,
        outcome: answer.outcome,
        status: answer.status,
        cachedRead: false,
        detail: answer.detail,
      });
    } finally {
      this.writing.delete(entity);
    }
  }
}
