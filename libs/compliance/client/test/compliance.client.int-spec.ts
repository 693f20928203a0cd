import { INestApplicationContext } from '@nestjs/common';
import { complianceServiceSpec } from '@platform/compliance-feature';
import { sendJson, stackEnv, startClientCaller, useTestService } from '@platform/service-kit/testing';
import { DEVELOPMENT_PEPPER, hmacPhoneNumber } from '@platform/config';
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
});
