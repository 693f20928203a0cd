import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import {
  dropSchema,
  eventually,
  freePort,
  grpcTestClient,
  recordTopic,
  sendJson,
  stackEnv,
  type GrpcTestClient,
  type TopicRecording,
} from '@platform/service-kit/testing';
import { Topic } from '@platform/contracts';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { DEVELOPMENT_PEPPER, hmacPhoneNumber } from '../src';

const workspaceRoot = join(__dirname, '../../../..');

/** A number of the test's own (area code 503), with every form a client might write or a leak might show. */
function testNumber() {
  const line = String(randomInt(0, 10_000_000)).padStart(7, '0');
  const [area, exchange, subscriber] = ['503', line.slice(0, 3), line.slice(3)];
  const e164 = `+1${area}${exchange}${subscriber}`;
  return {
    e164,
    formatted: `+1 (${area}) ${exchange}-${subscriber}`,
    dotted: `+1.${area}.${exchange}.${subscriber}`,
    hash: hmacPhoneNumber(DEVELOPMENT_PEPPER, e164),
    /** What must appear nowhere: the E.164 form, its digits alone, the national number, written forms. */
    forms: [
      e164,
      e164.slice(1),
      `${area}${exchange}${subscriber}`,
      `${exchange}-${subscriber}`,
      `${exchange}.${subscriber}`,
      `${exchange} ${subscriber}`,
    ],
  };
}

/** The service as a real process (its own pino output on stdout/stderr), from source through SWC. */
interface ServiceProcess {
  httpUrl: string;
  grpcAddress: string;
  output: () => string;
  stop: () => Promise<void>;
}

const runMain = (env: Record<string, string>, args: string[]) => {
  let output = '';
  const child = spawn(
    process.execPath,
    ['-r', './tools/bench/swc-register.cjs', 'apps/compliance/src/main.ts', ...args],
    {
      cwd: workspaceRoot,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
};

async function startServiceProcess(overrides: Record<string, string>): Promise<ServiceProcess> {
  const env = {
    ...stackEnv(),
    HTTP_PORT: String(await freePort()),
    GRPC_PORT: String(await freePort()),
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...overrides,
  };
  const migrate = runMain(env, ['migrate']);
  if ((await migrate.exited) !== 0) throw new Error(`compliance migrate failed:\n${migrate.output()}`);
  const service = runMain(env, []);
  const httpUrl = `http://127.0.0.1:${env.HTTP_PORT}`;
  const stop = async () => {
    const { child } = service;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await service.exited;
  };
  try {
    await eventually(
      async () => {
        if (service.child.exitCode !== null) throw new Error('compliance exited at start');
        return (await fetch(`${httpUrl}/health/ready`)).status === 200;
      },
      90_000,
      250,
    );
  } catch (error) {
    service.child.kill('SIGKILL');
    throw new Error(`compliance never became ready: ${String(error)}\n${service.output().slice(-3000)}`);
  }
  return { httpUrl, grpcAddress: `127.0.0.1:${env.GRPC_PORT}`, output: service.output, stop };
}

/** A gRPC call's failure as text (code, details, metadata), or the response when it succeeded. */
const grpcOutcome = (call: Promise<unknown>) =>
  call.then(
    (response) => JSON.stringify(response),
    (error: { code?: number; details?: string; message?: string; metadata?: { getMap(): object } }) =>
      JSON.stringify({
        code: error.code,
        details: error.details,
        message: error.message,
        metadata: error.metadata?.getMap(),
      }),
  );

describe('a raw phone number appears nowhere: logs, metrics, errors, events, cache, tables (real process and stack)', () => {
  const schema = `compliance_nophone_${randomBytes(4).toString('hex')}`;
  const prefix = `${schema}:`;
  let service: ServiceProcess;
  let grpc: GrpcTestClient;
  let events: TopicRecording;
  const redis = new Redis(stackEnv()['REDIS_URL'], { lazyConnect: true });
  /** Everything the service answered: bodies (errors included) and gRPC outcomes. */
  const answers: string[] = [];
  const listed = testNumber();
  const checked = testNumber();
  const viaGrpc = testNumber();
  const malformed = testNumber();
  const numbers = [listed, checked, viaGrpc, malformed];

  const rest = async (method: string, path: string, body?: unknown) => {
    const response =
      body === undefined
        ? await fetch(`${service.httpUrl}${path}`, { method })
        : await sendJson(method, `${service.httpUrl}${path}`, body);
    answers.push(`${response.status} ${await response.text()}`);
    return response.status;
  };
  const rpc = async (method: string, request: object) => {
    const outcome = await grpcOutcome(grpc.call(method, request));
    answers.push(outcome);
    return outcome;
  };

  beforeAll(async () => {
    [events, service] = await Promise.all([
      recordTopic(Topic.ComplianceRulesChanged),
      // Every level, so whatever any layer logs (requests, cache, Kafka, validation) is captured.
      startServiceProcess({ DB_SCHEMA: schema, CACHE_PREFIX: prefix, LOG_LEVEL: 'trace' }),
    ]);
    grpc = grpcTestClient('compliance', service.grpcAddress);
    await redis.connect();
  }, 150_000);

  afterAll(async () => {
    grpc?.close();
    await service?.stop();
    await events?.stop();
    redis.disconnect();
    await dropSchema(stackEnv()['DATABASE_URL'], schema);
  }, 60_000);

  it('should show only hashes for adds, checks, batch checks, bad input and removes over REST and gRPC', async () => {
    expect(
      await rest('PUT', '/compliance/states/OR', {
        callingHoursStart: 0,
        callingHoursEnd: 24,
        timezone: 'America/Los_Angeles',
        maxAttemptsPerDay: 3,
        requiresConsent: false,
      }),
    ).toBeLessThan(300);
    expect(
      await rest('POST', '/compliance/tcpa-rule-sets', {
        rules: { quietHours: [0, 0] },
        effectiveFrom: '2026-01-01T00:00:00.000Z',
        activate: true,
      }),
    ).toBe(201);

    // REST: add (written forms), check DNC (query string), single and batch checks, remove by hash.
    expect(await rest('POST', '/compliance/dnc', { phoneNumber: listed.formatted, source: 'test' })).toBe(
      201,
    );
    expect(await rest('POST', '/compliance/dnc', { phoneNumber: checked.dotted, source: 'test' })).toBe(201);
    expect(await rest('GET', `/compliance/dnc/check?phoneNumber=${encodeURIComponent(listed.e164)}`)).toBe(
      200,
    );
    expect(await rest('GET', `/compliance/dnc/check?phoneNumber=${listed.e164}`)).toBe(200);
    expect(await rest('POST', '/compliance/checks', { phoneNumber: checked.formatted, state: 'OR' })).toBe(
      200,
    );
    expect(
      await rest('POST', '/compliance/checks/batch', {
        checks: [
          { phoneNumber: listed.e164, state: 'OR' },
          { phoneNumber: checked.dotted, state: 'OR' },
        ],
      }),
    ).toBe(200);
    expect(await rest('DELETE', `/compliance/dnc/${checked.hash}`)).toBe(204);
    expect(await rest('DELETE', `/compliance/dnc/${checked.hash}`)).toBe(404);

    // REST bad input that carries a number: malformed numbers, a number where a hash belongs, bad states.
    const bad = `${malformed.formatted}x`;
    expect(await rest('POST', '/compliance/dnc', { phoneNumber: bad, source: 'test' })).toBe(400);
    expect(await rest('POST', '/compliance/checks', { phoneNumber: bad, state: 'ZZ' })).toBe(400);
    expect(
      await rest('POST', '/compliance/checks/batch', {
        checks: [
          { phoneNumber: malformed.e164, state: 'OR' },
          { phoneNumber: `${malformed.e164}x`, state: 'OR' },
        ],
      }),
    ).toBe(400);
    expect(await rest('GET', `/compliance/dnc/check?phoneNumber=${encodeURIComponent(bad)}`)).toBe(400);
    expect(await rest('DELETE', `/compliance/dnc/${encodeURIComponent(malformed.e164)}`)).toBe(400);
    expect(await rest('POST', '/compliance/checks', `{"phoneNumber":"${malformed.e164}",`)).toBe(400);

    // gRPC: the same operations and the same kinds of bad input.
    expect(await rpc('addDncEntry', { phoneNumber: viaGrpc.formatted, source: 'test' })).toContain(
      viaGrpc.hash,
    );
    expect(await rpc('checkDnc', { phoneNumber: viaGrpc.e164 })).toContain('"listed":true');
    expect(await rpc('checkCall', { phoneNumber: viaGrpc.dotted, state: 'OR' })).toContain(viaGrpc.hash);
    expect(
      await rpc('checkCallBatch', {
        checks: [
          { phoneNumber: viaGrpc.e164, state: 'OR' },
          { phoneNumber: listed.formatted, state: 'OR' },
        ],
      }),
    ).toContain('DNC_LISTED');
    expect(await rpc('removeDncEntry', { phoneHash: viaGrpc.hash })).toBe('{}');
    expect(await rpc('removeDncEntry', { phoneHash: viaGrpc.hash })).toContain('"code":5');
    expect(await rpc('addDncEntry', { phoneNumber: bad, source: 'test' })).toContain('"code":3');
    expect(await rpc('checkDnc', { phoneNumber: bad })).toContain('"code":3');
    expect(await rpc('checkCall', { phoneNumber: bad, state: 'OR' })).toContain('"code":3');
    expect(await rpc('checkCallBatch', { checks: [{ phoneNumber: bad, state: 'OR' }] })).toContain(
      '"code":3',
    );
    expect(await rpc('removeDncEntry', { phoneHash: malformed.e164 })).toContain('"code":3');

    // What the service shows: its logs (every level), its metrics, its answers, its events, its cache.
    const hashes = [listed.hash, checked.hash, viaGrpc.hash];
    const published = await events.waitFor(
      (message) => hashes.some((hash) => (message.value?.toString() ?? '').includes(hash)),
      4, // listed and checked added, checked removed, viaGrpc added (and removed)
    );
    const eventText = events.messages.map((m) => `${m.key?.toString()} ${m.value?.toString()}`).join('\n');
    const metricsText = await (await fetch(`${service.httpUrl}/metrics`)).text();
    const cacheText = await dumpKeys(redis, prefix);
    const databaseText = await dumpSchema(schema);
    const logText = service.output();

    // The captures are real: each holds what it should (hashes, requests), so an absence means something.
    expect(published.length).toBeGreaterThanOrEqual(4);
    expect(cacheText).toContain(`compliance:dnc:${listed.hash}`);
    expect(databaseText).toContain(listed.hash);
    expect(logText).toContain('/compliance/checks/batch');
    expect(metricsText).toContain('compliance_audit_written_total');
    expect(answers.join('\n')).toContain(listed.hash);

    const places = {
      logs: logText,
      metrics: metricsText,
      answers: answers.join('\n'),
      events: eventText,
      cache: cacheText,
      database: databaseText,
    };
    const leaks = Object.entries(places).flatMap(([where, text]) =>
      numbers.flatMap((number) =>
        number.forms.filter((form) => text.includes(form)).map((form) => `${where}: ${form}`),
      ),
    );
    expect(leaks).toEqual([]);
  }, 120_000);
});

/** Every key under `prefix` with its value, whatever the type, as text. */
async function dumpKeys(redis: Redis, prefix: string): Promise<string> {
  const lines: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : type === 'set'
              ? JSON.stringify(await redis.smembers(key))
              : type === 'zset'
                ? JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))
                : type === 'list'
                  ? JSON.stringify(await redis.lrange(key, 0, -1))
                  : type;
      lines.push(`${key} ${value}`);
    }
  } while (cursor !== '0');
  return lines.join('\n');
}

/** Every row of every table in `schema` (entries, audit trail, outbox, inbox) as JSON text. */
async function dumpSchema(schema: string): Promise<string> {
  const client = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1`,
      [schema],
    );
    const lines: string[] = [];
    for (const { name } of tables) {
      const { rows } = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)} t`,
      );
      lines.push(...rows.map((r) => `${name} ${r.row}`));
    }
    return lines.join('\n');
  } finally {
    await client.end();
  }
}
