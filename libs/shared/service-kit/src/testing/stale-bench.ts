import { loadavg } from 'node:os';

/** Nearest-rank percentile `p` (0–100] of `values` (unsorted); NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Options of {@link msUntil}. */
export interface MsUntilOptions {
  /** One read; polled back to back until it says yes. */
  check: () => Promise<boolean> | boolean;
  /** `performance.now()` of the event the wait is measured from (e.g. a write's acknowledgement). */
  since: number;
  /** Give up after this long: the result is then `Infinity`. */
  capMs: number;
}

/**
 * Milliseconds from `since` until `check` first says yes (`Infinity` past `capMs`): a stale-read bench's unit.
 * Yields to the event loop between checks, so a synchronous check (an L1 `peek`) cannot starve the servers
 * running in the same process.
 */
export async function msUntil({ check, since, capMs }: MsUntilOptions): Promise<number> {
  while (performance.now() - since < capMs) {
    if (await check()) return performance.now() - since;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return Infinity;
}

/** One row of {@link latencyTable}: a name and its measurements in ms. */
export interface LatencyRow {
  name: string;
  ms: readonly number[];
}

/** `load average 1.20 0.98 0.75`, for a bench's headline (figures on a shared machine need it). */
export const loadAverage = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

/**
 * A p50/p95/p99/max table (ms), rows side by side, with a last column saying whether each p99 meets
 * `targetMs` (when given). `Infinity` (a capped wait) prints as `>cap`.
 */
export function latencyTable(options: {
  title: string;
  rows: readonly LatencyRow[];
  targetMs?: number;
}): string {
  const width = Math.max(10, ...options.rows.map((row) => row.name.length));
  const cell = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '>cap').padStart(8);
  const target = options.targetMs;
  const header = `${''.padEnd(width)} ${['p50', 'p95', 'p99', 'max'].map((h) => h.padStart(8)).join(' ')}${
    target === undefined ? '' : `  p99 ≤ ${target} ms`
  }`;
  const lines = options.rows.map((row) => {
    const p99 = percentile(row.ms, 99);
    const verdict = target === undefined ? '' : `  ${p99 <= target ? 'yes' : 'NO'}`;
    const cells = [50, 95, 99].map((p) => cell(percentile(row.ms, p)));
    return `${row.name.padEnd(width)} ${[...cells, cell(Math.max(...row.ms))].join(' ')}${verdict}`;
  });
  return [options.title, header, ...lines].join('\n') + '\n';
}
