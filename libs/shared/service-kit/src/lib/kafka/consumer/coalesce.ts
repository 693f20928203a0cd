/**
 * Makes a call that takes many inputs at once (one statement, one eviction, one offset commit) out of one
 * that is made per input, merging the calls made together: the inputs given until the event loop's
 * current turn ends go out in one `run`, and inputs given while a run is in flight wait and go out
 * together in the next one (so runs never overlap, and each input's run starts after every earlier one
 * ended). Each caller gets its own output, in input order; when a run rejects, every caller of it
 * gets that error.
 *
 * The consumer handles the partitions of a fetch concurrently, one batch each: merged, their inbox
 * queries, evictions and commits cost one round trip per fetch instead of one per partition.
 */
export function coalesce<I, O>(
  run: (inputs: readonly I[]) => Promise<readonly O[]>,
): (input: I) => Promise<O> {
  type Waiting = { input: I; resolve: (output: O) => void; reject: (error: unknown) => void };
  let queue: Waiting[] = [];
  let scheduled = false;
  let running = false;

  const schedule = () => {
    if (scheduled || running) return;
    scheduled = true;
    setImmediate(flush);
  };

  const flush = async () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    running = true;
    try {
      const outputs = await run(batch.map((waiting) => waiting.input));
      batch.forEach((waiting, i) => waiting.resolve(outputs[i]));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      running = false;
      if (queue.length > 0) schedule();
    }
  };

  return (input) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
}
