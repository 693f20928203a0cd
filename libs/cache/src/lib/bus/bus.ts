/**
 * One invalidation carried to the other instances. Keys and tags are full (prefix and namespace applied).
 * `unsettled`: the sender's L2 side of it failed (L2 may still hold the old copies), so a receiver must not read
 * them from L2 until a later, settled op for them arrives (the sender retries and publishes it again).
 */
export type InvalidationOp =
  | { readonly type: 'keys'; readonly keys: readonly string[]; readonly unsettled?: boolean }
  | { readonly type: 'tags'; readonly tags: readonly string[]; readonly unsettled?: boolean }
  | { readonly type: 'prefix'; readonly prefix: string; readonly unsettled?: boolean }
  | { readonly type: 'all' };

/** Facts about a received batch. */
export interface BusMessageMeta {
  /** Id of the sending instance. */
  readonly source: string;
  /** Sender's clock (ms since epoch) when the batch was flushed; lag = receive time − sentAt. */
  readonly sentAt: number;
}

/**
 * Why a receiver must drop its L1: its subscription was re-established (`reconnect`), a message could not be
 * decoded or uses a newer format (`undecodable`), or a sender's sequence numbers show a lost message (`gap`).
 */
export type ResyncReason = 'reconnect' | 'undecodable' | 'gap';

/**
 * Carries L1 invalidations between instances. Publishing is fire-and-forget and batched; a receiver that
 * may have missed messages (reconnect, undecodable message) is told to resync, i.e. drop its L1.
 */
export interface InvalidationBus {
  /** This instance's id; messages from itself are not delivered back. */
  readonly instanceId: string;
  /** Queues an op; queued ops are flushed together (same tick) as one message. */
  publish(op: InvalidationOp): void;
  /**
   * Sends `op` (with anything queued) at once, on `connection`, right behind the commands the caller just
   * issued on it, and returns `true`. Redis runs one connection's commands in order, so a receiver that
   * re-reads L2 on this message sees those commands' effect without the caller waiting for their reply.
   * Returns `false`, sending nothing, when the bus does not publish on that connection in order (a Cluster,
   * another client): the caller then publishes once L2 has replied.
   */
  publishBehind?(connection: unknown, op: InvalidationOp): boolean;
  /** Registers the receiver of remote batches. */
  onMessage(handler: (ops: readonly InvalidationOp[], meta: BusMessageMeta) => void): void;
  /** Registers the handler told to drop L1 because messages may have been missed. */
  onResync(handler: (reason: ResyncReason) => void): void;
  /**
   * Registers the handler told when the bus goes silent (`false`: this instance has not heard its own messages
   * back for longer than the bus's liveness window, so invalidations may be held up or lost and L1 must not
   * be trusted) and when it is heard again (`true`; messages may have been missed meanwhile). Buses that
   * cannot tell never call it.
   */
  onLiveness?(handler: (live: boolean) => void): void;
  /** Subscribes; resolves once messages can be received. */
  start(): Promise<void>;
  /** Flushes pending ops and unsubscribes; closes only connections the bus created. */
  stop(): Promise<void>;
}
