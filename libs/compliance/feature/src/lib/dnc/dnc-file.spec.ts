import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identifyDncFile, parseDncRow, readDncLines } from './dnc-file';
import { generateDncFile } from './dnc-file.generator';

describe('DNC files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dnc-file-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe(generateDncFile, () => {
    it('should write the same bytes for the same seed, and other bytes for another seed', async () => {
      const a = await generateDncFile({ path: join(dir, 'a.csv'), count: 2000, seed: 7 });
      await generateDncFile({ path: join(dir, 'b.csv'), count: 2000, seed: 7 });
      await generateDncFile({ path: join(dir, 'c.csv'), count: 2000, seed: 8 });
      const [bytesA, bytesB, bytesC] = await Promise.all(
        ['a', 'b', 'c'].map((name) => readFile(join(dir, `${name}.csv`))),
      );
      expect(bytesA.equals(bytesB)).toBe(true);
      expect(bytesA.equals(bytesC)).toBe(false);
      expect(a.bytes).toBe(bytesA.length);
      const text = bytesA.toString();
      expect(text.split('\n').length - 1).toBe(a.lines);
      const added = new Set(
        text
          .split('\n')
          .filter((l) => l.startsWith('add,+'))
          .map((l) => l.slice(4)),
      );
      expect(added.size).toBe(2000);
      expect(text).toMatch(/^remove,/m);
    });
  });

  describe(readDncLines, () => {
    it('should give every line once with exact byte offsets, from the start or from a checkpoint', async () => {
      const path = join(dir, 'lines.csv');
      await writeFile(path, 'action,phone\nadd,+14155550100\r\nremove,+14155550101\nadd,+14155550102');
      const all: string[] = [];
      const ends: number[] = [];
      for await (const batch of readDncLines(path, { start: { byte: 0, line: 0 }, batchSize: 2 })) {
        all.push(...batch.lines);
        ends.push(batch.endByte);
      }
      expect(all).toEqual(['action,phone', 'add,+14155550100\r', 'remove,+14155550101', 'add,+14155550102']);
      expect(ends).toEqual([31, 67]);
      const resumed: string[] = [];
      for await (const batch of readDncLines(path, { start: { byte: 31, line: 2 }, batchSize: 2 })) {
        resumed.push(...batch.lines);
        expect(batch.endLine).toBe(4);
      }
      expect(resumed).toEqual(['remove,+14155550101', 'add,+14155550102']);
    });
  });

  describe(identifyDncFile, () => {
    it('should identify a file by its content', async () => {
      await writeFile(join(dir, 'x.csv'), 'add,+14155550100\n');
      await writeFile(join(dir, 'y.csv'), 'add,+14155550100\n');
      const [x, y] = await Promise.all([
        identifyDncFile(join(dir, 'x.csv')),
        identifyDncFile(join(dir, 'y.csv')),
      ]);
      expect(x).toEqual(y);
      expect(x.fileBytes).toBe(17);
    });
  });

  describe(parseDncRow, () => {
    it('should read actions and normalise numbers, skip headers and blanks, and flag the rest', () => {
      expect(parseDncRow('add,+1 (415) 555-0100')).toEqual({ action: 'add', e164: '+14155550100' });
      expect(parseDncRow('remove,+14155550100\r')).toEqual({ action: 'remove', e164: '+14155550100' });
      expect(parseDncRow('action,phone')).toBeUndefined();
      expect(parseDncRow('')).toBeUndefined();
      expect(parseDncRow('drop,+14155550100')).toBe('invalid');
      expect(parseDncRow('add,14155550100')).toBe('invalid');
      expect(parseDncRow('add')).toBe('invalid');
    });
  });
});
