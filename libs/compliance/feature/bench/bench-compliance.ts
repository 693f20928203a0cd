/**
 * `npm run bench:compliance`: compliance checks per second, side by side, on this machine against the local
 * stack: in process through `peekCheck` (L1 only, warm), the keyed hash alone (the floor every check pays),
 * and through the REST and gRPC batch endpoints (1000 checks per call, 4 in flight). The service runs in this
 * process, in a schema and cache prefix of its own, so the HTTP and gRPC figures include the client's share
 * of the same core. Loopback only; each phase 3 s. Then a DNC import row: a generated file of 1M numbers
 * (seed 42; `DNC_BENCH_COUNT` to change) imported through `DncImporter` (5000 lines per transaction) while
 * REST batch checks run against the same service: rows/s, total time (to the published generation), and
 * checks/s during the import. Hard limit 300 s.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropSchema,
  grpcTestClient,
  sendJson,
  stackEnv,
  startTestService,
} from '@platform/service-kit/testing';
import {
  ComplianceCheckService,
  complianceServiceSpec,
  DEVELOPMENT_PEPPER,
  DncImporter,
  generateDncFile,
  hmacPhoneNumber,
} from '../src';

const PHASE_MS = 3000;
const BATCH = 1000;
const IN_FLIGHT = 4;
const PHONES = 10_000;
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
    const checks = running.app.get(ComplianceCheckService);
    // Warm L1 (and L2) for every number, 100 at a time (the DB pool is 10).
    for (let b = 0; b < PHONES; b += 100) await checks.checkMany(requests.slice(b, b + 100));
    if (requests.some((request) => checks.peekCheck(request) === undefined)) throw new Error('L1 not warm');

    let i = 0;
    const hmacOnly = await rate(() => {
      for (let n = 0; n < 10_000; n++) hmacPhoneNumber(DEVELOPMENT_PEPPER, phones[i++ % PHONES]);
      return 10_000;
    });
    const peek = await rate(() => {
      for (let n = 0; n < 10_000; n++) checks.peekCheck(requests[i++ % PHONES]);
      return 10_000;
    });
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

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
    process.stdout.write(
      [
        `compliance checks/s (one process, one core; load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
        `  keyed hash alone (HMAC-SHA256, floor)  ${fmt(hmacOnly)}`,
        `  in process, peekCheck on warm L1       ${fmt(peek)}   (target 5,000,000)`,
        `  REST  POST /compliance/checks/batch    ${fmt(http)}   (${BATCH}/call, ${IN_FLIGHT} in flight, audited)`,
        `  gRPC  CheckCallBatch                   ${fmt(grpcRate)}   (${BATCH}/call, ${IN_FLIGHT} in flight, audited)`,
        '',
        `DNC import (${DNC_COUNT.toLocaleString('en-US')} numbers, ${generated.lines.toLocaleString('en-US')} lines, 5000 lines/transaction, same process)`,
        `  rows/s (lines applied)                 ${fmt(generated.lines / (importMs / 1000))}`,
        `  total, to the published generation     ${fmt(importMs / 1000)} s   (+${imported.added} −${imported.removed} ✗${imported.rejected})`,
        `  REST batch checks/s during the import  ${fmt(checkedDuringImport / (importMs / 1000))}   (1 in flight; vs ${Math.round(http).toLocaleString('en-US')} above with ${IN_FLIGHT})`,
        '',
      ].join('\n'),
    );
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
