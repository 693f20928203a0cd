// `npm run bench:routing-stale`: how long after a criteria change is acknowledged by instance A does
// instance B serve it (its L1 held the old value)? Two routing instances in this process, on the local stack,
// with a schema and cache prefix of their own; 200 changes; prints p50/p95/p99/max for the buyer read and the
// route decision side by side. Loopback only; stops by itself (each wait is capped at 2 s).
import { randomUUID } from 'node:crypto';
import { routingServiceSpec } from '../src';
import {
  dropSchema,
  latencyTable,
  loadAverage,
  msUntil,
  sendJson,
  stackEnv,
  startTestService,
} from '@platform/service-kit/testing';

const CHANGES = 200;

async function main(): Promise<void> {
  const run = randomUUID().slice(0, 8);
  const env = {
    DB_SCHEMA: `routing_stale_${run}`,
    CACHE_PREFIX: `routing-stale-${run}:`,
    LOG_LEVEL: 'error',
  };
  const a = await startTestService(routingServiceSpec(), env);
  const b = await startTestService(routingServiceSpec(), env);
  const buyerId = `stale-${run}`;
  const put = (priority: number) =>
    sendJson('PUT', `${a.httpUrl}/routing/buyers/${buyerId}`, {
      states: ['WV'],
      minBidCents: 1,
      maxConcurrentCalls: 1,
      priority,
    });
  const buyerPriority = async () =>
    ((await (await fetch(`${b.httpUrl}/routing/buyers/${buyerId}`)).json()) as { priority: number }).priority;
  const routedPriority = async () =>
    (
      (await (await sendJson('POST', `${b.httpUrl}/routing/decisions`, { state: 'WV' })).json()) as {
        buyers: { priority: number }[];
      }
    ).buyers[0]?.priority;
  const until = (read: () => Promise<number | undefined>, want: number, since: number) =>
    msUntil({ check: async () => (await read()) === want, since, capMs: 2000 });
  try {
    await put(0);
    const buyer: number[] = [];
    const route: number[] = [];
    for (let i = 1; i <= CHANGES; i++) {
      await buyerPriority(); // B holds the old value in L1
      await routedPriority();
      const response = await put(i);
      const acked = performance.now();
      if (response.status !== 200) throw new Error(`PUT answered ${response.status}`);
      buyer.push(await until(buyerPriority, i, acked));
      route.push(await until(routedPriority, i, acked));
      if (i % 50 === 0) process.stdout.write(`${i}/${CHANGES} changes\n`);
    }
    process.stdout.write(
      latencyTable({
        title: `write ack on A → B serves it (ms), ${CHANGES} changes, ${loadAverage()}`,
        rows: [
          { name: 'GET /routing/buyers/:id (routing:buyer)', ms: buyer },
          { name: 'POST /routing/decisions (routing:geo)', ms: route },
        ],
        targetMs: 150,
      }),
    );
  } finally {
    await a.app.close();
    await b.app.close();
    await dropSchema(stackEnv()['DATABASE_URL'], env.DB_SCHEMA);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:routing-stale failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
