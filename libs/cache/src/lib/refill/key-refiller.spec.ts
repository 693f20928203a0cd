import { KeyRefiller } from './key-refiller';

/** A reload the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe(KeyRefiller, () => {
  it('should run one refill per key at a time and fold the asks made meanwhile into one more', async () => {
    const runs: ReturnType<typeof deferred>[] = [];
    const reload = () => {
      const run = deferred();
      runs.push(run);
      return run.promise;
    };
    const refiller = new KeyRefiller(() => undefined);
    refiller.refill('bid:a', reload);
    refiller.refill('bid:a', reload);
    refiller.refill('bid:a', reload);
    expect(runs).toHaveLength(1);
    runs[0].resolve();
    await flush();
    // The asks made while the first ran may come from a change it did not see: exactly one more refill.
    expect(runs).toHaveLength(2);
    runs[1].resolve();
    await flush();
    expect(runs).toHaveLength(2);
    expect(refiller.inFlight).toBe(0);
  });

  it('should report a failed refill and never reject', async () => {
    const failed = jest.fn();
    const refiller = new KeyRefiller(failed);
    refiller.refill('bid:a', () => Promise.reject(new Error('db down')));
    await flush();
    expect(failed).toHaveBeenCalledWith('bid:a', expect.any(Error));
    expect(refiller.inFlight).toBe(0);
  });
});
