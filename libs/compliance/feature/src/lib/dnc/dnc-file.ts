import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { normalizeE164 } from '../phone-hash';

/**
 * A DNC file: CSV lines `action,phone`, `action` being `add` or `remove` and `phone` an E.164 number
 * (separators allowed, as the API accepts them). An optional first line `action,phone` is a header.
 * Lines end with `\n` (a `\r` before it is ignored); empty lines are skipped.
 */
export const DNC_FILE_HEADER = 'action,phone';

/** A file's identity for its import checkpoint: the SHA-256 of its bytes, and its size. */
export interface DncFileIdentity {
  fileId: string;
  fileBytes: number;
}

/** Hashes the file's bytes (streamed): the same content is the same import, whatever its name. */
export async function identifyDncFile(path: string): Promise<DncFileIdentity> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return { fileId: hash.digest('hex'), fileBytes: (await stat(path)).size };
}

/** Consecutive lines of a file and where they end (byte offset after the last one, lines read so far). */
export interface DncLineBatch {
  lines: string[];
  endByte: number;
  endLine: number;
}

/**
 * Reads the file from `start.byte` (a line boundary; `start.line` lines before it) in batches of up to
 * `batchSize` lines, each with the exact byte offset it ends at, so a checkpoint can resume there.
 */
export async function* readDncLines(
  path: string,
  options: { start: { byte: number; line: number }; batchSize: number },
): AsyncGenerator<DncLineBatch> {
  let byte = options.start.byte;
  let line = options.start.line;
  let lines: string[] = [];
  let rest: Buffer = Buffer.alloc(0);
  const stream = createReadStream(path, { start: options.start.byte, highWaterMark: 1 << 20 });
  for await (const chunk of stream) {
    const data = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
    let from = 0;
    for (let nl = data.indexOf(10, from); nl !== -1; nl = data.indexOf(10, from)) {
      lines.push(data.toString('utf8', from, nl));
      byte += nl + 1 - from;
      line++;
      from = nl + 1;
      if (lines.length >= options.batchSize) {
        yield { lines, endByte: byte, endLine: line };
        lines = [];
      }
    }
    rest = data.subarray(from);
  }
  if (rest.length > 0) {
    lines.push(rest.toString('utf8'));
    byte += rest.length;
    line++;
  }
  if (lines.length > 0) yield { lines, endByte: byte, endLine: line };
}

/** One row of a DNC file: an action on an E.164 number; `undefined` for a header or empty line. */
export type DncRow = { action: 'add' | 'remove'; e164: string } | 'invalid' | undefined;

/** Parses a line (never echoes it: a bad line is just `'invalid'`). */
export function parseDncRow(raw: string): DncRow {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text === '' || text === DNC_FILE_HEADER) return undefined;
  const comma = text.indexOf(',');
  if (comma < 0) return 'invalid';
  const action = text.slice(0, comma).trim();
  if (action !== 'add' && action !== 'remove') return 'invalid';
  const e164 = normalizeE164(text.slice(comma + 1).trim());
  return e164 === undefined ? 'invalid' : { action, e164 };
}
