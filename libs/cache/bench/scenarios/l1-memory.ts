/**
 * (g) L1 byte budget vs heap: an L1-only cache with a 64 MB budget filled (twice over) with ~1 KB JSON
 * objects, in a fresh `--expose-gc` process per accounting; heapUsed after gc, before vs after filling.
 * `json` replays the old accounting (serialized bytes) on a bare store, beside today's heap accounting.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { ResultRow, ScenarioResult } from '../bench-types';

const MAX_BYTES = 64 * 1024 * 1024;
const MB = 1024 * 1024;

interface MemoryFigures {
  accounting: 'heap' | 'json';
  maxBytes: number;
  counted: number;
  entries: number;
  heapGrowth: number;
  rssGrowth: number;
}

/** Runs scenario (g). */
export async function runL1Memory(): Promise<ScenarioResult> {
  const started = performance.now();
  const worker = join(__dirname, '..', 'workers', 'l1-memory.worker.ts');
  const run = async (accounting: 'heap' | 'json'): Promise<MemoryFigures> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...process.execArgv, '--expose-gc', worker, JSON.stringify({ maxBytes: MAX_BYTES, accounting })],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split('\n').pop() as string) as MemoryFigures;
  };
  const figures = [await run('json'), await run('heap')];
  const rows: ResultRow[] = figures.map((f) => ({
    lib: f.accounting === 'heap' ? 'ours' : 'ours-json-accounting',
    label: f.accounting === 'heap' ? 'ours (heap accounting)' : 'old accounting (serialized bytes)',
    config: `L1-only, maxBytes 64 MB, tinylfu, ${f.entries.toLocaleString('en-US')} entries kept`,
    status: 'ok',
    role: f.accounting === 'heap' ? 'ours' : 'floor',
    extra: {
      'budget MB': +(f.maxBytes / MB).toFixed(1),
      'counted MB': +(f.counted / MB).toFixed(1),
      'heap growth MB': +(f.heapGrowth / MB).toFixed(1),
      'heap / budget': +(f.heapGrowth / f.maxBytes).toFixed(2),
      'rss growth MB': +(f.rssGrowth / MB).toFixed(1),
    },
  }));
  const ours = figures[1];
  const ratio = ours.heapGrowth / ours.maxBytes;
  return {
    id: 'g',
    title: '(g) L1 byte budget vs measured heap — ~1 KB JSON objects',
    method:
      'one fresh --expose-gc process per accounting; heapUsed after 3× gc, before vs after filling 2× the budget',
    metric: 'heap / budget',
    rows,
    targets: [
      {
        text: 'heap ≤ 1.1× the L1 budget',
        actual: +ratio.toFixed(2),
        unit: '×',
        required: 1.1,
        pass: ratio <= 1.1,
      },
    ],
    notes: [
      `old accounting: heap ${(figures[0].heapGrowth / figures[0].maxBytes).toFixed(2)}× the budget; ` +
        `heap accounting: ${ratio.toFixed(2)}×.`,
    ],
    durationMs: performance.now() - started,
  };
}
