import { coalesce } from './coalesce';

/** A run that records its inputs and finishes when the test says so. */
function controlledRun() {
  const runs: { inputs: readonly number[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const run = (inputs: readonly number[]) =>
    new Promise<readonly number[]>((resolve, reject) => {
      runs.push({ inputs, finish: () => resolve(inputs.map((n) => n * 10)), fail: reject });
    });
  return { runs, run };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe(coalesce.name, () => {
  it('should send the inputs given in one turn of the event loop in one run, each caller getting its output', async () => {
    const { runs, run } = controlledRun();
    const call = coalesce(run);
    const outputs = Promise.all([call(1), call(2), call(3)]);
    await turn();
    expect(runs.map((r) => r.inputs)).toEqual([[1, 2, 3]]);
    runs[0].finish();
    expect(await outputs).toEqual([10, 20, 30]);
  });

  it('should hold inputs given during a run for one next run, never two runs at once', async () => {
    const { runs, run } = controlledRun();
    const call = coalesce(run);
    const first = call(1);
    await turn();
    const later = Promise.all([call(2), call(3)]);
    await turn();
    expect(runs.map((r) => r.inputs)).toEqual([[1]]); // the second waits for the first to end
    runs[0].finish();
    expect(await first).toBe(10);
    await turn();
    expect(runs.map((r) => r.inputs)).toEqual([[1], [2, 3]]);
    runs[1].finish();
    expect(await later).toEqual([20, 30]);
  });

  it('should reject every caller of a failed run and go on with the next one', async () => {
    const { runs, run } = controlledRun();
    const call = coalesce(run);
    const failed = [call(1), call(2)].map((p) => p.catch((error: Error) => error.message));
    await turn();
    runs[0].fail(new Error('Redis down'));
    expect(await Promise.all(failed)).toEqual(['Redis down', 'Redis down']);
    const next = call(3);
    await turn();
    runs[1].finish();
    expect(await next).toBe(30);
  });
});
