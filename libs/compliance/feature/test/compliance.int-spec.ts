import { status } from '@grpc/grpc-js';
import { CallRecorded, ComplianceRulesChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { KafkaService } from '@platform/service-kit';
import {
  eventually,
  recordTopic,
  sendJson,
  useTestService,
  TopicRecording,
} from '@platform/service-kit/testing';
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { complianceServiceSpec, DEVELOPMENT_PEPPER, hmacPhoneNumber } from '../src';

/** Answers (gRPC messages, REST bodies) are untyped here and checked field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Untyped = any;
/** A fetch response whose JSON body is {@link Untyped}. */
type JsonResponse = Omit<Response, 'json'> & { json(): Promise<Untyped> };

/** A fresh US number per call, so runs against the same database do not see each other's entries. */
const randomPhone = () => `+1415${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
/** The keyed hash the service uses in tests (no `COMPLIANCE_PHONE_HASH_PEPPER` set: the development pepper). */
const sha256 = (value: string) => hmacPhoneNumber(DEVELOPMENT_PEPPER, value);

describe('compliance service (real Postgres, Redis, Kafka)', () => {
  const service = useTestService(complianceServiceSpec(), 'compliance');
  let db: DataSource;

  beforeAll(() => {
    db = service.app.get(DataSource);
  });

  const http = (path: string, init: { method?: string; body?: unknown } = {}): Promise<JsonResponse> =>
    init.body === undefined
      ? fetch(`${service.httpUrl}${path}`, { method: init.method ?? 'GET' })
      : sendJson(init.method ?? 'POST', `${service.httpUrl}${path}`, init.body);
  const post = (path: string, body: unknown) => http(path, { method: 'POST', body });
  const put = (path: string, body: unknown) => http(path, { method: 'PUT', body });
  const fieldsOf = async (response: JsonResponse) => {
    const body = await response.json();
    expect(body.code).toBe('VALIDATION.FAILED');
    expect(body).not.toHaveProperty('stack');
    return body.fields.map((f: { field: string }) => f.field) as string[];
  };
  const validRule = {
    callingHoursStart: 8,
    callingHoursEnd: 21,
    timezone: 'America/New_York',
    maxAttemptsPerDay: 3,
    requiresConsent: false,
  };

  describe('TCPA rule sets', () => {
    it('should assign increasing versions and keep only the latest activated one active', async () => {
      const effectiveFrom = '2026-01-01T00:00:00.000Z';
      const first = await post('/compliance/tcpa-rule-sets', {
        rules: { quietHours: [21, 8] },
        effectiveFrom,
        activate: true,
      });
      expect(first.status).toBe(201);
      const a = await first.json();
      expect(a).toMatchObject({ rules: { quietHours: [21, 8] }, effectiveFrom, active: true });
      expect(Object.keys(a).sort()).toEqual([
        'active',
        'createdAt',
        'effectiveFrom',
        'id',
        'rules',
        'version',
      ]);

      const b = await (
        await post('/compliance/tcpa-rule-sets', {
          rules: { quietHours: [20, 9] },
          effectiveFrom,
          activate: true,
        })
      ).json();
      expect(b.version).toBeGreaterThan(a.version);
      expect(b.active).toBe(true);

      const { ruleSet } = await service.grpc.call('getActiveTcpaRuleSet', {});
      expect(ruleSet).toMatchObject({ id: b.id, version: b.version, active: true });
      expect(JSON.parse(ruleSet.rulesJson)).toEqual({ quietHours: [20, 9] });

      const previous = await (await http(`/compliance/tcpa-rule-sets/${a.version}`)).json();
      expect(previous).toMatchObject({ id: a.id, active: false });
      const [{ count }] = await db.query(
        'SELECT count(*)::int AS count FROM compliance.tcpa_rule_sets WHERE active',
      );
      expect(count).toBe(1);
      const active = await (await http(`/compliance/tcpa-rule-sets/active`)).json();
      expect(active.id).toBe(b.id);
    });

    it('should create over gRPC from rulesJson, inactive by default, without touching the active one', async () => {
      const { ruleSet: active } = await service.grpc.call('getActiveTcpaRuleSet', {});
      const { ruleSet } = await service.grpc.call('createTcpaRuleSet', {
        rulesJson: '{"maxCallsPerDay":3}',
        effectiveFrom: '2026-02-01T00:00:00Z',
      });
      expect(ruleSet).toMatchObject({ active: false, version: expect.any(Number) });
      expect(ruleSet.version).toBeGreaterThan(active.version);
      expect(JSON.parse(ruleSet.rulesJson)).toEqual({ maxCallsPerDay: 3 });
      const { ruleSet: stillActive } = await service.grpc.call('getActiveTcpaRuleSet', {});
      expect(stillActive.id).toBe(active.id);
    });

    it('should answer INVALID_ARGUMENT naming rulesJson when it is not a JSON object', async () => {
      for (const rulesJson of ['{"unterminated": ', '[1,2]', '{}', '']) {
        await expect(
          service.grpc.call('createTcpaRuleSet', {
            rulesJson,
            effectiveFrom: '2026-01-01T00:00:00Z',
            activate: true,
          }),
        ).rejects.toMatchObject({
          code: status.INVALID_ARGUMENT,
          details: expect.stringContaining('rulesJson'),
        });
      }
    });

    it('should answer 404 for an unknown version and 400 for a malformed one', async () => {
      const missing = await http(`/compliance/tcpa-rule-sets/2000000000`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'TCPA_RULE_SET.NOT_FOUND' });
      await expect(service.grpc.call('getTcpaRuleSet', { version: 2000000000 })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });

      const zero = await http(`/compliance/tcpa-rule-sets/0`);
      expect(zero.status).toBe(400);
      expect(await fieldsOf(zero)).toEqual(['version']);
      await expect(service.grpc.call('getTcpaRuleSet', { version: 0 })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('version'),
      });
    });

    it('should return 400 naming rules and effectiveFrom', async () => {
      const response = await post('/compliance/tcpa-rule-sets', { rules: [], effectiveFrom: 'yesterday' });
      expect(response.status).toBe(400);
      expect((await fieldsOf(response)).sort()).toEqual(['effectiveFrom', 'rules']);
      const empty = await post('/compliance/tcpa-rule-sets', {
        rules: {},
        effectiveFrom: '2026-01-01T00:00:00Z',
      });
      expect(await fieldsOf(empty)).toEqual(['rules']);
    });
  });

  describe('do-not-call list', () => {
    it('should add over REST, report listed over gRPC, and store only the hash', async () => {
      const phone = randomPhone();
      const response = await post('/compliance/dnc', { phoneNumber: phone, source: 'consumer-request' });
      expect(response.status).toBe(201);
      const entry = await response.json();
      expect(entry).toEqual({
        phoneHash: sha256(phone),
        source: 'consumer-request',
        addedAt: expect.any(String),
        expiresAt: null,
      });
      expect(JSON.stringify(entry)).not.toContain(phone.slice(1));

      await expect(service.grpc.call('checkDnc', { phoneNumber: phone })).resolves.toEqual({
        listed: true,
        phoneHash: sha256(phone),
        listedUntil: '', // no expiry
      });
      const unknown = randomPhone();
      await expect(service.grpc.call('checkDnc', { phoneNumber: unknown })).resolves.toEqual({
        listed: false,
        phoneHash: sha256(unknown),
        listedUntil: '',
      });

      const rows = await db.query('SELECT * FROM compliance.dnc_entries WHERE phone_hash = $1', [
        sha256(phone),
      ]);
      expect(rows).toHaveLength(1);
      expect(Object.keys(rows[0]).sort()).toEqual(['added_at', 'expires_at', 'phone_hash', 'source']);
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM compliance.dnc_entries e WHERE e::text LIKE '%' || $1 || '%'`,
        [phone.slice(1)],
      );
      expect(count).toBe(0);
    });

    it('should be an idempotent upsert, and check over REST with an unencoded or encoded +', async () => {
      const phone = randomPhone();
      const first = await (await post('/compliance/dnc', { phoneNumber: phone, source: 'a' })).json();
      const again = await post('/compliance/dnc', { phoneNumber: phone, source: 'a' });
      expect(again.status).toBe(201);
      expect(await again.json()).toEqual(first);
      const changed = await (await post('/compliance/dnc', { phoneNumber: phone, source: 'b' })).json();
      expect(changed).toMatchObject({ phoneHash: first.phoneHash, source: 'b', addedAt: first.addedAt });

      for (const query of [phone, encodeURIComponent(phone)]) {
        const check = await http(`/compliance/dnc/check?phoneNumber=${query}`);
        expect(check.status).toBe(200);
        expect(await check.json()).toEqual({ listed: true, phoneHash: sha256(phone) });
      }
    });

    it('should not count an expired entry as listed', async () => {
      const phone = randomPhone();
      const { entry } = await service.grpc.call('addDncEntry', {
        phoneNumber: phone,
        source: 'court-order',
        expiresAt: '2020-01-01T00:00:00Z',
      });
      expect(entry).toMatchObject({ phoneHash: sha256(phone), expiresAt: '2020-01-01T00:00:00.000Z' });
      await expect(service.grpc.call('checkDnc', { phoneNumber: phone })).resolves.toMatchObject({
        listed: false,
      });
    });

    it('should delete with 204, then answer 404', async () => {
      const phone = randomPhone();
      const { phoneHash } = await (await post('/compliance/dnc', { phoneNumber: phone, source: 'x' })).json();
      const removed = await http(`/compliance/dnc/${phoneHash}`, { method: 'DELETE' });
      expect(removed.status).toBe(204);
      await expect(service.grpc.call('checkDnc', { phoneNumber: phone })).resolves.toMatchObject({
        listed: false,
      });

      const again = await http(`/compliance/dnc/${phoneHash}`, { method: 'DELETE' });
      expect(again.status).toBe(404);
      expect(await again.json()).toMatchObject({ code: 'DNC_ENTRY.NOT_FOUND' });
      await expect(service.grpc.call('removeDncEntry', { phoneHash })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });

      const badHash = await http(`/compliance/dnc/not-a-hash`, { method: 'DELETE' });
      expect(badHash.status).toBe(400);
      expect(await fieldsOf(badHash)).toEqual(['phoneHash']);
    });

    it('should return 400 naming a bad phone number, source and expiry, without echoing the number', async () => {
      const response = await post('/compliance/dnc', {
        phoneNumber: '2125557788',
        source: '',
        expiresAt: 'soon',
      });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).not.toContain('2125557788');
      expect(
        JSON.parse(text)
          .fields.map((f: { field: string }) => f.field)
          .sort(),
      ).toEqual(['expiresAt', 'phoneNumber', 'source']);

      const check = await http(`/compliance/dnc/check?phoneNumber=0044`);
      expect(await fieldsOf(check)).toEqual(['phoneNumber']);
      await expect(service.grpc.call('checkDnc', { phoneNumber: '' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('phoneNumber'),
      });
    });
  });

  describe('state rules', () => {
    it('should upsert over gRPC, read over REST, and bump the version on each change', async () => {
      await db.query(`DELETE FROM compliance.state_rules WHERE state = 'WY'`);
      const { stateRule } = await service.grpc.call('upsertStateRule', {
        state: 'WY',
        callingHoursStart: 0,
        callingHoursEnd: 24,
        timezone: 'America/Denver',
        maxAttemptsPerDay: 0,
        requiresConsent: false,
      });
      expect(stateRule).toMatchObject({
        state: 'WY',
        callingHoursStart: 0,
        maxAttemptsPerDay: 0,
        version: 1,
      });

      const read = await http(`/compliance/states/WY`);
      expect(read.status).toBe(200);
      expect(await read.json()).toEqual({
        state: 'WY',
        callingHoursStart: 0,
        callingHoursEnd: 24,
        timezone: 'America/Denver',
        maxAttemptsPerDay: 0,
        requiresConsent: false,
        version: 1,
        updatedAt: expect.any(String),
      });

      const updated = await put('/compliance/states/WY', { ...validRule, timezone: 'America/Denver' });
      expect(updated.status).toBe(200);
      expect(await updated.json()).toMatchObject({ ...validRule, timezone: 'America/Denver', version: 2 });
      const { stateRule: viaGrpc } = await service.grpc.call('getStateRule', { state: 'WY' });
      expect(viaGrpc).toMatchObject({ callingHoursStart: 8, callingHoursEnd: 21, version: 2 });
    });

    it('should answer 404 for a state without a rule', async () => {
      await db.query(`DELETE FROM compliance.state_rules WHERE state = 'VT'`);
      const response = await http(`/compliance/states/VT`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'STATE_RULE.NOT_FOUND' });
      await expect(service.grpc.call('getStateRule', { state: 'VT' })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
    });

    it('should return 400 naming callingHoursEnd when the window ends before it starts', async () => {
      for (const callingHoursEnd of [8, 7]) {
        const response = await put('/compliance/states/CA', { ...validRule, callingHoursEnd });
        expect(response.status).toBe(400);
        expect(await fieldsOf(response)).toEqual(['callingHoursEnd']);
      }
      await expect(
        service.grpc.call('upsertStateRule', {
          ...validRule,
          state: 'CA',
          callingHoursStart: 9,
          callingHoursEnd: 9,
        }),
      ).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('callingHoursEnd'),
      });
    });

    it('should return 400 naming a bad timezone, an unknown property and a bad state code', async () => {
      for (const timezone of ['Mars/Olympus_Mons', '+05:00', 'america/new_york', '']) {
        const response = await put('/compliance/states/CA', { ...validRule, timezone });
        expect(response.status).toBe(400);
        expect(await fieldsOf(response)).toEqual(['timezone']);
      }

      const unknown = await put('/compliance/states/CA', { ...validRule, admin: true });
      expect(unknown.status).toBe(400);
      expect((await unknown.json()).fields).toEqual([{ field: 'admin', message: 'should not exist' }]);

      for (const state of ['ca', 'XX', 'CAL']) {
        const response = await put(`/compliance/states/${state}`, validRule);
        expect(response.status).toBe(400);
        expect(await fieldsOf(response)).toEqual(['state']);
      }
      await expect(service.grpc.call('getStateRule', { state: '' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('state'),
      });

      const missing = await put('/compliance/states/CA', {});
      expect((await fieldsOf(missing)).sort()).toEqual(
        expect.arrayContaining([
          'callingHoursEnd',
          'callingHoursStart',
          'maxAttemptsPerDay',
          'requiresConsent',
          'timezone',
        ]),
      );
    });
  });

  describe('events', () => {
    let recording: TopicRecording | undefined;

    afterEach(async () => {
      await recording?.stop();
      recording = undefined;
    });

    it('should publish compliance.rules.changed.v1 for a DNC change, with the hash and never the number', async () => {
      const phone = randomPhone();
      const entityId = `dnc:${sha256(phone)}`;
      recording = await recordTopic(Topic.ComplianceRulesChanged);

      expect((await post('/compliance/dnc', { phoneNumber: phone, source: 'web' })).status).toBe(201);
      const removed = await http(`/compliance/dnc/${sha256(phone)}`, { method: 'DELETE' });
      expect(removed.status).toBe(204);

      const received = (await recording.waitFor((m) => m.key?.toString() === entityId, 2, 30000)).map(
        (m) => m.value?.toString() ?? '',
      );
      const events = received.map((value) => ComplianceRulesChanged.Value.parse(JSON.parse(value)));
      expect(events.map((e) => e.op)).toEqual(['created', 'deleted']);
      expect(events[0]).toMatchObject({
        entity: 'compliance-rule',
        entityId,
        after: { kind: 'dnc', phoneHash: sha256(phone) },
        before: null,
      });
      for (const value of received) expect(value).not.toContain(phone.slice(1));
    }, 45000);
  });

  describe('call-recorded listener', () => {
    it('should record analytics.call.recorded.v1 once per eventId, and skip a malformed one', async () => {
      const producer = await service.app.get(KafkaService).producer();
      const callRecordId = randomUUID();
      const event = createEnvelope({
        entity: 'call-record' as const,
        entityId: callRecordId,
        op: 'created',
        version: 1,
        before: null,
        after: {
          id: callRecordId,
          callId: `call-${randomUUID()}`,
          buyerId: 'buyer-1',
          state: 'CA',
          startedAt: new Date().toISOString(),
          durationSeconds: 42,
          revenueCents: 1500,
          outcome: 'connected' as const,
        },
      });
      const malformed = { ...event, eventId: randomUUID(), after: { ...event.after, state: 'California' } };
      expect(CallRecorded.Value.safeParse(event).success).toBe(true);
      expect(CallRecorded.Value.safeParse(malformed).success).toBe(false);

      // One key, so one partition: the malformed event is handled before the valid one.
      const sendRaw = (value: string) =>
        producer.send({ topic: Topic.CallRecorded, messages: [{ key: callRecordId, value }] });
      await sendRaw('{"not":"an event"}');
      await sendRaw(JSON.stringify(malformed));
      await sendRaw(JSON.stringify(event));
      await sendRaw(JSON.stringify(event)); // duplicate delivery

      const inbox = service.app.get(InboxService);
      await eventually(() => inbox.has(event.eventId), 40000);
      expect(await inbox.has(malformed.eventId)).toBe(false);
      const [{ count }] = await db.query(
        'SELECT count(*)::int AS count FROM compliance.processed_events WHERE entity_id = $1',
        [callRecordId],
      );
      expect(count).toBe(1);
    }, 60000);
  });

  describe('health', () => {
    it('should report live and ready with every dependency up', async () => {
      expect((await http(`/health/live`)).status).toBe(200);
      expect((await http(`/health/ready`)).status).toBe(200);
      const health = await http(`/health`);
      const body = await health.json();
      expect(health.status).toBe(200);
      expect(body.status).toBe('ok');
      expect(Object.keys(body.details).sort()).toEqual([
        'cacheCircuitBreaker',
        'kafka',
        'lifecycle',
        'postgres',
        'redis',
        'redisCluster',
      ]);
    });
  });
});
