import { Global, INestApplicationContext, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule } from '@platform/cache/nest';
import { complianceServiceSpec } from '@platform/compliance-feature';
import { SERVICE_CONFIG } from '@platform/service-kit';
import { sendJson, stackEnv, useTestService } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { DEVELOPMENT_PEPPER, hmacPhoneNumber } from '@platform/config';
import { ComplianceClient, ComplianceClientModule } from '../src';

/** The client as a calling service wires it: the service kit's config with its peers, and the root cache. */
async function startCaller(peers: Record<string, string>): Promise<INestApplicationContext> {
  @Global()
  @Module({
    providers: [{ provide: SERVICE_CONFIG, useValue: { name: 'caller', peers } }],
    exports: [SERVICE_CONFIG],
  })
  class CallerConfigModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      CallerConfigModule,
      CacheModule.forRoot({
        prefix: `compliance-client-${randomUUID().slice(0, 8)}:`,
        redis: { mode: 'standalone', url: stackEnv()['REDIS_URL'] },
        metricsPath: false,
      }),
      ComplianceClientModule,
    ],
  }).compile();
  return moduleRef.init();
}

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
