import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { isClusterClient } from '../core/cluster-slots';

/** Options of {@link BusSubscription}. */
export interface BusSubscriptionOptions {
  /** The bus's publisher: duplicated (standalone) or used for its topology (Cluster) when no subscriber is given. */
  readonly publisher: Redis | Cluster;
  /** A connection (or Cluster topology) to subscribe through; see `RedisInvalidationBusOptions.subscriber`. */
  readonly subscriber: Redis | Cluster | undefined;
  readonly channel: string;
  /** The channel's hash slot: on a Cluster, the node owning it is preferred. */
  readonly slot: number;
  /** Names the connections the subscription opens. */
  readonly instanceId: string;
  /** Whether the bus still wants messages (false once it is stopping): no failover, no delivery otherwise. */
  readonly isActive: () => boolean;
  /** Every PUBLISH payload received on the connection. */
  readonly onMessage: (channel: string, payload: string) => void;
  /** Redis acknowledged SUBSCRIBE: `first` for the first time since `open()`, else after a reconnect. */
  readonly onSubscribed: (first: boolean) => void;
  /** A connection error (never thrown: the subscription retries or fails over by itself). */
  readonly onConnectionError: (error: Error) => void;
}

/** A connection the bus subscribes on. */
interface Link {
  readonly conn: Redis;
  /** Opened (and so closed) by the bus. */
  readonly owned: boolean;
  /** On a Cluster: move to another node once this connection has ended. */
  readonly failover: boolean;
  readonly listeners: { readonly event: string; readonly fn: (...args: never[]) => void }[];
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * The bus's SUBSCRIBE side: one dedicated connection, re-subscribed after every reconnect (so the bus knows
 * when to resync), and on a Cluster moved to another node when its node is lost — ioredis' built-in Cluster
 * subscriber fails over silently, so the bus could not tell the engine that messages may have been missed.
 */
export class BusSubscription {
  /** When (ms since epoch) Redis last acknowledged SUBSCRIBE. */
  subscribedAt = 0;

  private link: Link | undefined;
  private acknowledged = false;
  private failoverTimer: NodeJS.Timeout | undefined;
  private lastNodeKey: string | undefined;

  constructor(private readonly options: BusSubscriptionOptions) {}

  /** Whether the subscribed connection is up. */
  get ready(): boolean {
    return this.link?.conn.status === 'ready';
  }

  /** Opens (or adopts) the connection and subscribes; `onSubscribed(true)` tells when Redis acknowledged. */
  async open(): Promise<void> {
    this.acknowledged = false;
    const { subscriber, publisher, instanceId } = this.options;
    const source = subscriber ?? publisher;
    if (isClusterClient(source)) {
      if (source.status === 'wait') await source.connect();
      this.openClusterLink();
      return;
    }
    if (subscriber !== undefined) {
      this.attach({ conn: subscriber as Redis, owned: false, failover: false, listeners: [] });
      return;
    }
    const standalone = publisher as Redis;
    const conn = standalone.duplicate({
      lazyConnect: true,
      enableOfflineQueue: true,
      enableAutoPipelining: false,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
      connectionName: `${standalone.options.connectionName ?? 'cache-bus'}:sub:${instanceId}`,
      // The bus must come back whatever the publisher's policy: retry forever, at most every second.
      retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
    });
    this.attach({ conn, owned: true, failover: false, listeners: [] });
  }

  /** Unsubscribes a connection it was given, closes one it opened, and stops any pending failover. */
  async release(): Promise<void> {
    clearTimeout(this.failoverTimer);
    this.failoverTimer = undefined;
    const link = this.link;
    this.link = undefined;
    if (link === undefined) return;
    for (const { event, fn } of link.listeners) link.conn.off(event, fn as (...args: unknown[]) => void);
    link.listeners.length = 0;
    if (!link.owned) {
      if (link.conn.status === 'ready')
        await link.conn.unsubscribe(this.options.channel).catch(() => undefined);
      return;
    }
    link.conn.on('error', () => undefined);
    if (link.conn.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        link.conn.quit().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
      ]);
      clearTimeout(timer);
    }
    closeNow(link.conn);
  }

  /** Subscribes through a node of the Cluster, preferring one other than the node just lost. */
  private openClusterLink(): void {
    this.failoverTimer = undefined;
    if (!this.options.isActive()) return;
    const { subscriber, publisher, instanceId } = this.options;
    const topology = (subscriber ?? publisher) as Cluster;
    const nodes = topology.nodes('all');
    const key = (node: Redis) => `${node.options.host}:${node.options.port}`;
    const others = nodes.filter((node) => key(node) !== this.lastNodeKey);
    const candidates = others.length > 0 ? others : nodes;
    if (candidates.length === 0) {
      // Topology unknown yet (Cluster still connecting or refreshing): try again shortly.
      this.failoverTimer = setTimeout(() => this.openClusterLink(), 200);
      this.failoverTimer.unref();
      return;
    }
    // Prefer the master owning the channel's slot: buses publish there (see publishTarget), so messages skip
    // the cluster-bus hop. Otherwise (or once that node failed) any node: PUBLISH reaches every node.
    const owner = topology.slots[this.options.slot]?.[0];
    const node =
      candidates.find((candidate) => key(candidate) === owner) ??
      candidates[Math.floor(Math.random() * candidates.length)];
    this.lastNodeKey = key(node);
    const base: RedisOptions = topology.options.redisOptions ?? {};
    const conn = new Redis({
      ...base,
      host: node.options.host,
      port: node.options.port,
      lazyConnect: true,
      enableOfflineQueue: true,
      enableAutoPipelining: false,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
      // Named after the Cluster's connections when it was handed to us, so tools that find a client by name
      // find this one too; else after the bus.
      connectionName:
        subscriber !== undefined && base.connectionName
          ? base.connectionName
          : `${base.connectionName ?? 'cache-bus'}:sub:${instanceId}`,
      // A few quick retries on the same node (a killed connection), then 'end' → another node.
      retryStrategy: (attempt: number) => (attempt > 3 ? null : 100 * attempt),
    });
    this.attach({ conn, owned: true, failover: true, listeners: [] });
  }

  private attach(link: Link): void {
    this.link = link;
    const on = (event: string, fn: (...args: never[]) => void) => {
      link.conn.on(event, fn as (...args: unknown[]) => void);
      link.listeners.push({ event, fn });
    };
    on('message', (channel: string, payload: string) => this.options.onMessage(channel, payload));
    // 'ready' after a drop: ioredis re-subscribes by itself (autoResubscribe), but we subscribe again (harmless
    // when already subscribed) so we know when the subscription is back, and only then resync.
    on('ready', () => this.subscribe(link));
    if (link.owned) on('error', (error: Error) => this.options.onConnectionError(error));
    if (link.failover) {
      on('end', () => {
        if (this.link !== link || !this.options.isActive()) return;
        this.detach(link);
        this.openClusterLink();
      });
    }
    const status = link.conn.status;
    if (status === 'ready') this.subscribe(link);
    else if (status === 'wait')
      link.conn.connect().catch((error: unknown) => this.options.onConnectionError(asError(error)));
    // Otherwise ('connecting', 'reconnecting'…) the 'ready' listener subscribes.
  }

  private subscribe(link: Link): void {
    link.conn.subscribe(this.options.channel).then(
      () => {
        if (this.link !== link || !this.options.isActive()) return;
        this.subscribedAt = Date.now();
        const first = !this.acknowledged;
        this.acknowledged = true;
        this.options.onSubscribed(first);
      },
      // The connection dropped again: its next 'ready' (or, on a Cluster, the next node) subscribes.
      (error: unknown) => this.options.onConnectionError(asError(error)),
    );
  }

  private detach(link: Link): void {
    for (const { event, fn } of link.listeners) link.conn.off(event, fn as (...args: unknown[]) => void);
    link.listeners.length = 0;
    if (link.owned) {
      // Keep a listener so a late socket error is not reported as unhandled.
      link.conn.on('error', () => undefined);
      closeNow(link.conn);
    }
  }
}

/** Disconnects unless already ended (ioredis arms a 2 s timer on every `disconnect()`, even of a dead socket). */
function closeNow(conn: Redis): void {
  if (conn.status !== 'end') conn.disconnect();
}
