import { describeDtoProperties, validValues as v } from '@platform/service-kit/testing';
import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CreateTcpaRuleSetGrpcDto, UpsertStateRuleGrpcDto } from './compliance-grpc.dto';
import {
  AddDncEntryDto,
  CheckCallBatchDto,
  CheckCallDto,
  CheckDncDto,
  CheckDncQuery,
  CreateTcpaRuleSetDto,
  PhoneHashDto,
  StateCodeDto,
  StateRuleDto,
  TcpaVersionDto,
} from './compliance.dto';

const MAX_INT32 = 2_147_483_647;

/** Keys of rule objects: never reserved (`__proto__`, `toString`…), which the edge refuses anywhere. */
const ruleKey = fc.string({
  unit: fc.constantFrom(...'abcxyzQR019_-'.split('')),
  minLength: 1,
  maxLength: 12,
});
/** Printable text (no NUL, which the edge refuses anywhere). */
const text = fc.string({ maxLength: 20 }).filter((s) => !s.includes('\u0000'));
const ruleScalar = fc.oneof(fc.boolean(), fc.integer(), text, fc.constant(null));
/** A TCPA rule set: a JSON object with at least one key, a few levels deep. */
const rules = fc.dictionary(
  ruleKey,
  fc.oneof(ruleScalar, fc.array(ruleScalar, { maxLength: 4 }), fc.dictionary(ruleKey, ruleScalar)),
  { minKeys: 1, maxKeys: 6 },
);
/** `source` of a DNC entry: any text of 1–64 UTF-16 units. */
const dncSource = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 64 })
  .filter((s) => s.length <= 64 && !s.includes('\u0000'));

const stateRule = fc
  .record({
    callingHoursStart: fc.integer({ min: 0, max: 23 }),
    span: fc.integer({ min: 1, max: 24 }),
    timezone: v.timeZone(),
    maxAttemptsPerDay: fc.integer({ min: 0, max: 1000 }),
    requiresConsent: fc.boolean(),
  })
  .map(({ span, ...rule }) => ({
    ...rule,
    // The end is after the start, at most 24.
    callingHoursEnd: Math.min(24, rule.callingHoursStart + span),
  }));

const checkCall = fc.record(
  { phoneNumber: v.e164(), state: v.usState(), at: v.rfc3339() },
  { requiredKeys: ['phoneNumber', 'state'] },
);

describe('compliance request DTOs (property-based)', () => {
  describeDtoProperties(CheckCallDto, { valid: checkCall });

  describeDtoProperties(CheckCallBatchDto, {
    valid: fc.record({ checks: fc.array(checkCall, { minLength: 1, maxLength: 20 }) }),
  });

  describeDtoProperties(CreateTcpaRuleSetDto, {
    valid: fc.record(
      { rules, effectiveFrom: v.rfc3339(), activate: fc.boolean() },
      { requiredKeys: ['rules', 'effectiveFrom'] },
    ),
    // A free-form object: only a scalar or an array is of the wrong type.
    wrongType: { rules: fc.oneof(fc.integer(), fc.constant([{ nested: {} }])) },
  });

  describeDtoProperties(TcpaVersionDto, {
    source: 'param',
    valid: fc.record({ version: fc.integer({ min: 1, max: MAX_INT32 }).map(String) }),
  });

  describeDtoProperties(AddDncEntryDto, {
    valid: fc.record(
      { phoneNumber: v.e164(), source: dncSource, expiresAt: v.rfc3339() },
      { requiredKeys: ['phoneNumber', 'source'] },
    ),
  });

  describeDtoProperties(CheckDncQuery, { source: 'query', valid: fc.record({ phoneNumber: v.e164() }) });

  describeDtoProperties(PhoneHashDto, { source: 'param', valid: fc.record({ phoneHash: v.sha256Hex() }) });

  describeDtoProperties(StateCodeDto, { source: 'param', valid: fc.record({ state: v.usState() }) });

  describeDtoProperties(StateRuleDto, { valid: stateRule });

  describe('gRPC', () => {
    describeDtoProperties(CheckCallDto, {
      source: 'payload',
      valid: fc.record({
        phoneNumber: v.e164(),
        state: v.usState(),
        at: fc.oneof(v.rfc3339(), fc.constant('')),
      }),
    });

    describeDtoProperties(CheckCallBatchDto, {
      source: 'payload',
      valid: fc.record({
        // `at: ''` (unset) is left to CheckCallDto above: the round-trip check only knows top-level defaults.
        checks: fc.array(fc.record({ phoneNumber: v.e164(), state: v.usState(), at: v.rfc3339() }), {
          minLength: 1,
          maxLength: 20,
        }),
      }),
    });

    describeDtoProperties(CreateTcpaRuleSetGrpcDto, {
      source: 'payload',
      valid: fc.record({
        rulesJson: rules.map((r) => JSON.stringify(r)),
        effectiveFrom: v.rfc3339(),
        activate: fc.boolean(),
      }),
    });

    describeDtoProperties(TcpaVersionDto, {
      source: 'payload',
      valid: fc.record({ version: fc.integer({ min: 1, max: MAX_INT32 }) }),
    });

    describeDtoProperties(AddDncEntryDto, {
      source: 'payload',
      valid: fc.record({
        phoneNumber: v.e164(),
        source: dncSource,
        expiresAt: fc.oneof(v.rfc3339(), fc.constant('')),
      }),
    });

    describeDtoProperties(CheckDncDto, { source: 'payload', valid: fc.record({ phoneNumber: v.e164() }) });

    describeDtoProperties(PhoneHashDto, {
      source: 'payload',
      valid: fc.record({ phoneHash: v.sha256Hex() }),
    });

    describeDtoProperties(StateCodeDto, { source: 'payload', valid: fc.record({ state: v.usState() }) });

    describeDtoProperties(UpsertStateRuleGrpcDto, {
      source: 'payload',
      valid: fc.tuple(stateRule, v.usState()).map(([rule, state]) => ({ ...rule, state })),
    });
  });
});

describe('CheckCallBatchDto items', () => {
  // Found by the endpoint fuzz (seed 1292193622): `{"checks":[[]]}` passed validation and failed in the handler (500).
  it.each([[[]], ['+14155550100'], [null]])(
    'should refuse an item that is not an object (%j)',
    async (item) => {
      const errors = await validate(plainToInstance(CheckCallBatchDto, { checks: [item] }));
      expect(errors.map((error) => error.property)).toEqual(['checks']);
    },
  );
});
