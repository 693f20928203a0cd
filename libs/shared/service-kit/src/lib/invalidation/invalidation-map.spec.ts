import { createEnvelope, Topic } from '@platform/contracts';
import { z } from 'zod';
import { entityChangedSchema } from '@platform/contracts';
import type { InvalidationTarget } from '@platform/cache/nest';
import { defineInvalidationMap, invalidateOn, mergeTargets, planEvent, planStates } from './invalidation-map';

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

describe('planning', () => {
  describe('planStates()', () => {
    it('should compute every rule from the one state, skipping empty names', () => {
      const expected: InvalidationTarget = {
        keys: ['thing:t1', 'things:owner:o1'],
        tags: ['tag:a'],
        namespaces: ['reds'],
      };
      expect(planStates(rules, [thing({ tags: ['a'], color: 'red' })])).toEqual(expected);
    });
  });

  describe('planStates() of an update', () => {
    it('should union the old and the new state (an entity moved to another owner evicts both)', () => {
      expect(planStates(rules, [thing(), thing({ ownerId: 'o2' })]).keys).toEqual([
        'thing:t1',
        'things:owner:o1',
        'things:owner:o2',
      ]);
    });

    it('should skip a rule whose onChangeOf fields did not change', () => {
      const old = thing({ tags: ['a'] });
      expect(planStates(rules, [old, { ...old, color: 'green' }], ['color']).tags).toEqual([]);
      expect(planStates(rules, [old, { ...old, tags: ['b'] }], ['tags']).tags).toEqual(['tag:a', 'tag:b']);
      // Without changedFields, every rule applies.
      expect(planStates(rules, [old, { ...old, color: 'green' }]).tags).toEqual(['tag:a']);
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
      expect(planEvent({ rules }, event(null, thing({ tags: ['a'] }), 'created')).tags).toEqual(['tag:a']);
      expect(planEvent({ rules }, event(thing({ tags: ['a'] }), null, 'deleted')).tags).toEqual(['tag:a']);
      const moved = planEvent(
        { rules },
        event(thing({ tags: ['a'] }), thing({ tags: ['a'], ownerId: 'o2' }), 'updated'),
      );
      expect(moved.keys).toContain('things:owner:o2');
      expect(moved.tags).toEqual([]); // tags did not change
    });

    it('should skip a rule whose ops do not include the event op', () => {
      const byOp = [{ keys: (t: Thing) => [`thing:${t.id}`], ops: ['updated' as const, 'deleted' as const] }];
      expect(planEvent({ rules: byOp }, event(null, thing(), 'created')).keys).toEqual([]);
      expect(planEvent({ rules: byOp }, event(thing(), null, 'deleted')).keys).toEqual(['thing:t1']);
      expect(planEvent({ rules: byOp }, event(thing(), thing({ color: 'red' }), 'updated')).keys).toEqual([
        'thing:t1',
      ]);
    });

    it('should plan an update without its old state from the new one, every rule applying', () => {
      expect(planEvent({ rules }, event(null, thing({ tags: ['a'] }), 'updated'))).toMatchObject({
        keys: ['thing:t1', 'things:owner:o1'],
        tags: ['tag:a'],
      });
    });
  });

  describe('mergeTargets()', () => {
    it('should union a batch of plans, each list de-duplicated and sorted', () => {
      expect(
        mergeTargets([{ keys: ['b:2', 'b:1'], tags: ['t'] }, { keys: ['b:1'], namespaces: ['ns'] }, {}]),
      ).toEqual({ keys: ['b:1', 'b:2'], tags: ['t'], namespaces: ['ns'] });
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
