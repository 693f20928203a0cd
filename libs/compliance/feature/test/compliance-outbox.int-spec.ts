import { Topic } from '@platform/contracts';
import { readJson, sendJson, useServiceWithoutRelay } from '@platform/service-kit/testing';
import { randomInt } from 'node:crypto';
import { complianceServiceSpec } from '../src';

/**
 * Compliance changes and their `compliance.rules.changed.v1` events go through the transactional outbox:
 * both commit or neither, including the two events of an activation (old rule set off, new one on). A
 * schema of its own and no relay, so the rows stay where the test reads them.
 */
describe('compliance service outbox (real Postgres)', () => {
  const { service, readOutbox, refuseOutboxWrites } = useServiceWithoutRelay(
    complianceServiceSpec(),
    'compliance',
  );
  const url = (path: string) => `${service.httpUrl}/compliance${path}`;
  const ruleSet = {
    rules: { quietHours: [21, 8] },
    effectiveFrom: '2026-01-01T00:00:00.000Z',
    activate: true,
  };
  const stateRule = (maxAttemptsPerDay: number) => ({
    callingHoursStart: 8,
    callingHoursEnd: 21,
    timezone: 'America/Los_Angeles',
    maxAttemptsPerDay,
    requiresConsent: false,
  });
  const phone = () => `+1415${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;

  it('should queue both events of an activation in its transaction, in order', async () => {
    const first = await readJson(await sendJson('POST', url('/tcpa-rule-sets'), ruleSet));
    const second = await readJson(await sendJson('POST', url('/tcpa-rule-sets'), ruleSet));
    const rows = await readOutbox();
    expect(rows.map((row) => [row.topic, row.messageKey, row.payload.op])).toEqual([
      [Topic.ComplianceRulesChanged, `tcpa:${first.version}`, 'created'],
      [Topic.ComplianceRulesChanged, `tcpa:${first.version}`, 'updated'],
      [Topic.ComplianceRulesChanged, `tcpa:${second.version}`, 'created'],
    ]);
    expect(rows[1].payload).toMatchObject({ before: { active: true }, after: { active: false } });
  });

  it('should change no rule when the event cannot be queued', async () => {
    const active = await readJson(await fetch(url('/tcpa-rule-sets/active')));
    await sendJson('PUT', url('/states/NV'), stateRule(3));
    const number = phone();
    await sendJson('POST', url('/dnc'), { phoneNumber: number, source: 'consumer-request' });
    const check = (phoneNumber: string) =>
      fetch(url(`/dnc/check?phoneNumber=${encodeURIComponent(phoneNumber)}`)).then(readJson);
    const { phoneHash } = await check(number);
    const before = (await readOutbox()).length;

    const restore = await refuseOutboxWrites();
    try {
      expect((await sendJson('POST', url('/tcpa-rule-sets'), ruleSet)).status).toBe(500);
      expect((await sendJson('PUT', url('/states/NV'), stateRule(9))).status).toBe(500);
      expect((await sendJson('PUT', url('/states/UT'), stateRule(9))).status).toBe(500);
      expect((await sendJson('POST', url('/dnc'), { phoneNumber: phone(), source: 'x' })).status).toBe(500);
      expect((await fetch(url(`/dnc/${phoneHash}`), { method: 'DELETE' })).status).toBe(500);
    } finally {
      await restore();
    }
    expect(await readJson(await fetch(url('/tcpa-rule-sets/active')))).toMatchObject({
      version: active.version,
      active: true,
    });
    expect(await readJson(await fetch(url('/states/NV')))).toMatchObject({ maxAttemptsPerDay: 3 });
    expect((await fetch(url('/states/UT'))).status).toBe(404);
    expect(await check(number)).toMatchObject({
      listed: true,
    });
    expect(await readOutbox()).toHaveLength(before);
  });
});
