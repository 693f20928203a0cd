import {
  dropSchema,
  eventually,
  readJson,
  sendJson,
  stackEnv,
  startTestService,
  useTestService,
  type ServiceUnderTest,
} from '@platform/service-kit/testing';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import type { TieredCache } from '@platform/cache';
import { DncEntryRepository, DncSyncRepository } from '@platform/compliance-data-access';
import Redis from 'ioredis';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  complianceServiceSpec,
  ComplianceService,
  DEVELOPMENT_PEPPER,
  DncImporter,
  DncMembership,
  generateDncFile,
  hmacPhoneNumber,
  parseDncRow,
} from '../src';

const hashOf = (phone: string) => hmacPhoneNumber(DEVELOPMENT_PEPPER, phone);
/** UK numbers: never in a generated file (its numbers are +1). */
const outsider = () => `+4420${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

/** The list a file leaves, replayed line by line: number → listed after the last line touching it. */
async function replay(path: string): Promise<Map<string, boolean>> {
  const listed = new Map<string, boolean>();
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    const row = parseDncRow(line);
    if (row !== undefined && row !== 'invalid') listed.set(row.e164, row.action === 'add');
  }
  return listed;
}

describe('background DNC sync and the membership filter (real Postgres, Redis, Kafka; two instances)', () => {
  const schema = `compliance_dnc_${randomBytes(4).toString('hex')}`;
  const overrides = { DB_SCHEMA: schema, CACHE_PREFIX: `${schema}:` };
  const a = useTestService(complianceServiceSpec(), 'compliance', overrides);
  const b = useTestService(complianceServiceSpec(), 'compliance', overrides);
  let dir: string;
  let file: string;
  let expected: Map<string, boolean>;
  const listedNumbers = () => [...expected].filter(([, listed]) => listed).map(([phone]) => phone);
  const unlistedNumbers = () => [...expected].filter(([, listed]) => !listed).map(([phone]) => phone);

  const db = () => a.app.get(DataSource);
  const tableHashes = async (): Promise<string[]> =>
    (await db().query(`SELECT phone_hash FROM ${schema}.dnc_entries ORDER BY phone_hash`)).map(
      (row: { phone_hash: string }) => row.phone_hash,
    );
  const expectedHashes = () => listedNumbers().map(hashOf).sort();
  const generation = async (): Promise<number> =>
    (await db().query(`SELECT generation FROM ${schema}.dnc_list_state`))[0].generation;
  const reset = () => db().query(`TRUNCATE ${schema}.dnc_entries; TRUNCATE ${schema}.dnc_imports`);
  /** Both instances trust a filter of `gen`. */
  const switched = (gen: number) =>
    eventually(async () =>
      [a, b].every((instance) => {
        const status = instance.app.get(DncMembership).status();
        return status.generation === gen && status.trusted;
      }),
    );
  const checkDnc = async (instance: ServiceUnderTest, phone: string): Promise<boolean> =>
    (
      await readJson(
        await fetch(`${instance.httpUrl}/compliance/dnc/check?phoneNumber=${encodeURIComponent(phone)}`),
      )
    ).listed;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dnc-sync-'));
    file = join(dir, 'dnc-20k.csv');
    await generateDncFile({ path: file, count: 20_000, seed: 1314 });
    expected = await replay(file);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await dropSchema(stackEnv()['DATABASE_URL'], schema);
  });

  it('should import adds and removes to exactly the expected list, and every instance answers from it', async () => {
    await reset();
    // Before the import, instance B answers (and may cache) "not listed" for numbers the file lists.
    const sample = listedNumbers().slice(0, 50);
    for (const phone of sample) expect(await checkDnc(b, phone)).toBe(false);

    const result = await a.app.get(DncImporter).import({ path: file, batchSize: 2000 });

    expect(result).toMatchObject({ status: 'imported', resumedFromByte: 0 });
    expect(result.rejected).toBeGreaterThan(0);
    expect(result.removed).toBeGreaterThan(0);
    expect(await tableHashes()).toEqual(expectedHashes());
    expect(result.generation).toBe(await generation());
    await switched(result.generation as number);
    for (const phone of sample) expect(await checkDnc(b, phone)).toBe(true);
    for (const phone of unlistedNumbers().slice(0, 50)) {
      expect(await checkDnc(b, phone)).toBe(false);
      expect(await checkDnc(a, phone)).toBe(false);
    }
    const decision = await readJson(
      await sendJson('POST', `${b.httpUrl}/compliance/checks`, { phoneNumber: sample[0], state: 'IL' }),
    );
    expect(decision.reasons).toContain('DNC_LISTED');
  });

  it('should resume an import killed halfway to the same final state as an uninterrupted one, and change nothing the second time', async () => {
    await reset();
    const importer = a.app.get(DncImporter);
    const whole = await importer.import({ path: file, batchSize: 1000 });
    const wholeTable = await tableHashes();
    await reset();

    const killed = await importer.import({ path: file, batchSize: 1000, stopAfterBatches: 4 });
    expect(killed).toMatchObject({ status: 'interrupted', batches: 4, generation: null });
    expect((await tableHashes()).length).toBeLessThan(wholeTable.length);
    const resumed = await importer.import({ path: file, batchSize: 1000 });
    expect(resumed.status).toBe('imported');
    expect(resumed.resumedFromByte).toBe(killed.bytes);
    expect(resumed.batches).toBe(whole.batches - 4);
    expect(await tableHashes()).toEqual(wholeTable);
    expect(wholeTable).toEqual(expectedHashes());
    // Each batch applied exactly once: the checkpoint's counts are the uninterrupted run's.
    expect({ added: resumed.added, removed: resumed.removed, rejected: resumed.rejected }).toEqual({
      added: whole.added,
      removed: whole.removed,
      rejected: whole.rejected,
    });

    const generationBefore = await generation();
    const again = await importer.import({ path: file, batchSize: 1000 });
    expect(again).toMatchObject({ status: 'already-imported', batches: 0, generation: resumed.generation });
    expect(await tableHashes()).toEqual(wholeTable);
    expect(await generation()).toBe(generationBefore);
  });

  it('should keep answering checks on both instances while an import runs', async () => {
    await reset();
    const other = join(dir, 'dnc-other.csv');
    await generateDncFile({ path: other, count: 20_000, seed: 77 });
    let importing = true;
    const answeredDuringImport: number[] = [];
    const checking = [a, b].map(async (instance) => {
      while (importing) {
        const response = await sendJson('POST', `${instance.httpUrl}/compliance/checks/batch`, {
          checks: Array.from({ length: 20 }, () => ({ phoneNumber: outsider(), state: 'IL' })),
        });
        expect(response.status).toBe(200);
        expect((await readJson(response)).decisions).toHaveLength(20);
        if (importing) answeredDuringImport.push(20);
      }
    });
    const result = await a.app.get(DncImporter).import({ path: other, batchSize: 500 });
    importing = false;
    await Promise.all(checking);
    expect(result.status).toBe('imported');
    expect(result.batches).toBeGreaterThan(20);
    expect(answeredDuringImport.length).toBeGreaterThan(0);
    expected = await replay(other);
    expect(await tableHashes()).toEqual(expectedHashes());
  });

  it('should say "no" for non-members without a DB or L2 read, and never "no" for a member', async () => {
    const current = await generation();
    await switched(current);
    const membership = a.app.get(DncMembership);
    for (const hash of expectedHashes()) expect(membership.mayBeListed(hash)).toBe(true);

    const outsiders = Array.from({ length: 2000 }, outsider);
    const maybe = new Set(outsiders.map(hashOf).filter((hash) => membership.mayBeListed(hash)));
    expect(maybe.size).toBeLessThan(100); // about 1 % false positives
    const loads = jest.spyOn(a.app.get(DncEntryRepository), 'findByHash');
    const cacheReads: string[] = [];
    const root = a.app.get<TieredCache>(CACHE_INSTANCE);
    const onRead = ({ key }: { key: string }) => {
      if (key.includes('compliance:dnc:')) cacheReads.push(key);
    };
    root.on('hit', onRead).on('miss', onRead);
    try {
      const compliance = a.app.get(ComplianceService);
      for (const phone of outsiders) expect((await compliance.checkDnc(phone)).listed).toBe(false);
    } finally {
      root.off('hit', onRead).off('miss', onRead);
      loads.mockRestore();
    }
    // Only the filter's "maybe" answers read anything.
    const readHashes = new Set(cacheReads.map((key) => key.slice(key.lastIndexOf(':') + 1)));
    expect([...readHashes].every((hash) => maybe.has(hash))).toBe(true);
    expect(loads.mock.calls.every(([hash]) => maybe.has(hash))).toBe(true);
  });

  it('should reflect a single add through the API on the other instance, where the filter said no', async () => {
    const phone = outsider();
    const hash = hashOf(phone);
    const membershipB = b.app.get(DncMembership);
    expect(await checkDnc(b, phone)).toBe(false);
    expect(membershipB.mayBeListed(hash)).toBe(false);
    const added = await sendJson('POST', `${a.httpUrl}/compliance/dnc`, {
      phoneNumber: phone,
      source: 'test',
    });
    expect(added.status).toBe(201);
    await eventually(async () => membershipB.mayBeListed(hash));
    expect(await checkDnc(b, phone)).toBe(true);
    // A removal cannot clear bits: the exact entry answers.
    expect((await fetch(`${a.httpUrl}/compliance/dnc/${hash}`, { method: 'DELETE' })).status).toBe(204);
    await eventually(async () => (await checkDnc(b, phone)) === false);
  });

  it('should catch up on an entry a filter scan could not see (written by a transaction open during it)', async () => {
    const phone = outsider();
    const hash = hashOf(phone);
    const writer = db().createQueryRunner();
    await writer.connect();
    await writer.startTransaction();
    try {
      await writer.query(
        `INSERT INTO ${schema}.dnc_entries (phone_hash, source) VALUES ($1, 'slow-writer')`,
        [hash],
      );
      // Longer than the horizon's margin: only the open transaction's start can keep the entry in reach.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const built = await a.app.get(DncMembership).build();
      await writer.commitTransaction();
      expect(await a.app.get(DncSyncRepository).hashesAddedSince(built.horizon)).toContain(hash);
    } finally {
      if (writer.isTransactionActive) await writer.rollbackTransaction();
      await writer.release();
    }
    // An instance that missed the add's bus message finds it on its next catch-up.
    await b.app.get(DncMembership).refresh();
    expect(b.app.get(DncMembership).mayBeListed(hash)).toBe(true);
    expect(await checkDnc(b, phone)).toBe(true);
  });

  it('should load the filter at startup, rebuilt from Postgres and stored again when Redis lost it', async () => {
    const current = await generation();
    const blobKey = `${schema}:compliance:dnc-filter:g${current}`;
    const client = new Redis(stackEnv()['REDIS_URL']);
    // An instance started while the blob is there loads it from Redis.
    const c = await startTestService(complianceServiceSpec(), overrides);
    try {
      await eventually(async () => c.app.get(DncMembership).status().trusted);
      expect(c.app.get(DncMembership).status().generation).toBe(current);
      await client.del(blobKey);
      const third = await startTestService(complianceServiceSpec(), overrides);
      try {
        const membership = third.app.get(DncMembership);
        await eventually(async () => membership.status().trusted);
        expect(membership.status().generation).toBe(current);
        expect(await client.exists(blobKey)).toBe(1);
        for (const hash of expectedHashes()) expect(membership.mayBeListed(hash)).toBe(true);
      } finally {
        await third.app.close();
      }
    } finally {
      await c.app.close();
      client.disconnect();
    }
  });
});
