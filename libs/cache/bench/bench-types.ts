/**
 * Shape of `results/latest.json`, written by the runner and read by `report.ts`.
 */
import type { MachineInfo } from './common';

/** Outcome of one library in one scenario variant. */
export type RowStatus = 'ok' | 'error' | 'n/a' | 'pending' | 'skipped';

/** One library (or configuration) in one scenario variant. */
export interface ResultRow {
  /** Library id (see `adapters.ts`), or a free-form id for workaround rows. */
  lib: string;
  label: string;
  /** Configuration the library ran with. */
  config: string;
  /** Variant inside the scenario, e.g. `'c=64'`, `'2 processes × 500'`, `'delete'`. */
  variant?: string;
  status: RowStatus;
  /** Error message or reason for `error` / `n/a` / `pending` / `skipped`. */
  error?: string;
  /** Median ops/s (throughput scenarios). */
  opsPerSec?: number;
  /** ops/s of each measured round. */
  rounds?: number[];
  /** Role of the row in ratios: the floor/ceiling or peer it is compared against. */
  role?: 'ours' | 'peer' | 'floor' | 'ceiling';
  /** Scenario-specific numbers (loader calls, p50/p99, misses …). */
  extra?: Record<string, number | string | boolean | null>;
}

/** A target from the issue, checked against the measured rows. */
export interface TargetCheck {
  /** e.g. `ours ≥ 3× BentoCache (L1 hit)`. */
  text: string;
  /** Measured value (ratio, count or ms). */
  actual?: number;
  /** Unit of `actual`/`required`: `'×'`, `'calls'`, `'ms'`. */
  unit: string;
  required: number;
  /** `true` pass, `false` fail, `null` could not be evaluated (pending/error). */
  pass: boolean | null;
  note?: string;
}

/** One scenario (a)…(f). */
export interface ScenarioResult {
  id: string;
  title: string;
  /** What was measured and how, printed above the table. */
  method: string;
  /** Primary metric column, e.g. `'ops/s'`, `'loader calls'`, `'p99 ms'`. */
  metric: string;
  rows: ResultRow[];
  targets: TargetCheck[];
  notes: string[];
  durationMs: number;
  /** Free-form extra table (hit-rate bench). */
  table?: { headers: string[]; rows: string[][] };
}

/** The whole run. */
export interface BenchResults {
  version: 1;
  machine: MachineInfo;
  settings: Record<string, number | string | boolean>;
  scenarios: ScenarioResult[];
  totalMs: number;
  oursStatus: string;
}
