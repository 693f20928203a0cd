import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { InvalidOptionError, L2UnavailableError } from '../core/errors';
import { isClusterClient, keySlot } from '../core/cluster-slots';
import { sendNow } from '../core/send-now';
import type { BusMessageMeta, InvalidationBus, InvalidationOp, ResyncReason } from './bus';
import { BusLiveness } from './bus-liveness';
import { BusSubscription } from './bus-subscription';
import { PendingOps } from './pending-ops';
import { publishTarget, warmPublishTarget } from './publish-target';
import { SequenceTracker } from './sequence-tracker';
import { decodeMessage, encodeMessage, type WireOp } from './wire-codec';

export { BUS_WIRE_VERSION } from './wire-codec';

/** Options of {@link RedisInvalidationBus}. */
export interface RedisInvalidationBusOptions {
  /** Connection used for PUBLISH; never closed by the bus. */
  readonly publisher: Redis | Cluster;
  /**
   * Connection to SUBSCRIBE on, dedicated to the bus (a subscribed connection cannot run other commands); never
   * closed by the bus. Default: a connection the bus opens and closes itself — `publisher.duplicate()` for a
   * standalone publisher. For a Cluster (as publisher or subscriber) the bus always subscribes through its own
   * connection to one cluster node, picked from the Cluster's topology (and carrying its connection name),
   * and moves to another node when that one is lost: ioredis' built-in Cluster subscriber fails over silently,
   * so the bus could not tell the engine that messages may have been missed.
   */
  readonly subscriber?: Redis | Cluster;
  /** Pub/sub channel shared by every instance of one cache. */
  readonly channel: string;
  /** This instance's id. Default: a random UUID. */
  readonly instanceId?: string;
  /** Most keys/tags/prefixes in one message; a larger batch is split into several messages. Default 1000. */
  readonly maxBatchKeys?: number;
  /**
   * Most keys/tags/prefixes queued within one tick. Past it the queued batch is replaced by one `all` op
   * (receivers drop their L1, which is what a lost batch would force anyway). Default 100 000.
   */
  readonly maxPendingKeys?: number;
  /** Most PUBLISH calls awaiting Redis' reply; further messages are dropped (and counted). Default 256. */
  readonly maxInFlight?: number;
  /** How long a sequence hole may stay open (messages can be reordered across cluster nodes). Default 500 ms. */
  readonly gapGraceMs?: number;
  /** How long `start()` waits for the subscription. Default 10 000 ms. */
  readonly startTimeoutMs?: number;
  /**
   * Longest this instance may go without hearing one of its own messages back before the bus counts as silent
   * (`onLiveness(false)`; see `bus-liveness.ts`); it publishes a heartbeat every quarter of the window. While
   * silent the engine serves nothing from L1, so a Redis outage bounds L1 staleness by this window instead of
   * the L1 TTL. Default 3000 ms; `false`: no heartbeat, never silent.
   */
  readonly livenessMs?: number | false;
}

/** Counters kept by {@link RedisInvalidationBus} (monotonic, since construction). */
export interface RedisInvalidationBusStats {
  /** Messages acknowledged by Redis. */
  readonly messagesSent: number;
  /** Remote messages delivered to the `onMessage` handlers. */
  readonly messagesReceived: number;
  /** PUBLISH calls that failed (Redis down, timeout…). */
  readonly publishErrors: number;
  /** Messages not sent because the publisher was not ready or too many publishes were in flight. */
  readonly messagesDropped: number;
  /**
   * Keys/tags/prefixes not sent one by one because their tick's batch became a single `all` op (the queue went
   * past `maxPendingKeys`, or an explicit `all` was published).
   */
  readonly opsCollapsed: number;
  /** Resyncs requested from the `onResync` handlers. */
  readonly resyncs: number;
  /** Heartbeats published (not counted in `messagesSent`). */
  readonly heartbeatsSent: number;
  /** Times the bus went silent (see `livenessMs`). */
  readonly silences: number;
}

type State = 'idle' | 'starting' | 'running' | 'stopping';

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * {@link InvalidationBus} over Redis pub/sub (standalone or Cluster): ops published in one tick are merged,
 * de-duplicated and sent as one versioned message (see `wire-codec.ts`) on `setImmediate`; receivers
 * resync on reconnect, on undecodable or newer-version messages and on sequence gaps. Publishing never throws
 * nor blocks: failures are counted, reported to `onError` and kept in `lastError`.
 */
export class RedisInvalidationBus implements InvalidationBus {
  /** This instance's id; its own messages are not delivered back. */
  readonly instanceId: string;
  /** The last publish or connection error, if any. */
  lastError: Error | undefined;

  private readonly publisher: Redis | Cluster;
  private readonly channel: string;
  private readonly maxBatchKeys: number;
  private readonly maxInFlight: number;
  private readonly startTimeoutMs: number;
  private readonly epoch = Date.now();
  private readonly slot: number;

  private readonly messageHandlers: ((ops: readonly InvalidationOp[], meta: BusMessageMeta) => void)[] = [];
  private readonly resyncHandlers: ((reason: ResyncReason) => void)[] = [];
  private readonly errorHandlers: ((error: Error) => void)[] = [];
  private readonly livenessHandlers: ((live: boolean) => void)[] = [];
  private readonly liveness: BusLiveness | undefined;

  private readonly pending: PendingOps;
  private flushHandle: NodeJS.Immediate | undefined;
  private seq = 0;
  private readonly inFlight = new Set<Promise<unknown>>();

  private readonly sequences: SequenceTracker;
  private readonly subscription: BusSubscription;
  private state: State = 'idle';
  private onFirstSubscribe: (() => void) | undefined;

  private counters = {
    messagesSent: 0,
    messagesReceived: 0,
    publishErrors: 0,
    messagesDropped: 0,
    opsCollapsed: 0,
    resyncs: 0,
    heartbeatsSent: 0,
  };

  constructor(options: RedisInvalidationBusOptions) {
    if (typeof options.channel !== 'string' || options.channel.length === 0) {
      throw new InvalidOptionError('bus: `channel` must be a non-empty string');
    }
    const positive = (name: string, value: number | undefined, fallback: number) => {
      if (value === undefined) return fallback;
      if (!Number.isInteger(value) || value < 1)
        throw new InvalidOptionError(`bus: \`${name}\` must be an integer ≥ 1`);
      return value;
    };
    this.publisher = options.publisher;
    this.channel = options.channel;
    this.slot = keySlot(options.channel);
    this.instanceId = options.instanceId ?? randomUUID();
    this.maxBatchKeys = positive('maxBatchKeys', options.maxBatchKeys, 1000);
    this.pending = new PendingOps(positive('maxPendingKeys', options.maxPendingKeys, 100_000));
    this.maxInFlight = positive('maxInFlight', options.maxInFlight, 256);
    this.sequences = new SequenceTracker({
      gapGraceMs: positive('gapGraceMs', options.gapGraceMs, 500),
      onGap: () => this.resync('gap'),
    });
    this.startTimeoutMs = positive('startTimeoutMs', options.startTimeoutMs, 10_000);
    if (options.livenessMs !== false) {
      this.liveness = new BusLiveness({
        windowMs: positive('livenessMs', options.livenessMs, 3000),
        beat: () => this.send([]),
        running: () => this.state === 'running',
        onChange: (live) => this.announceLiveness(live),
      });
    }
    this.subscription = new BusSubscription({
      publisher: options.publisher,
      subscriber: options.subscriber,
      channel: this.channel,
      slot: this.slot,
      instanceId: this.instanceId,
      isActive: () => this.state === 'starting' || this.state === 'running',
      onMessage: (channel, payload) => this.receive(channel, payload),
      onSubscribed: (first) => {
        if (first) this.onFirstSubscribe?.();
        else this.resync('reconnect');
      },
      onConnectionError: (error) => (this.lastError = error),
    });
  }

  /** A snapshot of the bus counters. */
  get stats(): RedisInvalidationBusStats {
    return { ...this.counters, silences: this.liveness?.silences ?? 0 };
  }

  /** Keys, tags and prefixes queued for the next flush. */
  get pendingSize(): number {
    return this.pending.size;
  }

  /** Whether an own message sent within the liveness window came back (always with `livenessMs: false`). */
  get live(): boolean {
    return this.liveness?.isLive ?? true;
  }

  /** Whether the bus currently holds an acknowledged subscription. */
  get subscribed(): boolean {
    return this.state === 'running' && this.subscription.ready;
  }

  /** Queues an op for the message flushed at the end of this tick. Never throws. */
  publish(op: InvalidationOp): void {
    if (this.state === 'stopping') return;
    if (this.flushHandle === undefined) this.flushHandle = setImmediate(() => this.flush());
    this.counters.opsCollapsed += this.pending.add(op);
  }

  /**
   * Sends `op` and whatever is queued now, when `connection` is this bus's standalone publisher and its commands
   * keep their order (no auto-pipelining, or auto-pipelining for every command); see
   * {@link InvalidationBus.publishBehind}. Never throws.
   */
  publishBehind(connection: unknown, op: InvalidationOp): boolean {
    const publisher = this.publisher;
    if (connection !== publisher || isClusterClient(publisher) || this.state === 'stopping') return false;
    const { enableAutoPipelining, autoPipeliningIgnoredCommands } = publisher.options;
    if (enableAutoPipelining && (autoPipeliningIgnoredCommands?.length ?? 0) > 0) return false;
    this.counters.opsCollapsed += this.pending.add(op);
    clearImmediate(this.flushHandle);
    this.flush();
    return true;
  }

  /** Registers a receiver of remote batches (several may be registered). */
  onMessage(handler: (ops: readonly InvalidationOp[], meta: BusMessageMeta) => void): void {
    this.messageHandlers.push(handler);
  }

  /** Registers a handler told to drop L1 because messages may have been missed. */
  onResync(handler: (reason: ResyncReason) => void): void {
    this.resyncHandlers.push(handler);
  }

  /** Registers a handler told when the bus goes silent (`false`) and when it is heard again (`true`). */
  onLiveness(handler: (live: boolean) => void): void {
    this.livenessHandlers.push(handler);
  }

  /** Registers a handler of publish and connection errors (they are never thrown to publishers). */
  onError(handler: (error: Error) => void): void {
    this.errorHandlers.push(handler);
  }

  /**
   * Subscribes; resolves once Redis acknowledged SUBSCRIBE. Rejects with `E_L2_UNAVAILABLE` (and releases what
   * it opened) when that takes longer than `startTimeoutMs`.
   */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    if (this.state !== 'idle') throw new InvalidOptionError(`bus: start() called while ${this.state}`);
    this.state = 'starting';
    const subscribed = new Promise<void>((resolve) => (this.onFirstSubscribe = resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new L2UnavailableError(
              `bus: no subscription to "${this.channel}" after ${this.startTimeoutMs} ms`,
              this.lastError,
            ),
          ),
        this.startTimeoutMs,
      );
    });
    try {
      await Promise.race([this.subscription.open(), timeout]);
      await Promise.race([Promise.all([subscribed, warmPublishTarget(this.publisher, this.slot)]), timeout]);
      this.state = 'running';
      this.liveness?.start();
    } catch (error) {
      await this.subscription.release();
      this.state = 'idle';
      throw error;
    } finally {
      clearTimeout(timer);
      this.onFirstSubscribe = undefined;
    }
  }

  /** Flushes queued ops, waits (briefly) for in-flight publishes, unsubscribes and closes what the bus opened. */
  async stop(): Promise<void> {
    if (this.flushHandle !== undefined) {
      clearImmediate(this.flushHandle);
      this.flush();
    }
    this.state = 'stopping';
    this.liveness?.stop();
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, 2000))),
      ]);
      clearTimeout(timer);
    }
    this.sequences.clear();
    await this.subscription.release();
    this.state = 'idle';
  }

  // ------------------------------------------------------------------------------------------------ sending

  private flush(): void {
    this.flushHandle = undefined;
    for (const ops of this.pending.drain(this.maxBatchKeys)) this.send(ops);
  }

  private send(ops: readonly WireOp[]): void {
    // The number is taken even when the message is not sent: receivers then see the hole and resync.
    const seq = ++this.seq;
    // A heartbeat that cannot go is what silence is made of: the liveness check counts it, nobody is told.
    const heartbeat = ops.length === 0;
    if (heartbeat && (this.publisher.status !== 'ready' || this.inFlight.size >= this.maxInFlight)) return;
    if (this.publisher.status !== 'ready') {
      this.counters.messagesDropped++;
      this.fail(new L2UnavailableError(`bus: publisher is ${this.publisher.status}; message ${seq} dropped`));
      return;
    }
    if (this.inFlight.size >= this.maxInFlight) {
      this.counters.messagesDropped++;
      this.fail(
        new L2UnavailableError(`bus: ${this.inFlight.size} publishes in flight; message ${seq} dropped`),
      );
      return;
    }
    const payload = encodeMessage({ id: this.instanceId, epoch: this.epoch, seq, sentAt: Date.now(), ops });
    let pending: Promise<unknown>;
    try {
      // At once when that keeps the connection's order (see sendNow): right behind a writer's SET or UNLINK.
      const target = publishTarget(this.publisher, this.slot);
      pending = sendNow(target, 'publish', [this.channel, payload]) ?? target.publish(this.channel, payload);
    } catch (error) {
      this.counters.publishErrors++;
      this.fail(asError(error));
      return;
    }
    const settled = pending.then(
      () => {
        if (heartbeat) this.counters.heartbeatsSent++;
        else this.counters.messagesSent++;
      },
      (error: unknown) => {
        if (heartbeat) return;
        this.counters.publishErrors++;
        this.fail(asError(error));
      },
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  private fail(error: Error): void {
    this.lastError = error;
    for (const handler of this.errorHandlers) {
      try {
        handler(error);
      } catch {
        // An error handler must not break the bus.
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ receiving

  private receive(channel: string, payload: string): void {
    if (channel !== this.channel || this.state === 'stopping') return;
    const message = decodeMessage(payload);
    if (message === undefined) {
      this.resync('undecodable');
      return;
    }
    const { id, epoch, seq, ops } = message;
    if (id === this.instanceId) {
      this.liveness?.heard(message.sentAt);
      return;
    }
    if (id === undefined || ops === undefined) {
      // A newer major version, an unknown op type or a malformed message: we cannot apply it, so drop L1.
      if (id !== undefined && seq !== undefined) this.track(id, epoch, seq);
      this.resync('undecodable');
      return;
    }
    if (seq !== undefined && this.track(id, epoch, seq)) this.resync('gap');
    this.counters.messagesReceived++;
    if (ops.length === 0) return;
    const meta: BusMessageMeta = { source: id, sentAt: message.sentAt };
    for (const handler of this.messageHandlers) {
      try {
        handler(ops, meta);
      } catch (error) {
        this.fail(asError(error));
      }
    }
  }

  private announceLiveness(live: boolean): void {
    for (const handler of this.livenessHandlers) {
      try {
        handler(live);
      } catch (error) {
        this.fail(asError(error));
      }
    }
  }

  private track(id: string, epoch: number, seq: number): boolean {
    return this.sequences.track(id, epoch, seq, this.subscription.subscribedAt);
  }

  private resync(reason: ResyncReason): void {
    this.counters.resyncs++;
    // A resync drops all of L1: every open hole is covered by it.
    this.sequences.closeAllHoles();
    for (const handler of this.resyncHandlers) {
      try {
        handler(reason);
      } catch (error) {
        this.fail(asError(error));
      }
    }
  }
}
