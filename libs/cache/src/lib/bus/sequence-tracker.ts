interface StreamState {
  /** Highest seq seen. */
  high: number;
  /** Seqs below `high` not seen yet. */
  missing: Set<number>;
  timer?: NodeJS.Timeout;
}

/** Options of {@link SequenceTracker}. */
export interface SequenceTrackerOptions {
  /** How long a sequence hole may stay open (messages can be reordered across cluster nodes). */
  readonly gapGraceMs: number;
  /** Called when a hole stayed open past `gapGraceMs`: a message was lost, the receiver must resync. */
  readonly onGap: () => void;
}

const MAX_TRACKED_SENDERS = 1024;
/** A sequence jump larger than this is not enumerated: the receiver resyncs at once. */
const MAX_TRACKED_HOLE = 1024;

/**
 * Follows each sender incarnation's sequence numbers (see the wire format's `id`, `ep`, `seq`) to detect lost
 * messages. Remembers at most 1024 senders, least recently seen forgotten first.
 */
export class SequenceTracker {
  private readonly streams = new Map<string, StreamState>();

  constructor(private readonly options: SequenceTrackerOptions) {}

  /**
   * Records message `seq` of the sender incarnation `id` + `epoch`. A hole is given `gapGraceMs` to fill (on a
   * Cluster two messages can take different nodes and arrive out of order); then `onGap` is called. Returns
   * `true` when the hole is too large to wait for: the caller resyncs at once. `subscribedAt` tells whether a
   * new incarnation should be seen from seq 1 (created after we subscribed) or from this message.
   */
  track(id: string, epoch: number, seq: number, subscribedAt: number): boolean {
    const streamKey = `${id}\u0000${epoch}`;
    let stream = this.streams.get(streamKey);
    if (stream === undefined) {
      // First message of this incarnation. One created after we subscribed should be seen from seq 1; one
      // created before may have sent messages we were not listening to.
      stream = { high: epoch >= subscribedAt ? 0 : seq - 1, missing: new Set() };
      if (this.streams.size >= MAX_TRACKED_SENDERS) this.forgetOldest();
    } else {
      this.streams.delete(streamKey); // re-inserted below: the map stays in least-recently-seen order
    }
    this.streams.set(streamKey, stream);
    if (seq === stream.high + 1) {
      stream.high = seq;
    } else if (seq > stream.high + 1) {
      if (seq - stream.high - 1 > MAX_TRACKED_HOLE) {
        stream.high = seq;
        closeHoles(stream);
        return true;
      }
      for (let s = stream.high + 1; s < seq; s++) stream.missing.add(s);
      stream.high = seq;
      if (stream.timer === undefined) {
        const open = stream;
        open.timer = setTimeout(() => {
          open.timer = undefined;
          if (open.missing.size === 0) return;
          open.missing.clear();
          this.options.onGap();
        }, this.options.gapGraceMs);
        open.timer.unref();
      }
    } else if (stream.missing.delete(seq) && stream.missing.size === 0) {
      closeHoles(stream);
    }
    return false;
  }

  /** Forgets every open hole (a resync drops all of L1, which covers them) but keeps the sequences. */
  closeAllHoles(): void {
    for (const stream of this.streams.values()) closeHoles(stream);
  }

  /** Forgets everything (on stop). */
  clear(): void {
    for (const stream of this.streams.values()) clearTimeout(stream.timer);
    this.streams.clear();
  }

  private forgetOldest(): void {
    const oldest = this.streams.keys().next();
    if (oldest.done) return;
    clearTimeout(this.streams.get(oldest.value)?.timer);
    this.streams.delete(oldest.value);
  }
}

function closeHoles(stream: StreamState): void {
  stream.missing.clear();
  clearTimeout(stream.timer);
  stream.timer = undefined;
}
