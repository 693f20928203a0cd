// `npm run dnc:generate -- --out <file> [--count 1000000] [--seed 1]`: writes a DNC file for tests and the
// bench, deterministically from the seed (the same options write the same bytes): CSV `action,phone` with
// `count` distinct +1 numbers added, about 5 % removals of earlier numbers, 1 % re-adds, 0.5 % removals
// of numbers never added and a few malformed rows.
import { generateDncFile } from '../src';

const optionOf = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};

async function main(): Promise<void> {
  const path = optionOf('--out');
  if (path === undefined)
    throw new Error('usage: npm run dnc:generate -- --out <file> [--count N] [--seed S]');
  const count = Number(optionOf('--count') ?? 1_000_000);
  const seed = Number(optionOf('--seed') ?? 1);
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a whole number ≥ 1');
  if (!Number.isInteger(seed)) throw new Error('--seed must be a whole number');
  const started = performance.now();
  const file = await generateDncFile({ path, count, seed });
  process.stdout.write(
    `wrote ${path}: ${file.lines} lines, ${file.bytes} bytes, ${count} numbers (seed ${seed}) in ${Math.round(performance.now() - started)} ms\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`dnc:generate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
