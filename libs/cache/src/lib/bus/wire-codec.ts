import type { InvalidationOp } from './bus';

/*
 * Wire format, version 1 (one PUBLISH payload, JSON):
 *
 *   {"v":1,"id":"<instanceId>","ep":<sender start, ms>,"seq":<n>,"ts":<ms>,"ops":[<op>, ...]}
 *
 *   v    major version (integer). A receiver accepts every major version it knows (today: 1). A higher version
 *        cannot be read, so the receiver resyncs ('undecodable') instead of ignoring it.
 *   id   sender's instance id; a receiver ignores its own messages.
 *   ep   sender's epoch: the time (ms since epoch) its bus was created. `id` + `ep` name one sender incarnation, so
 *        a restarted sender with a fixed id starts a new sequence instead of looking like a gap.
 *   seq  1, 2, 3… per incarnation, one per message the sender *tried* to send. A publish that failed or was
 *        dropped burns its number, so receivers see a gap and resync ('gap') instead of keeping stale entries.
 *   ts   sender's clock (ms since epoch) when the batch was flushed (→ `BusMessageMeta.sentAt`, lag).
 *   ops  compact ops; the first element names the type:
 *          ["k", key1, key2, …]   keys   (merged and de-duplicated across the tick)
 *          ["t", tag1, tag2, …]   tags
 *          ["p", prefix]          one prefix
 *          ["a"]                  all (subsumes everything else in the batch)
 *          ["K", …] ["T", …] ["P", prefix]
 *                                 the same as k/t/p, but the sender's L2 side of them failed: L2 may still hold
 *                                 the old copies, so receivers keep them off L2 reads until a settled op for them
 *                                 (k/t/p) arrives. Old receivers do not know these codes and resync (drop L1).
 *
 * Compatibility rules for rolling deploys: within a major version, new *fields* may be added (receivers ignore
 * unknown fields); a new op *type* is allowed too, but old receivers resync on it ('undecodable'), since
 * ignoring an invalidation could leave a stale entry. Anything that changes the meaning of an existing field
 * needs v:2, and v:2 senders must keep sending v:1 until every receiver understands v:2.
 */

/** The wire format's major version written by this sender. */
export const BUS_WIRE_VERSION = 1;

/** One op in its compact wire form: a type code followed by its arguments (see the format above). */
export type WireOp = readonly string[];

/** The type code of each op on the wire. */
export const CODE_BY_TYPE = { keys: 'k', tags: 't', prefix: 'p', all: 'a' } as const;
/** The type code of an unsettled op (see the format above). */
export const UNSETTLED_CODE_BY_TYPE = { keys: 'K', tags: 'T', prefix: 'P' } as const;

/** What a sender puts in one message, besides the version. */
export interface OutgoingMessage {
  readonly id: string;
  readonly epoch: number;
  readonly seq: number;
  readonly sentAt: number;
  readonly ops: readonly WireOp[];
}

/** A received payload that parsed as a JSON object, with its fields checked one by one. */
export interface IncomingMessage {
  /** Sender id, when the payload names one. */
  readonly id: string | undefined;
  /** Sender epoch; 0 when absent. */
  readonly epoch: number;
  /** Sequence number, when it is a positive safe integer. */
  readonly seq: number | undefined;
  /** Sender clock at flush. */
  readonly sentAt: number;
  /** The ops; `undefined` when the message cannot be applied (newer version, unknown op, malformed). */
  readonly ops: InvalidationOp[] | undefined;
}

/** Encodes one v1 message. */
export function encodeMessage(message: OutgoingMessage): string {
  return JSON.stringify({
    v: BUS_WIRE_VERSION,
    id: message.id,
    ep: message.epoch,
    seq: message.seq,
    ts: message.sentAt,
    ops: message.ops,
  });
}

/** Decodes a payload; `undefined` when it is not even a JSON object. */
export function decodeMessage(payload: string): IncomingMessage | undefined {
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  const id = typeof m['id'] === 'string' ? m['id'] : undefined;
  const seq =
    typeof m['seq'] === 'number' && Number.isSafeInteger(m['seq']) && m['seq'] > 0 ? m['seq'] : undefined;
  const epoch = typeof m['ep'] === 'number' && Number.isFinite(m['ep']) ? m['ep'] : 0;
  const sentAt = m['ts'] as number;
  const ops =
    m['v'] === 1 && id !== undefined && typeof sentAt === 'number' ? decodeOps(m['ops']) : undefined;
  return { id, epoch, seq, sentAt, ops };
}

/** Decodes v1 ops; `undefined` when anything is not understood. */
function decodeOps(raw: unknown): InvalidationOp[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const ops: InvalidationOp[] = [];
  for (const op of raw) {
    if (!Array.isArray(op) || op.length === 0) return undefined;
    for (const part of op) if (typeof part !== 'string') return undefined;
    const [code, ...args] = op as string[];
    switch (code) {
      case CODE_BY_TYPE.keys:
        ops.push({ type: 'keys', keys: args });
        break;
      case UNSETTLED_CODE_BY_TYPE.keys:
        ops.push({ type: 'keys', keys: args, unsettled: true });
        break;
      case CODE_BY_TYPE.tags:
        ops.push({ type: 'tags', tags: args });
        break;
      case UNSETTLED_CODE_BY_TYPE.tags:
        ops.push({ type: 'tags', tags: args, unsettled: true });
        break;
      case CODE_BY_TYPE.prefix:
      case UNSETTLED_CODE_BY_TYPE.prefix:
        if (args.length !== 1) return undefined;
        ops.push(
          code === CODE_BY_TYPE.prefix
            ? { type: 'prefix', prefix: args[0] }
            : { type: 'prefix', prefix: args[0], unsettled: true },
        );
        break;
      case CODE_BY_TYPE.all:
        ops.push({ type: 'all' });
        break;
      default:
        return undefined;
    }
  }
  return ops;
}
