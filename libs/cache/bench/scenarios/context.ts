/**
 * What every scenario receives from the runner, plus small helpers to build result rows.
 */
import type { Cluster, Redis } from 'ioredis';
import { type AdapterOptions, type BenchCache, type LibId, LIB_LABEL, createAdapter } from '../adapters';
import type { ResultRow, TargetCheck } from '../bench-types';
import { type Timing, deleteByPrefix, errorMessage } from '../common';
import type { BenchValue } from '../zipf';

/** Shared state of one benchmark run. */
export interface BenchContext {
  /** Unique prefix of every key this run writes (`bench:<runId>:`). */
  runPrefix: string;
  timing: Timing;
  /** Helper connections used for seeding checks and clean-up (not measured). */
  redis: Redis;
  cluster: Cluster | undefined;
  /** Key names `k0 … k{n-1}` and their ~1 KB values, shared by every library. */
  keys: string[];
  values: BenchValue[];
  /** Zipf(0.99) index sequence over `keys`, length a power of two. */
  zipf: Uint32Array;
  /** Progress line on stderr. */
  log(msg: string): void;
}

/** A row for a library that could not run. */
export function failedRow(lib: LibId | string, config: string, e: unknown, variant?: string): ResultRow {
  const msg = errorMessage(e);
  const pending = msg.startsWith('pending') || /Cannot find module .*libs\/cache\/src/.test(msg);
  return {
    lib,
    label: LIB_LABEL[lib as LibId] ?? lib,
    config,
    variant,
    status: pending ? 'pending' : 'error',
    error: pending && !msg.startsWith('pending') ? `pending: engine not loadable yet (${msg})` : msg,
    role: lib === 'ours' ? 'ours' : undefined,
  };
}

/**
 * Builds an adapter, runs `fn` with it, always closes it and sweeps its key prefix. Errors while building
 * become a failed row via `onError`.
 */
export async function withAdapter<T>(
  ctx: BenchContext,
  lib: LibId,
  opts: Omit<AdapterOptions, 'prefix'> & { tag: string },
  fn: (cache: BenchCache, prefix: string) => Promise<T>,
): Promise<T> {
  const prefix = `${ctx.runPrefix}${opts.tag}:${lib}:`;
  let cache: BenchCache | undefined;
  try {
    cache = await createAdapter(lib, { ...opts, prefix });
    return await fn(cache, prefix);
  } finally {
    if (cache) await cache.close().catch(() => undefined);
    await deleteByPrefix(
      opts.topology === 'standalone' ? ctx.redis : undefined,
      opts.topology === 'cluster' ? ctx.cluster : undefined,
      prefix,
    ).catch(() => undefined);
  }
}

/** An adapter kept open across interleaved measurements; `close()` also sweeps its key prefix. */
export interface OpenAdapter {
  cache: BenchCache;
  prefix: string;
  close(): Promise<void>;
}

/** Opens an adapter under `<runPrefix><tag>:<lib>:`; on failure the prefix is swept before rethrowing. */
export async function openAdapter(
  ctx: BenchContext,
  lib: LibId,
  opts: Omit<AdapterOptions, 'prefix'> & { tag: string },
): Promise<OpenAdapter> {
  const prefix = `${ctx.runPrefix}${opts.tag}:${lib}:`;
  const sweep = () =>
    deleteByPrefix(
      opts.topology === 'standalone' ? ctx.redis : undefined,
      opts.topology === 'cluster' ? ctx.cluster : undefined,
      prefix,
    ).catch(() => undefined);
  let cache: BenchCache;
  try {
    cache = await createAdapter(lib, { ...opts, prefix });
  } catch (e) {
    await sweep();
    throw e;
  }
  return {
    cache,
    prefix,
    close: async () => {
      await cache.close().catch(() => undefined);
      await sweep();
    },
  };
}

/** Ratio target `ours / baseline ≥ required`, `null` when either side is missing. */
export function ratioTarget(
  text: string,
  ours: ResultRow | undefined,
  baseline: ResultRow | undefined,
  required: number,
  note?: string,
): TargetCheck {
  const a = ours?.status === 'ok' ? ours.opsPerSec : undefined;
  const b = baseline?.status === 'ok' ? baseline.opsPerSec : undefined;
  if (a === undefined || b === undefined || b === 0) {
    return {
      text,
      unit: '×',
      required,
      pass: null,
      note: note ?? `not evaluated: ${ours?.status ?? 'missing'} / ${baseline?.status ?? 'missing'}`,
    };
  }
  const ratio = a / b;
  return { text, actual: ratio, unit: '×', required, pass: ratio >= required, note };
}

/** The best `ok` row among `rows` by ops/s (e.g. BentoCache's faster configuration). */
export function bestRow(rows: readonly ResultRow[]): ResultRow | undefined {
  return rows
    .filter((r) => r.status === 'ok' && r.opsPerSec !== undefined)
    .sort((a, b) => (b.opsPerSec ?? 0) - (a.opsPerSec ?? 0))[0];
}
