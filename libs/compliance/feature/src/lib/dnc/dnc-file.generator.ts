import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { DNC_FILE_HEADER } from './dnc-file';

/** Options of {@link generateDncFile}. */
export interface DncFileGeneratorOptions {
  /** Where to write the CSV. */
  path: string;
  /** Distinct numbers added (the `add` rows of new numbers). */
  count: number;
  /** Seed of the sequence: the same seed and options write the same bytes. */
  seed: number;
  /** Share of rows followed by a `remove` of an earlier number (default 0.05). */
  removeRate?: number;
  /** Share of rows followed by an `add` of an earlier number (default 0.01): re-adds and revivals. */
  readdRate?: number;
  /** Share of rows followed by a `remove` of a number never added (default 0.005): no-ops. */
  strayRemoveRate?: number;
  /** Share of rows followed by a malformed row (default 0.0005): counted as rejected by the import. */
  invalidRate?: number;
}

/** What a generated file holds. */
export interface GeneratedDncFile {
  lines: number;
  bytes: number;
}

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBER_SPACE = 8_000_000_000; // +1 2000000000 … +1 9999999999

/**
 * Writes a DNC file (see `DNC_FILE_HEADER`) deterministically from a seed: `count` distinct US numbers
 * added in a scrambled order (number i is `+1` and 2,000,000,000 + (i·stride + offset) mod 8·10⁹, a
 * bijection, so no set is kept), interleaved with removals of earlier numbers, re-adds, removals of
 * numbers never added and a few malformed rows. For tests (20k) and the bench (1M).
 */
export async function generateDncFile(options: DncFileGeneratorOptions): Promise<GeneratedDncFile> {
  const next = random(options.seed);
  let stride = 1 + 2 * Math.floor(next() * 400_000_000);
  if (stride % 5 === 0) stride += 2; // coprime with 8·10⁹ = 2¹²·5⁹
  const offset = Math.floor(next() * NUMBER_SPACE);
  const numberOf = (i: number) => `+1${2_000_000_000 + ((i * stride + offset) % NUMBER_SPACE)}`;
  const removeRate = options.removeRate ?? 0.05;
  const readdRate = options.readdRate ?? 0.01;
  const strayRate = options.strayRemoveRate ?? 0.005;
  const invalidRate = options.invalidRate ?? 0.0005;

  const out = createWriteStream(options.path);
  let chunk: string[] = [];
  let lines = 0;
  let bytes = 0;
  const push = (line: string) => {
    chunk.push(line);
    lines++;
  };
  const flush = async () => {
    const text = chunk.join('\n') + '\n';
    chunk = [];
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  push(DNC_FILE_HEADER);
  for (let i = 0; i < options.count; i++) {
    push(`add,${numberOf(i)}`);
    if (next() < removeRate) push(`remove,${numberOf(Math.floor(next() * (i + 1)))}`);
    if (next() < readdRate) push(`add,${numberOf(Math.floor(next() * (i + 1)))}`);
    if (next() < strayRate) push(`remove,${numberOf(options.count + Math.floor(next() * 1_000_000))}`);
    if (next() < invalidRate) push('add,+1-not-a-number');
    if (chunk.length >= 10_000) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { lines, bytes };
}
