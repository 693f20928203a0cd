import type { ServiceError } from '@grpc/grpc-js';
import {
  bearer,
  grpcTestClient,
  KafkaBrokerHandle,
  signTestToken,
  stackEnv,
  startKafkaBroker,
} from '@platform/service-kit/testing';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceProcess, stopService, useIsolatedServices } from './service-process';

const ISSUER = 'platform-log-scan';
const KAFKA_USER = 'platform-svc';

/** A secret that only this run uses, so finding it in a log can only mean the log leaked it. */
const secret = (label: string) => `${label}-${randomBytes(24).toString('hex')}`;
/** A random US number in E.164. */
const phone = () => `+1415${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;

/** One thing no log line may contain, and what it is (for the failure message). */
interface Needle {
  what: string;
  text: string;
}

/** Every line of every service's output that contains a needle, as `service: what: line`. */
const leaks = (services: readonly ServiceProcess[], needles: readonly Needle[]): string[] =>
  services.flatMap((service) =>
    service
      .output()
      .split('\n')
      .flatMap((line) =>
        needles
          .filter((needle) => line.includes(needle.text))
          .map((needle) => `${service.name}: ${needle.what}: ${line.slice(0, 400)}`),
      ),
  );

/**
 * The four built services as real processes, with every secret they hold coming from a mounted file
 * (`AUTH_JWT_SECRET_FILE`, `AUTH_CLIENT_SECRET_FILE`, `KAFKA_SASL_PASSWORD_FILE`), auth on, a SASL/SCRAM +
 * TLS Kafka of their own and `LOG_LEVEL=debug`. Traffic with bearer tokens, raw phone numbers (DNC
 * entries, checks, bid decisions that ask compliance), bad input, bad tokens and errors goes through REST
 * and gRPC; then the processes are stopped (their output is complete once they exited) and every line
 * of their stdout and stderr is searched for the secrets, every token sent and every phone number sent.
 */
describe('service logs over a full run (real processes, auth on, SASL Kafka, LOG_LEVEL=debug)', () => {
  const services = useIsolatedServices('logscan');
  let dir: string;
  let broker: KafkaBrokerHandle;
  let routing: ServiceProcess;
  let compliance: ServiceProcess;
  let bid: ServiceProcess;
  let analytics: ServiceProcess;
  // Routing and compliance verify tokens with the shared secret, which bid and analytics sign their own
  // calls with (their client secret); bid and analytics verify callers with secrets of their own.
  const shared = secret('shared-jwt');
  const bidSecret = secret('bid-jwt');
  const analyticsSecret = secret('analytics-jwt');
  const kafkaPassword = randomBytes(20).toString('hex');
  const tokensSent: string[] = [];
  const phonesSent: string[] = [];

  /** A token for `service`'s callers, remembered so the scan looks for it. */
  const token = async (scopes: string[], key: string, options: { expiresIn?: number } = {}) => {
    const signed = await signTestToken({ scopes, secret: key, issuer: ISSUER, sub: 'log-scan', ...options });
    tokensSent.push(signed);
    return signed;
  };
  const newPhone = () => {
    const number = phone();
    phonesSent.push(number);
    return number;
  };
  const call = async (method: string, url: string, jwt: string | undefined, body?: unknown) => {
    const response = await fetch(url, {
      method,
      headers: {
        ...(jwt === undefined ? {} : bearer(jwt)),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-scan-secrets-'));
    const file = async (name: string, value: string) => {
      await writeFile(join(dir, name), `${value}\n`, { mode: 0o600 });
      return join(dir, name);
    };
    broker = await startKafkaBroker({
      secure: { users: [{ name: KAFKA_USER, password: kafkaPassword, mechanism: 'scram-sha-512' }] },
    });
    const { KAFKA_SASL_PASSWORD: _inEnv, ...kafka } = broker.serviceEnv();
    const common = {
      ...kafka,
      KAFKA_SASL_PASSWORD_FILE: await file('kafka-password', kafkaPassword),
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: 'platform',
      LOG_LEVEL: 'debug',
    };
    const sharedFile = await file('shared-jwt', shared);
    routing = await services.start('routing', { ...common, AUTH_JWT_SECRET_FILE: sharedFile });
    compliance = await services.start('compliance', { ...common, AUTH_JWT_SECRET_FILE: sharedFile });
    const peers = {
      ROUTING_GRPC_ADDRESS: routing.grpcAddress,
      COMPLIANCE_GRPC_ADDRESS: compliance.grpcAddress,
    };
    bid = await services.start('bid', {
      ...common,
      ...peers,
      AUTH_JWT_SECRET_FILE: await file('bid-jwt', bidSecret),
      AUTH_CLIENT_SECRET_FILE: sharedFile,
    });
    analytics = await services.start('analytics', {
      ...common,
      ...peers,
      AUTH_JWT_SECRET_FILE: await file('analytics-jwt', analyticsSecret),
      AUTH_CLIENT_SECRET_FILE: sharedFile,
    });
  }, 300000);

  afterAll(async () => {
    await broker?.destroy();
    await rm(dir, { recursive: true, force: true });
  }, 60000);

  it('should write no secret, token or raw phone number to any line of any service', async () => {
    const run = services.run;
    const buyerId = `buyer-${run}`;
    const statuses: Record<string, number> = {};

    // Routing: writes, reads, bad input, no token, wrong scope, unknown buyer.
    const routingWrite = await token(['routing:write', 'routing:read'], shared);
    statuses['routing put'] = await call(
      'PUT',
      `${routing.httpUrl}/routing/buyers/${buyerId}`,
      routingWrite,
      {
        states: ['CA', 'NY'],
        minBidCents: 100,
        maxConcurrentCalls: 5,
        priority: 1,
      },
    );
    statuses['routing get'] = await call('GET', `${routing.httpUrl}/routing/buyers/${buyerId}`, routingWrite);
    statuses['routing bad body'] = await call(
      'PUT',
      `${routing.httpUrl}/routing/buyers/${buyerId}`,
      routingWrite,
      {
        states: 'CA',
        minBidCents: -1,
      },
    );
    statuses['routing malformed json'] = await call(
      'PUT',
      `${routing.httpUrl}/routing/buyers/${buyerId}`,
      routingWrite,
      '{"states": [',
    );
    statuses['routing no token'] = await call(
      'GET',
      `${routing.httpUrl}/routing/buyers/${buyerId}`,
      undefined,
    );
    statuses['routing wrong scope'] = await call(
      'GET',
      `${routing.httpUrl}/routing/buyers/${buyerId}`,
      await token(['bid:read'], shared),
    );
    statuses['routing unknown'] = await call(
      'GET',
      `${routing.httpUrl}/routing/buyers/nobody-${run}`,
      routingWrite,
    );

    // Compliance: phone numbers in bodies, queries, paths and gRPC; bad numbers; bad tokens.
    const complianceWrite = await token(['compliance:write', 'compliance:read'], shared);
    const listed = newPhone();
    statuses['dnc add'] = await call('POST', `${compliance.httpUrl}/compliance/dnc`, complianceWrite, {
      phoneNumber: listed,
      source: 'log-scan',
    });
    statuses['dnc check'] = await call(
      'GET',
      `${compliance.httpUrl}/compliance/dnc/check?phoneNumber=${encodeURIComponent(newPhone())}`,
      complianceWrite,
    );
    statuses['check call'] = await call('POST', `${compliance.httpUrl}/compliance/checks`, complianceWrite, {
      phoneNumber: newPhone(),
      state: 'CA',
    });
    statuses['check batch'] = await call(
      'POST',
      `${compliance.httpUrl}/compliance/checks/batch`,
      complianceWrite,
      {
        checks: [
          { phoneNumber: newPhone(), state: 'NY' },
          { phoneNumber: newPhone(), state: 'ZZ' },
        ],
      },
    );
    const badNumber = newPhone();
    statuses['check bad number'] = await call(
      'POST',
      `${compliance.httpUrl}/compliance/checks`,
      complianceWrite,
      {
        phoneNumber: `${badNumber}x`,
        state: 'CA',
      },
    );
    statuses['dnc delete by raw number'] = await call(
      'DELETE',
      `${compliance.httpUrl}/compliance/dnc/${encodeURIComponent(newPhone())}`,
      complianceWrite,
    );
    statuses['compliance expired token'] = await call(
      'GET',
      `${compliance.httpUrl}/compliance/dnc/check?phoneNumber=${encodeURIComponent(newPhone())}`,
      await token(['compliance:read'], shared, { expiresIn: -600 }),
    );
    statuses['compliance foreign token'] = await call(
      'POST',
      `${compliance.httpUrl}/compliance/checks`,
      await token(['compliance:write'], secret('foreign')),
      { phoneNumber: newPhone(), state: 'CA' },
    );
    const grpc = grpcTestClient('compliance', compliance.grpcAddress);
    try {
      const checked = await grpc.call('checkDnc', { phoneNumber: newPhone() }, bearer(complianceWrite));
      expect(checked).toBeDefined();
      const refused = await grpc
        .call('checkDnc', { phoneNumber: newPhone() }, bearer(await token(['bid:read'], shared)))
        .then(
          () => undefined,
          (error: ServiceError) => error.code,
        );
      expect(refused).toBeDefined();
      const invalid = await grpc
        .call('checkDnc', { phoneNumber: `${newPhone()}99999999` }, bearer(complianceWrite))
        .then(
          () => undefined,
          (error: ServiceError) => error.code,
        );
      expect(invalid).toBeDefined();
    } finally {
      grpc.close();
    }

    // Bid: bids and decisions that ask compliance about the caller's number (with bid's own token).
    const bidWrite = await token(['bid:write', 'bid:read'], bidSecret);
    statuses['bid create'] = await call('POST', `${bid.httpUrl}/bids`, bidWrite, {
      callId: `call-${run}`,
      buyerId,
      amountCents: 150,
    });
    for (const callerPhone of [listed, newPhone()]) {
      statuses[`bid decision ${callerPhone === listed ? 'listed' : 'clear'}`] = await call(
        'POST',
        `${bid.httpUrl}/bids/decisions`,
        bidWrite,
        {
          bids: [
            {
              callId: `call-${run}`,
              buyerId,
              amountCents: 150,
              call: { state: 'CA', time: new Date().toISOString(), callerPhone },
            },
          ],
        },
      );
    }
    statuses['bid decision bad phone'] = await call('POST', `${bid.httpUrl}/bids/decisions`, bidWrite, {
      bids: [
        {
          callId: `call-${run}`,
          buyerId,
          amountCents: 150,
          call: { state: 'CA', time: 'now', callerPhone: `${newPhone()}-1` },
        },
      ],
    });
    statuses['bid no token'] = await call('GET', `${bid.httpUrl}/bids/buyers/${buyerId}/active`, undefined);
    statuses['bid unknown'] = await call(
      'GET',
      `${bid.httpUrl}/bids/00000000-0000-4000-8000-000000000000`,
      bidWrite,
    );

    // Analytics: calls recorded and read, bad input.
    const analyticsWrite = await token(['analytics:write', 'analytics:read'], analyticsSecret);
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    statuses['analytics record'] = await call(
      'POST',
      `${analytics.httpUrl}/analytics/calls`,
      analyticsWrite,
      {
        callId: `call-${run}`,
        buyerId,
        state: 'CA',
        startedAt,
        durationSeconds: 60,
        revenueCents: 500,
        outcome: 'connected',
      },
    );
    statuses['analytics list'] = await call(
      'GET',
      `${analytics.httpUrl}/analytics/calls?buyerId=${buyerId}`,
      analyticsWrite,
    );
    statuses['analytics bad'] = await call('POST', `${analytics.httpUrl}/analytics/calls`, analyticsWrite, {
      callId: newPhone(),
      buyerId,
      state: 'CA',
      startedAt: 'yesterday',
      durationSeconds: -1,
      revenueCents: 1,
      outcome: 'connected',
    });

    // The traffic did what it should; otherwise the scan below would prove little.
    expect(statuses).toMatchObject({
      'routing put': 201,
      'routing get': 200,
      'routing bad body': 400,
      'routing malformed json': 400,
      'routing no token': 401,
      'routing wrong scope': 403,
      'routing unknown': 404,
      'dnc add': 201,
      'dnc check': 200,
      'check call': 200,
      'check bad number': 400,
      'dnc delete by raw number': 400,
      'compliance expired token': 401,
      'compliance foreign token': 401,
      'bid create': 201,
      'bid decision listed': 200,
      'bid decision clear': 200,
      'bid decision bad phone': 400,
      'bid no token': 401,
      'bid unknown': 404,
      'analytics record': 201,
      'analytics list': 200,
      'analytics bad': 400,
    });

    // A process's output is complete once it has exited.
    const all = [routing, compliance, bid, analytics];
    await Promise.all(all.map(stopService));
    for (const service of all) {
      // Debug logs were on: every service logged its requests, so the scan had lines to look at.
      const requestLines = service
        .output()
        .split('\n')
        .filter((line) => line.includes('"req":{')).length;
      expect({ service: service.name, logsRequests: requestLines > 0 }).toEqual({
        service: service.name,
        logsRequests: true,
      });
      expect(service.output()).toContain('"level":"debug"');
    }

    const database = new URL(stackEnv()['DATABASE_URL']);
    const needles: Needle[] = [
      { what: 'shared JWT / client secret', text: shared },
      { what: 'bid JWT secret', text: bidSecret },
      { what: 'analytics JWT secret', text: analyticsSecret },
      { what: 'Kafka SASL password', text: kafkaPassword },
      // The stack's Postgres password is weak (it is the user name), so look for it as credentials in a URL.
      { what: 'Postgres credentials', text: `${database.username}:${database.password}@` },
      ...(database.password.length >= 12 && database.password !== database.username
        ? [{ what: 'Postgres password', text: database.password }]
        : []),
      // The signature: a token leaked whole or cut after its payload both contain it.
      ...tokensSent.map((sent, i) => ({ what: `bearer token #${i}`, text: sent.split('.')[2] })),
      // E.164 digits without the `+`: finds `+1415…`, `%2B1415…` and the bare digits alike.
      ...phonesSent.map((sent) => ({ what: `phone number ${sent.slice(0, 5)}…`, text: sent.slice(1) })),
    ];
    expect(leaks(all, needles)).toEqual([]);
  }, 180000);
});
