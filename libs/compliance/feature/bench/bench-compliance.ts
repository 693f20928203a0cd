/**
 * `npm run bench:compliance`: compliance checks per second, side by side, on this machine against the local
 * stack. The service runs in this process, in a schema and cache prefix of its own; loopback only; each
 * phase 3 s; hard limit 300 s.
 *
 * First the endpoints: REST and gRPC batches (1000 checks per call, 4 in flight; each number HMACed,
 * decided, audited; the client's share of the same core included). Then a DNC import row: a generated file
 * of 1M numbers (seed 42; `DNC_BENCH_COUNT` to change) imported through `DncImporter` (5000 lines per
 * transaction) while REST batch checks run: rows/s, total time (to the published generation), checks/s.
 *
 * Then the in-process rows, after the import, so the membership filter is the full list's (1M entries) and
 * 1 % of the checked numbers are on the list (their filter says maybe and the exact DNC entry is peeked):
 * the HMAC alone (the floor of any check from a raw number), `peekCheck` from the raw number (HMAC
 * included), `peekCheckHashed` (the same check for a caller holding the hash), and `peekCheckBatch` by
 * hash, 1000 per batch, with and without turning each code into a decision object. Every row reads L1
 * through the cache's `peek`: the pointer and rule set per check (per batch for the batch rows), the state
 * per check (per batch and state), the filter and, when it says maybe, the exact entry per number.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropSchema,
  eventually,
  grpcTestClient,
  sendJson,
  stackEnv,
  startTestService,
} from '@platform/service-kit/testing';
import {
  batchDecision,
  ComplianceCheckService,
  complianceServiceSpec,
  DEVELOPMENT_PEPPER,
  DncImporter,
  DncMembership,
  generateDncFile,
  hmacPhoneNumber,
  NOT_IN_L1,
} from '../src';

const PHASE_MS = 3000;
const BATCH = 1000;
const IN_FLIGHT = 4;
const PHONES = 10_000;
/** One number in LISTED_EVERY is added to the DNC list before the checks. */
const LISTED_EVERY = 100;
const DNC_COUNT = Number(process.env['DNC_BENCH_COUNT'] ?? 1_000_000);

/** Runs `step` (which reports how many checks it did) for `PHASE_MS`; returns checks/s. */
async function rate(step: () => number | Promise<number>): Promise<number> {
  const start = performance.now();
  let done = 0;
  while (performance.now() - start < PHASE_MS) done += await step();
  return done / ((performance.now() - start) / 1000);
}

/** Like {@link rate} with `IN_FLIGHT` concurrent callers. */
async function concurrentRate(call: () => Promise<number>): Promise<number> {
  const start = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() - start < PHASE_MS) done += await call();
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const schema = `compliance_bench_${randomBytes(4).toString('hex')}`;
  const running = await startTestService(complianceServiceSpec(), {
    DB_SCHEMA: schema,
    CACHE_PREFIX: `${schema}:`,
    LOG_LEVEL: 'fatal',
  });
  const grpc = grpcTestClient('compliance', running.grpcAddress);
  const dir = await mkdtemp(join(tmpdir(), 'bench-dnc-'));
  try {
    const url = running.httpUrl;
    await sendJson('PUT', `${url}/compliance/states/IL`, {
      callingHoursStart: 0,
      callingHoursEnd: 24,
      timezone: 'America/Chicago',
      maxAttemptsPerDay: 3,
      requiresConsent: false,
    });
    await sendJson('POST', `${url}/compliance/tcpa-rule-sets`, {
      rules: { quietHours: [21, 8] },
      effectiveFrom: '2026-01-01T00:00:00.000Z',
      activate: true,
    });
    const phones = Array.from(
      { length: PHONES },
      () => `+1312${String(randomInt(0, 10_000_000)).padStart(7, '0')}`,
    );
    const requests = phones.map((phoneNumber) => ({ phoneNumber, state: 'IL' }));
    for (let p = 0; p < PHONES; p += LISTED_EVERY) {
      await sendJson('POST', `${url}/compliance/dnc`, { phoneNumber: phones[p], source: 'bench' });
    }
    const checks = running.app.get(ComplianceCheckService);
    /** Warms L1 (and L2) for every number, 100 at a time (the DB pool is 10); true when all of L1 is warm. */
    const warm = async () => {
      for (let b = 0; b < PHONES; b += 100) await checks.checkMany(requests.slice(b, b + 100));
      return requests.every((request) => checks.peekCheck(request) !== undefined);
    };
    if (!(await warm())) throw new Error('L1 not warm');

    const batches = Array.from({ length: PHONES / BATCH }, (_, b) =>
      requests.slice(b * BATCH, (b + 1) * BATCH),
    );
    let next = 0;
    const http = await concurrentRate(async () => {
      const response = await sendJson('POST', `${url}/compliance/checks/batch`, {
        checks: batches[next++ % batches.length],
      });
      await response.arrayBuffer();
      return BATCH;
    });
    const grpcRate = await concurrentRate(async () => {
      await grpc.call('checkCallBatch', { checks: batches[next++ % batches.length] });
      return BATCH;
    });

    // DNC import of a generated file while REST batch checks keep running.
    const dncFile = join(dir, 'dnc.csv');
    const generated = await generateDncFile({ path: dncFile, count: DNC_COUNT, seed: 42 });
    let importing = true;
    let checkedDuringImport = 0;
    const importStart = performance.now();
    const checking = (async () => {
      while (importing) {
        const response = await sendJson('POST', `${url}/compliance/checks/batch`, {
          checks: batches[next++ % batches.length],
        });
        await response.arrayBuffer();
        if (importing) checkedDuringImport += BATCH;
      }
    })();
    const imported = await running.app.get(DncImporter).import({ path: dncFile, batchSize: 5000 });
    const importMs = performance.now() - importStart;
    importing = false;
    await checking;
    if (imported.status !== 'imported') throw new Error(`DNC import ended ${imported.status}`);

    // The in-process rows, against the imported list's filter: wait until it is trusted, then warm again
    // (the import's invalidation cleared every cached DNC answer).
    const membership = running.app.get(DncMembership);
    await eventually(
      () => membership.status().trusted && membership.status().generation === imported.generation,
      60_000,
    );
    // The import's invalidation reaches this instance twice (on commit, then from Kafka) and clears the DNC
    // answers each time: warm until L1 stays warm for a second.
    await eventually(async () => {
      if (!(await warm())) return false;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return requests.every((request) => checks.peekCheck(request) !== undefined);
    }, 60_000);
    const hashed = phones.map((phoneNumber) => ({
      phoneHash: hmacPhoneNumber(DEVELOPMENT_PEPPER, phoneNumber),
      state: 'IL',
    }));
    const maybe = hashed.filter((request) => membership.mayBeListed(request.phoneHash)).length;
    const hashedBatches = Array.from({ length: PHONES / BATCH }, (_, b) =>
      hashed.slice(b * BATCH, (b + 1) * BATCH),
    );
    const loadBefore = loadavg();
    let i = 0;
    let sink = 0;
    const hmacOnly = await rate(() => {
      for (let n = 0; n < 10_000; n++)
        sink += hmacPhoneNumber(DEVELOPMENT_PEPPER, phones[i++ % PHONES]).length;
      return 10_000;
    });
    // A check L1 could not answer did less work than a real one: counted, and the run fails if any.
    let undecided = 0;
    const peek = await rate(() => {
      for (let n = 0; n < 10_000; n++) {
        const decision = checks.peekCheck(requests[i++ % PHONES]);
        if (decision === undefined) undecided++;
        else if (decision.allowed) sink++;
      }
      return 10_000;
    });
    const peekHashed = await rate(() => {
      for (let n = 0; n < 10_000; n++) {
        const decision = checks.peekCheckHashed(hashed[i++ % PHONES]);
        if (decision === undefined) undecided++;
        else if (decision.allowed) sink++;
      }
      return 10_000;
    });
    const batchCodes = await rate(() => {
      const batch = checks.peekCheckBatch(hashedBatches[next++ % hashedBatches.length]);
      if (batch === undefined) throw new Error('batch: pointer or rule set not in L1');
      for (let n = 0; n < BATCH; n++) if (batch.codes[n] === NOT_IN_L1) undecided++;
      return BATCH;
    });
    const batchDecisions = await rate(() => {
      const requestsOfBatch = hashedBatches[next++ % hashedBatches.length];
      const batch = checks.peekCheckBatch(requestsOfBatch);
      if (batch === undefined) throw new Error('batch: pointer or rule set not in L1');
      for (let n = 0; n < BATCH; n++) {
        const decision = batchDecision(requestsOfBatch, batch, n);
        if (decision === undefined) undecided++;
        else if (decision.allowed) sink++;
      }
      return BATCH;
    });
    if (undecided > 0) throw new Error(`${undecided} in-process checks were not decided from L1`);
    const loadAfter = loadavg();

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
    const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    const filter = membership.status();
    process.stdout.write(
      [
        `compliance endpoints, checks/s (one process; load average ${loads(loadBefore)})`,
        `  REST  POST /compliance/checks/batch    ${fmt(http)}   (${BATCH}/call, ${IN_FLIGHT} in flight; HMAC per number, one version per call, audited)`,
        `  gRPC  CheckCallBatch                   ${fmt(grpcRate)}   (${BATCH}/call, ${IN_FLIGHT} in flight; HMAC per number, one version per call, audited)`,
        '',
        `DNC import (${DNC_COUNT.toLocaleString('en-US')} numbers, ${generated.lines.toLocaleString('en-US')} lines, 5000 lines/transaction, same process)`,
        `  rows/s (lines applied)                 ${fmt(generated.lines / (importMs / 1000))}`,
        `  total, to the published generation     ${fmt(importMs / 1000)} s   (+${imported.added} −${imported.removed} ✗${imported.rejected})`,
        `  REST batch checks/s during the import  ${fmt(checkedDuringImport / (importMs / 1000))}   (1 in flight; vs ${Math.round(http).toLocaleString('en-US')} above with ${IN_FLIGHT})`,
        '',
        `in-process checks/s on warm L1, one core (target 5,000,000; load average ${loads(loadBefore)} → ${loads(loadAfter)})`,
        `  filter: generation ${filter.generation}, ${(filter.bytes / 1e6).toFixed(1)} MB; ${PHONES.toLocaleString('en-US')} numbers checked, ${PHONES / LISTED_EVERY} listed, filter says maybe for ${maybe} (those peek the exact entry)`,
        `  keyed hash alone (HMAC-SHA256, floor)  ${fmt(hmacOnly)}   (the least any check from a raw number costs)`,
        `  peekCheck, raw number                  ${fmt(peek)}   (HMAC + pointer, rule set, state peeks + filter + decision object)`,
        `  peekCheckHashed, hash, one check       ${fmt(peekHashed)}   (pointer, rule set, state peeks + filter + decision object)`,
        `  peekCheckBatch, hash, ${BATCH}/batch       ${fmt(batchCodes)}   (pointer, rule set once/batch, state once/batch; per number filter + decision code)`,
        `  peekCheckBatch + batchDecision         ${fmt(batchDecisions)}   (the same, plus one decision object per number)`,
        '',
      ].join('\n'),
    );
    if (sink < 0) process.stdout.write('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
    grpc.close();
    await running.app.close();
    await dropSchema(stackEnv()['DATABASE_URL'], schema);
  }
}

const limit = setTimeout(() => {
  process.stderr.write('bench:compliance: hard limit of 300 s reached\n');
  process.exit(1);
}, 300_000);
limit.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:compliance failed: ${String(error)} ${String((error as { cause?: unknown }).cause)}\n`,
    );
    process.exit(1);
  },
);
