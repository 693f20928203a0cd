import { INestApplicationContext } from '@nestjs/common';
import { DncEntry, StateRule } from '@platform/compliance-data-access';
import { complianceServiceSpec } from '@platform/compliance-feature';
import type { RunningService } from '@platform/service-kit';
import {
  dropSchema,
  sendJson,
  stackEnv,
  startClientCaller,
  startTestService,
  useTestService,
} from '@platform/service-kit/testing';
import { DEVELOPMENT_PEPPER, hmacPhoneNumber } from '@platform/config';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ComplianceClient, ComplianceClientModule } from '../src';

/** The client as a calling service wires it: the service kit's config with its peers, and the root cache. */
const startCaller = (peers: Record<string, string>): Promise<INestApplicationContext> =>
  startClientCaller(ComplianceClientModule, peers, {
    name: 'compliance-client',
    redisUrl: stackEnv()['REDIS_URL'],
  });

describe('ComplianceClient (real compliance service over gRPC, Redis)', () => {
  const compliance = useTestService(complianceServiceSpec(), 'compliance');
  let caller: INestApplicationContext;

  beforeAll(async () => {
    caller = await startCaller({ compliance: compliance.grpcAddress });
  });

  afterAll(async () => {
    await caller?.close();
  });

  it('should read a state rule over GetStateRule and keep a copy, and null for a state without one', async () => {
    const put = await sendJson('PUT', `${compliance.httpUrl}/compliance/states/WY`, {
      callingHoursStart: 9,
      callingHoursEnd: 20,
      timezone: 'America/Denver',
      maxAttemptsPerDay: 3,
      requiresConsent: false,
    });
    expect(put.status).toBeLessThan(300);
    const client = caller.get(ComplianceClient);
    expect(await client.stateRule('WY')).toMatchObject({
      state: 'WY',
      callingHoursStart: 9,
      callingHoursEnd: 20,
      timezone: 'America/Denver',
    });
    expect(client.peekStateRule('WY')).toMatchObject({ state: 'WY' });
    expect(await client.stateRule('ND')).toBeNull();
  });

  it('should answer DNC membership over CheckDnc, cached under the number’s hash', async () => {
    const listed = `+1307${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const post = await sendJson('POST', `${compliance.httpUrl}/compliance/dnc`, {
      phoneNumber: listed,
      source: 'test',
    });
    expect(post.status).toBeLessThan(300);
    const client = caller.get(ComplianceClient);
    expect(await client.isDncListed(listed)).toBe(true);
    expect(client.peekDnc(hmacPhoneNumber(DEVELOPMENT_PEPPER, listed))).toBe(true);
    expect(await client.isDncListed('+13075550000')).toBe(false);
  });

  const randomNumber = (area: string) =>
    `+1${area}${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

  it('should read a kept DNC answer as not listed once its entry expires, with no event to evict it', async () => {
    const number = randomNumber('406');
    const expiresAt = new Date(Date.now() + 2500);
    const post = await sendJson('POST', `${compliance.httpUrl}/compliance/dnc`, {
      phoneNumber: number,
      source: 'test',
      expiresAt: expiresAt.toISOString(),
    });
    expect(post.status).toBeLessThan(300);
    const client = caller.get(ComplianceClient);
    const hash = hmacPhoneNumber(DEVELOPMENT_PEPPER, number);
    expect(await client.isDncListed(number)).toBe(true);
    expect(client.peekDnc(hash)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 200));
    // The copy is still held (L1 5 min, L2 24 h): it is read as lapsed, not reloaded.
    expect(client.peekDnc(hash)).toBe(false);
    expect(await client.isDncListed(number)).toBe(false);
  });

  // The window the next two cover: Postgres has committed a change, and compliance's own cache (or DNC filter)
  // has not yet heard of it when a peer, whose copy the change event already evicted, asks again. A compliance
  // instance of its own holds that window open: no relay (its writes send no events), the topic's history
  // skipped (no replayed event evicts its cache meanwhile), a schema and a cache prefix of its own; the rows
  // then change behind its back.
  describe("answers for peers, from Postgres rather than compliance's cache", () => {
    const schema = `compliance_peer_${randomBytes(4).toString('hex')}`;
    let quiet: RunningService;
    let peer: INestApplicationContext;

    beforeAll(async () => {
      quiet = await startTestService(
        complianceServiceSpec(),
        {
          DB_SCHEMA: schema,
          CACHE_PREFIX: `${schema}:`,
          KAFKA_GROUP_ID: `compliance-${schema}`,
          OUTBOX_RELAY_ENABLED: 'false',
          LOG_LEVEL: 'fatal',
        },
        { skipTopicHistory: true },
      );
      peer = await startCaller({ compliance: quiet.grpcAddress });
    }, 60000);

    afterAll(async () => {
      await peer?.close();
      await quiet?.app.close();
      await dropSchema(stackEnv()['DATABASE_URL'], schema);
    });

    it('should answer GetStateRule with the committed rule while its cache still holds the old one', async () => {
      const rule = {
        callingHoursStart: 8,
        timezone: 'America/New_York',
        maxAttemptsPerDay: 3,
        requiresConsent: false,
      };
      const put = await sendJson('PUT', `${quiet.httpUrl}/compliance/states/VT`, {
        ...rule,
        callingHoursEnd: 21,
      });
      expect(put.status).toBeLessThan(300);
      const restHoursEnd = async () =>
        ((await (await fetch(`${quiet.httpUrl}/compliance/states/VT`)).json()) as { callingHoursEnd: number })
          .callingHoursEnd;
      expect(await restHoursEnd()).toBe(21); // through compliance's cache
      await quiet.app
        .get(DataSource)
        .getRepository(StateRule)
        .update({ state: 'VT' }, { callingHoursEnd: 19 });
      expect(await restHoursEnd()).toBe(21); // the cache has not heard of it

      expect(await peer.get(ComplianceClient).stateRule('VT')).toMatchObject({ callingHoursEnd: 19 });
    });

    it('should answer CheckDnc with the committed entry, past the DNC filter and the cache', async () => {
      const number = randomNumber('802');
      const check = async () =>
        (
          (await (
            await fetch(`${quiet.httpUrl}/compliance/dnc/check?phoneNumber=${encodeURIComponent(number)}`)
          ).json()) as { listed: boolean }
        ).listed;
      expect(await check()).toBe(false);
      await quiet.app
        .get(DataSource)
        .getRepository(DncEntry)
        .insert({ phoneHash: hmacPhoneNumber(DEVELOPMENT_PEPPER, number), source: 'test', expiresAt: null });
      expect(await check()).toBe(false); // compliance itself has not heard of it

      expect(await peer.get(ComplianceClient).isDncListed(number)).toBe(true);
    });
  });
});
