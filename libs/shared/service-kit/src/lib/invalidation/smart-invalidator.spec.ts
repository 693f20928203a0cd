import { createEnvelope, Topic } from '@platform/contracts';
import { z } from 'zod';
import { entityChangedSchema } from '@platform/contracts';
import { InvalidationPlan } from './invalidation-plan';
import { defineInvalidationMap, invalidateOn, SmartInvalidator } from './smart-invalidator';

interface Thing {
  id: string;
  ownerId: string;
  color: string;
  tags: string[];
}

const rules = [
  { keys: (t: Thing) => [`thing:${t.id}`, `things:owner:${t.ownerId}`] },
  { tags: (t: Thing) => t.tags.map((tag) => `tag:${tag}`), onChangeOf: ['tags' as const] },
  { namespaces: (t: Thing) => [t.color === 'red' ? 'reds' : null] },
];

const thing = (over: Partial<Thing> = {}): Thing => ({
  id: 't1',
  ownerId: 'o1',
  color: 'blue',
  tags: [],
  ...over,
});

describe(SmartInvalidator.name, () => {
  const planner = new SmartInvalidator<Thing>(rules);

  describe('planCreate() / planDelete()', () => {
    it('should compute every rule from the one state, skipping empty names', () => {
      const expected: InvalidationPlan = {
        keys: ['thing:t1', 'things:owner:o1'],
        tags: ['tag:a'],
        namespaces: ['reds'],
      };
      expect(planner.planCreate(thing({ tags: ['a'], color: 'red' }))).toEqual(expected);
      expect(planner.planDelete(thing({ tags: ['a'], color: 'red' }))).toEqual(expected);
    });
  });

  describe('planUpdate()', () => {
    it('should union the old and the new state (an entity moved to another owner evicts both)', () => {
      expect(planner.planUpdate(thing(), thing({ ownerId: 'o2' })).keys).toEqual([
        'thing:t1',
        'things:owner:o1',
        'things:owner:o2',
      ]);
    });

    it('should skip a rule whose onChangeOf fields did not change', () => {
      const old = thing({ tags: ['a'] });
      expect(planner.planUpdate(old, { ...old, color: 'green' }, ['color']).tags).toEqual([]);
      expect(planner.planUpdate(old, { ...old, tags: ['b'] }, ['tags']).tags).toEqual(['tag:a', 'tag:b']);
      // Without changedFields, every rule applies.
      expect(planner.planUpdate(old, { ...old, color: 'green' }).tags).toEqual(['tag:a']);
    });
  });

  describe('planEvent()', () => {
    const schema = entityChangedSchema(
      'thing',
      z.object({ id: z.string(), ownerId: z.string(), color: z.string(), tags: z.array(z.string()) }),
    );
    const event = (before: Thing | null, after: Thing | null, op: 'created' | 'updated' | 'deleted') =>
      schema.parse(
        createEnvelope({ entity: 'thing' as const, entityId: 't1', op, version: 1, before, after }),
      );

    it('should pick the plan by op, using the envelope changedFields for updates', () => {
      expect(planner.planEvent(event(null, thing({ tags: ['a'] }), 'created')).tags).toEqual(['tag:a']);
      expect(planner.planEvent(event(thing({ tags: ['a'] }), null, 'deleted')).tags).toEqual(['tag:a']);
      const moved = planner.planEvent(
        event(thing({ tags: ['a'] }), thing({ tags: ['a'], ownerId: 'o2' }), 'updated'),
      );
      expect(moved.keys).toContain('things:owner:o2');
      expect(moved.tags).toEqual([]); // tags did not change
    });

    it('should plan an update without its old state from the new one, every rule applying', () => {
      expect(planner.planEvent(event(null, thing({ tags: ['a'] }), 'updated'))).toMatchObject({
        keys: ['thing:t1', 'things:owner:o1'],
        tags: ['tag:a'],
      });
    });
  });

  describe('onCreate() / onUpdate() / onDelete() / onEvent()', () => {
    it('should apply the computed plan through the sink and resolve it', async () => {
      const sink = { apply: jest.fn().mockResolvedValue(undefined) };
      const invalidator = new SmartInvalidator<Thing>(rules, sink);
      const plan = await invalidator.onUpdate(thing(), thing({ ownerId: 'o2' }));
      expect(sink.apply).toHaveBeenCalledWith(plan);
      await invalidator.onCreate(thing());
      await invalidator.onDelete(thing());
      expect(sink.apply).toHaveBeenCalledTimes(3);
    });

    it('should not call the sink for an empty plan', async () => {
      const sink = { apply: jest.fn() };
      await new SmartInvalidator<Thing>([], sink).onCreate(thing());
      expect(sink.apply).not.toHaveBeenCalled();
    });

    it('should reject when the sink rejects, so the consumer retries', async () => {
      const sink = {
        apply: jest.fn().mockRejectedValue(Object.assign(new Error('down'), { code: 'E_L2_UNAVAILABLE' })),
      };
      await expect(new SmartInvalidator<Thing>(rules, sink).onDelete(thing())).rejects.toMatchObject({
        code: 'E_L2_UNAVAILABLE',
      });
    });
  });
});

describe('defineInvalidationMap()', () => {
  const schema = entityChangedSchema('thing', z.object({ id: z.string() }));

  it('should find an entry by topic', () => {
    const entry = invalidateOn(Topic.BidChanged, schema, [{ keys: (t) => [t.id] }]);
    expect(defineInvalidationMap('svc', [entry]).forTopic(Topic.BidChanged)).toBe(entry);
    expect(defineInvalidationMap('svc', [entry]).forTopic(Topic.CallRecorded)).toBeUndefined();
  });

  it('should refuse a topic listed twice', () => {
    const entry = invalidateOn(Topic.BidChanged, schema, []);
    expect(() => defineInvalidationMap('svc', [entry, entry])).toThrow('lists bid.bid.changed.v1 twice');
  });
});
