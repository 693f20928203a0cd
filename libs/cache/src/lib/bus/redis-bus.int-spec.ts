import { Redis, type Cluster } from 'ioredis';
import type { RedisConnection } from '../redis-connection';
import { delay, openRedis, REDIS_TARGETS, uniquePrefix, until } from '../../test-support/redis-targets';
import type { BusMessageMeta, InvalidationOp, ResyncReason } from './bus';
import { keySlot } from '../core/cluster-slots';
import { RedisInvalidationBus, type RedisInvalidationBusOptions } from './redis-bus';

interface Received {
  ops: readonly InvalidationOp[];
  meta: BusMessageMeta;
}

/** A bus plus everything it reported. */
interface Probe {
  bus: RedisInvalidationBus;
  messages: Received[];
  resyncs: ResyncReason[];
  errors: Error[];
}

const isCluster = (client: RedisConnection): client is Cluster =>
  'nodes' in client && typeof client.nodes === 'function';

/** Every server the client talks to (all nodes of a Cluster). */
const serversOf = (client: RedisConnection): Redis[] => (isCluster(client) ? client.nodes('all') : [client]);

/** Kills, with CLIENT KILL ID, every connection whose name starts with `name`; returns how many. */
async function killConnections(admin: RedisConnection, name: string): Promise<number> {
  let killed = 0;
  for (const server of serversOf(admin)) {
    const list = (await server.call('CLIENT', 'LIST')) as string;
    for (const line of list.split('\n')) {
      const id = /id=(\d+)/.exec(line)?.[1];
      if (id !== undefined && line.includes(` name=${name}`)) {
        await server.call('CLIENT', 'KILL', 'ID', id);
        killed++;
      }
    }
  }
  return killed;
}

/** Ports of the servers holding a connection whose name starts with `name`. */
async function serversWithConnection(admin: RedisConnection, name: string): Promise<number[]> {
  const ports: number[] = [];
  for (const server of serversOf(admin)) {
    const list = (await server.call('CLIENT', 'LIST')) as string;
    if (list.split('\n').some((line) => line.includes(` name=${name}`)))
      ports.push(server.options.port as number);
  }
  return ports;
}

/** A v1 message as another (possibly future) instance would send it. */
const wire = (fields: Record<string, unknown>) =>
  JSON.stringify({ v: 1, id: 'raw-sender', ep: 0, seq: 1, ts: Date.now(), ops: [['k', 'x']], ...fields });

describe.each(REDIS_TARGETS)('RedisInvalidationBus on real Redis (%s)', (target) => {
  let redis: RedisConnection;
  const probes: Probe[] = [];
  const extraClients: RedisConnection[] = [];

  beforeAll(async () => {
    redis = await openRedis(target);
  });

  afterEach(async () => {
    await Promise.all(probes.splice(0).map((probe) => probe.bus.stop()));
    await Promise.all(
      extraClients
        .splice(0)
        .filter((client) => client.status !== 'end' && client.status !== 'close')
        .map((client) => client.quit().catch(() => client.disconnect())),
    );
  });

  afterAll(async () => {
    await redis.quit();
  });

  const channelFor = (label: string) => `${uniquePrefix(`bus-${target}-${label}`)}bus`;

  async function open(
    options: Partial<RedisInvalidationBusOptions> & { channel: string; instanceId: string },
    start = true,
  ): Promise<Probe> {
    const bus = new RedisInvalidationBus({ publisher: redis, ...options });
    const probe: Probe = { bus, messages: [], resyncs: [], errors: [] };
    bus.onMessage((ops, meta) => probe.messages.push({ ops, meta }));
    bus.onResync((reason) => probe.resyncs.push(reason));
    bus.onError((error) => probe.errors.push(error));
    probes.push(probe);
    if (start) await bus.start();
    return probe;
  }

  /** Two instances on one channel, as two pods would be. */
  async function pair(options: Partial<RedisInvalidationBusOptions> = {}) {
    const channel = channelFor('pair');
    const a = await open({ ...options, channel, instanceId: `a-${channel}` });
    const b = await open({ ...options, channel, instanceId: `b-${channel}` });
    return { channel, a, b };
  }

  /** Publishes a sentinel from `from` and waits for `to` to receive it: everything sent before has arrived. */
  async function barrier(from: Probe, to: Probe): Promise<void> {
    const sentinel = `sentinel-${Math.random()}`;
    from.bus.publish({ type: 'keys', keys: [sentinel] });
    await until(
      () => to.messages.some((m) => m.ops.some((op) => op.type === 'keys' && op.keys.includes(sentinel))),
      10_000,
      `sentinel ${sentinel}`,
    );
  }

  const withoutSentinels = (messages: Received[]) =>
    messages.filter(
      (m) => !m.ops.some((op) => op.type === 'keys' && op.keys.some((k) => k.startsWith('sentinel-'))),
    );

  describe('start()', () => {
    it('should resolve only once subscribed, so a message published right after is received', async () => {
      const { a, b } = await pair();
      a.bus.publish({ type: 'keys', keys: ['k1'] });
      await until(() => b.messages.length === 1, 10_000, 'first message');
      expect(b.messages[0].ops).toEqual([{ type: 'keys', keys: ['k1'] }]);
    });
  });

  describe('publish()', () => {
    it('should deliver ops from A to B with the sender id and time, and never back to A', async () => {
      const { a, b } = await pair();
      const before = Date.now();
      a.bus.publish({ type: 'keys', keys: ['user:1'] });
      await until(() => b.messages.length === 1, 10_000, 'B to receive');
      expect(b.messages[0].ops).toEqual([{ type: 'keys', keys: ['user:1'] }]);
      expect(b.messages[0].meta.source).toBe(a.bus.instanceId);
      expect(b.messages[0].meta.sentAt).toBeGreaterThanOrEqual(before);
      // B answers; once A has B's message, A's own earlier message would have been delivered too.
      await barrier(b, a);
      expect(a.messages.every((m) => m.meta.source === b.bus.instanceId)).toBe(true);
      expect(b.resyncs).toEqual([]);
    });

    it('should merge the ops published in one tick into one de-duplicated message', async () => {
      const { a, b } = await pair();
      a.bus.publish({ type: 'keys', keys: ['k1', 'k2'] });
      a.bus.publish({ type: 'keys', keys: ['k2', 'k3'] });
      a.bus.publish({ type: 'tags', tags: ['t1'] });
      a.bus.publish({ type: 'tags', tags: ['t1', 't2'] });
      a.bus.publish({ type: 'prefix', prefix: 'p:' });
      a.bus.publish({ type: 'prefix', prefix: 'p:' });
      a.bus.publish({ type: 'prefix', prefix: 'q:' });
      await delay(0);
      await barrier(a, b);
      const messages = withoutSentinels(b.messages);
      expect(messages).toHaveLength(1);
      expect(messages[0].ops).toEqual([
        { type: 'keys', keys: ['k1', 'k2', 'k3'] },
        { type: 'tags', tags: ['t1', 't2'] },
        { type: 'prefix', prefix: 'p:' },
        { type: 'prefix', prefix: 'q:' },
      ]);
      // The batch and the sentinel: two PUBLISH calls in all (the reply may land just after B's delivery).
      await until(() => a.bus.stats.messagesSent === 2, 5000, 'both publishes acknowledged');
      expect(a.bus.stats.messagesSent).toBe(2);
    });

    it('should carry unsettled ops under their own codes, after the settled ones of the same tick', async () => {
      const { a, b } = await pair();
      a.bus.publish({ type: 'keys', keys: ['k1'], unsettled: true });
      a.bus.publish({ type: 'keys', keys: ['k1', 'k2'] });
      a.bus.publish({ type: 'tags', tags: ['t1'], unsettled: true });
      a.bus.publish({ type: 'prefix', prefix: 'p:', unsettled: true });
      await delay(0);
      await barrier(a, b);
      const messages = withoutSentinels(b.messages);
      expect(messages).toHaveLength(1);
      expect(messages[0].ops).toEqual([
        { type: 'keys', keys: ['k1', 'k2'] },
        { type: 'keys', keys: ['k1'], unsettled: true },
        { type: 'tags', tags: ['t1'], unsettled: true },
        { type: 'prefix', prefix: 'p:', unsettled: true },
      ]);
      expect(b.resyncs).toEqual([]);
    });

    it('should publish heartbeats and count them apart from messages', async () => {
      const { a, b } = await pair({ livenessMs: 200 });
      await until(() => a.bus.stats.heartbeatsSent >= 5, 10_000, 'five heartbeats');
      // Heartbeats carry no ops: nothing reaches the receivers' handlers.
      expect(withoutSentinels(b.messages)).toEqual([]);
      expect(a.bus.stats.messagesSent).toBe(0);
    });

    it("should send a lone 'all' when the tick's batch contains 'all'", async () => {
      const { a, b } = await pair();
      a.bus.publish({ type: 'keys', keys: ['k1'] });
      a.bus.publish({ type: 'all' });
      a.bus.publish({ type: 'tags', tags: ['t1'] });
      await until(() => b.messages.length === 1, 10_000, 'the batch');
      expect(b.messages[0].ops).toEqual([{ type: 'all' }]);
    });

    it('should split a batch larger than maxBatchKeys into several messages, all delivered', async () => {
      const { a, b } = await pair({ maxBatchKeys: 1000 });
      const keys = Array.from({ length: 2500 }, (_, i) => `key:${i}`);
      a.bus.publish({ type: 'keys', keys: keys.slice(0, 1200) });
      a.bus.publish({ type: 'keys', keys: keys.slice(1200) });
      a.bus.publish({ type: 'tags', tags: ['t1'] });
      await until(() => b.messages.length === 3, 10_000, 'three messages');
      const sizes = b.messages.map((m) =>
        m.ops.reduce(
          (n, op) => n + (op.type === 'keys' ? op.keys.length : op.type === 'tags' ? op.tags.length : 1),
          0,
        ),
      );
      expect(sizes.sort((x, y) => y - x)).toEqual([1000, 1000, 501]);
      const received = b.messages.flatMap((m) => m.ops.flatMap((op) => (op.type === 'keys' ? op.keys : [])));
      expect(new Set(received)).toEqual(new Set(keys));
      expect(received).toHaveLength(2500);
      await barrier(a, b);
      // Split messages carry consecutive sequence numbers: no gap, whatever order the cluster delivered them in.
      expect(b.resyncs).toEqual([]);
    });

    it('should neither throw nor queue without bound while the publisher is disconnected', async () => {
      const channel = channelFor('down');
      const publisher = await openRedis(target);
      extraClients.push(publisher);
      const a = await open({ channel, instanceId: 'a', publisher, maxPendingKeys: 100 });
      publisher.disconnect();
      // A Cluster ends in status 'close', a Redis in 'end'.
      await until(() => ['end', 'close'].includes(publisher.status), 5000, 'publisher to close');

      expect(() => {
        for (let i = 0; i < 1000; i++) a.bus.publish({ type: 'keys', keys: [`k${i}`] });
      }).not.toThrow();
      // Bounded: past maxPendingKeys the queue collapses to one 'all' op.
      expect(a.bus.pendingSize).toBe(1);
      expect(a.bus.stats.opsCollapsed).toBe(1000);
      await delay(0);
      expect(a.bus.pendingSize).toBe(0);
      expect(a.bus.stats.messagesDropped).toBe(1);
      expect(a.bus.lastError?.message).toMatch(/publisher is (end|close); message 1 dropped/);
      expect(a.errors).toHaveLength(1);
      await a.bus.stop();
    });

    it("should make receivers resync ('gap') after a message the sender could not send", async () => {
      const channel = channelFor('gap');
      const publisher = await openRedis(target);
      extraClients.push(publisher);
      const a = await open({ channel, instanceId: 'a', publisher });
      const b = await open({ channel, instanceId: 'b', gapGraceMs: 50 });
      a.bus.publish({ type: 'keys', keys: ['before'] });
      await until(() => b.messages.length === 1, 10_000, 'first message');

      publisher.disconnect();
      // A Cluster ends in status 'close', a Redis in 'end'.
      await until(() => ['end', 'close'].includes(publisher.status), 5000, 'publisher to close');
      a.bus.publish({ type: 'keys', keys: ['lost'] });
      await until(() => a.bus.stats.messagesDropped === 1, 5000, 'the drop');

      await publisher.connect();
      await until(() => publisher.status === 'ready', 10_000, 'publisher back');
      a.bus.publish({ type: 'keys', keys: ['after'] });
      await until(() => b.resyncs.includes('gap'), 10_000, "resync('gap')");
      expect(b.messages.map((m) => m.ops)).toEqual([
        [{ type: 'keys', keys: ['before'] }],
        [{ type: 'keys', keys: ['after'] }],
      ]);
    });
  });

  describe('receiving', () => {
    let raw: RedisConnection;
    beforeEach(async () => {
      raw = await openRedis(target);
      extraClients.push(raw);
    });

    /** Publishes as a foreign sender would; on a Cluster through one node, so the order is kept. */
    async function publishRaw(channel: string, payload: string): Promise<void> {
      if (!isCluster(raw)) {
        await raw.publish(channel, payload);
        return;
      }
      const owner = raw.slots[keySlot(channel)]?.[0];
      const node = raw.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner) as Redis;
      if (node.status === 'wait') await node.connect();
      await node.publish(channel, payload);
    }

    it("should resync ('undecodable') on a newer major version instead of ignoring it", async () => {
      const channel = channelFor('v2');
      const b = await open({ channel, instanceId: 'b' });
      await publishRaw(channel, wire({ v: 2, ops: [{ kind: 'keys', keys: ['x'] }] }));
      await until(() => b.resyncs.length === 1, 10_000, 'resync');
      expect(b.resyncs).toEqual(['undecodable']);
      expect(b.messages).toEqual([]);
    });

    it("should resync ('undecodable') on an unknown op type inside a known version", async () => {
      const channel = channelFor('unknown-op');
      const b = await open({ channel, instanceId: 'b' });
      await publishRaw(
        channel,
        wire({
          ops: [
            ['k', 'x'],
            ['z', 'future'],
          ],
        }),
      );
      await until(() => b.resyncs.length === 1, 10_000, 'resync');
      expect(b.resyncs).toEqual(['undecodable']);
      expect(b.messages).toEqual([]);
    });

    it("should resync ('undecodable') on payloads that are not a v1 message", async () => {
      const channel = channelFor('garbage');
      const b = await open({ channel, instanceId: 'b' });
      const garbage = ['not json {', '42', 'null', '{"v":1,"id":"x","seq":1,"ts":1,"ops":"k"}', '{"v":"1"}'];
      for (const payload of garbage) await publishRaw(channel, payload);
      await until(() => b.resyncs.length === garbage.length, 10_000, 'resyncs');
      expect(new Set(b.resyncs)).toEqual(new Set(['undecodable']));
      expect(b.messages).toEqual([]);
    });

    it('should accept a v1 message carrying fields it does not know (newer minor sender)', async () => {
      const channel = channelFor('extra-field');
      const b = await open({ channel, instanceId: 'b' });
      await publishRaw(channel, wire({ region: 'eu', trace: { id: 1 } }));
      await until(() => b.messages.length === 1, 10_000, 'message');
      expect(b.messages[0].ops).toEqual([{ type: 'keys', keys: ['x'] }]);
      expect(b.messages[0].meta.source).toBe('raw-sender');
      expect(b.resyncs).toEqual([]);
    });

    it('should ignore messages carrying its own instance id', async () => {
      const channel = channelFor('self');
      const b = await open({ channel, instanceId: 'b' });
      await publishRaw(channel, wire({ id: 'b', ops: [['k', 'mine']] }));
      await publishRaw(channel, wire({ id: 'b', v: 99 })); // not even a resync: it is ours
      await publishRaw(channel, wire({ ops: [['k', 'theirs']] }));
      await until(() => b.messages.length === 1, 10_000, 'message');
      expect(b.messages[0].ops).toEqual([{ type: 'keys', keys: ['theirs'] }]);
      expect(b.resyncs).toEqual([]);
    });

    it("should tolerate reordered sequence numbers but resync ('gap') on one that never comes", async () => {
      const channel = channelFor('seq');
      const b = await open({ channel, instanceId: 'b', gapGraceMs: 50 });
      for (const seq of [1, 3, 2, 4]) await publishRaw(channel, wire({ seq, ops: [['k', `s${seq}`]] }));
      await until(() => b.messages.length === 4, 10_000, 'four messages');
      await delay(300); // six grace periods: the hole of 2 was filled, so nothing may fire
      expect(b.resyncs).toEqual([]);

      await publishRaw(channel, wire({ seq: 6, ops: [['k', 's6']] }));
      await until(() => b.resyncs.length === 1, 10_000, 'gap resync');
      expect(b.resyncs).toEqual(['gap']);
      // The message after the hole is still applied.
      expect(b.messages.map((m) => m.ops[0])).toContainEqual({ type: 'keys', keys: ['s6'] });
    });

    it("should resync ('gap') at once on a hole too large to wait for", async () => {
      const channel = channelFor('big-hole');
      const b = await open({ channel, instanceId: 'b', gapGraceMs: 60_000 });
      await publishRaw(channel, wire({ seq: 1 }));
      await publishRaw(channel, wire({ seq: 5000 }));
      await until(() => b.resyncs.length === 1, 10_000, 'gap resync');
      expect(b.resyncs).toEqual(['gap']);
    });

    it('should track a restarted sender with the same id as a new sequence, not a gap', async () => {
      const channel = channelFor('restart');
      const b = await open({ channel, instanceId: 'b', gapGraceMs: 50 });
      await publishRaw(channel, wire({ ep: 1, seq: 41 }));
      await publishRaw(channel, wire({ ep: 1, seq: 42 }));
      // Same id, new incarnation started after B subscribed: its sequence starts at 1.
      await publishRaw(channel, wire({ ep: Date.now(), seq: 1 }));
      await publishRaw(channel, wire({ ep: Date.now() + 1, seq: 1 }));
      await until(() => b.messages.length === 4, 10_000, 'four messages');
      await delay(300);
      expect(b.resyncs).toEqual([]);
    });
  });

  describe('reconnect', () => {
    it("should resync ('reconnect') once its own subscriber connection is back, then keep receiving", async () => {
      const { a, b } = await pair();
      const name = `cache-bus:sub:${b.bus.instanceId}`;
      expect(await killConnections(redis, name)).toBe(1);
      await until(() => b.resyncs.length === 1, 10_000, "resync('reconnect')");
      expect(b.resyncs).toEqual(['reconnect']);
      expect(b.bus.subscribed).toBe(true);
      a.bus.publish({ type: 'keys', keys: ['after-reconnect'] });
      await until(() => b.messages.length === 1, 10_000, 'message after reconnect');
      expect(b.messages[0].ops).toEqual([{ type: 'keys', keys: ['after-reconnect'] }]);
    });

    it("should resync ('reconnect') when a subscriber connection it was given is killed", async () => {
      const channel = channelFor('given-sub');
      const name = `given-sub-${Math.random().toString(36).slice(2)}`;
      const subscriber = await openRedis(target, name);
      extraClients.push(subscriber);
      const a = await open({ channel, instanceId: 'a' });
      const b = await open({ channel, instanceId: 'b', subscriber });
      expect(await killConnections(redis, name)).toBeGreaterThanOrEqual(1);
      await until(() => b.resyncs.includes('reconnect'), 10_000, "resync('reconnect')");
      a.bus.publish({ type: 'keys', keys: ['after'] });
      await until(() => b.messages.length === 1, 10_000, 'message after reconnect');
      await b.bus.stop();
      // The given connection is the caller's: still usable after stop().
      expect(await subscriber.ping()).toBe('PONG');
    });

    if (target === 'cluster') {
      it('should move its subscription to another node when its node connection ends for good', async () => {
        const { a, b } = await pair();
        const name = `cache-bus:sub:${b.bus.instanceId}`;
        const [before] = await serversWithConnection(redis, name);
        expect(before).toBeDefined();
        // End the connection the way a node that stays unreachable does after its retries: 'end', no reconnect.
        (b.bus as unknown as { subscription: { link: { conn: Redis } } }).subscription.link.conn.disconnect();
        await until(() => b.resyncs.length === 1, 10_000, "resync('reconnect')");
        expect(b.resyncs).toEqual(['reconnect']);
        const after = await serversWithConnection(redis, name);
        expect(after).toHaveLength(1);
        expect(after[0]).not.toBe(before);
        a.bus.publish({ type: 'keys', keys: ['after-failover'] });
        await until(() => b.messages.length === 1, 10_000, 'message after failover');
      });

      it("should subscribe on, and publish through, the master owning the channel's slot", async () => {
        const channel = channelFor('owner');
        const pubName = `bus-pub-${Math.random().toString(36).slice(2)}`;
        const publisher = await openRedis(target, pubName);
        extraClients.push(publisher);
        const a = await open({ channel, instanceId: 'a', publisher });
        const b = await open({ channel, instanceId: 'b' });
        const owner = Number((redis as Cluster).slots[keySlot(channel)]?.[0]?.split(':')[1]);
        expect(await serversWithConnection(redis, 'cache-bus:sub:b')).toEqual([owner]);
        // Messages in separate ticks: the Cluster client alone would spread them over random masters.
        for (let i = 0; i < 30; i++) {
          a.bus.publish({ type: 'keys', keys: [`ordered:${i}`] });
          await delay(1);
        }
        await until(() => b.messages.length === 30, 10_000, '30 messages');
        expect(
          b.messages.map((m) => (m.ops[0] as Extract<InvalidationOp, { type: 'keys' }>).keys[0]),
        ).toEqual(Array.from({ length: 30 }, (_, i) => `ordered:${i}`));
        const publishedFrom: number[] = [];
        for (const server of serversOf(redis)) {
          const list = (await server.call('CLIENT', 'LIST')) as string;
          if (
            list
              .split('\n')
              .some((line) => line.includes(` name=${pubName} `) && line.includes(' cmd=publish '))
          ) {
            publishedFrom.push(server.options.port as number);
          }
        }
        expect(publishedFrom).toEqual([owner]);
      });

      it('should receive messages published through any node of the cluster, replicas included', async () => {
        const channel = channelFor('any-node');
        const b = await open({ channel, instanceId: 'b' });
        const nodes = (redis as Cluster).nodes('all');
        expect(nodes).toHaveLength(6);
        for (const [i, node] of nodes.entries()) {
          const direct = new Redis({ host: node.options.host, port: node.options.port, lazyConnect: true });
          extraClients.push(direct);
          await direct.connect();
          await direct.publish(channel, wire({ id: `node-${i}`, ops: [['k', `via-${node.options.port}`]] }));
        }
        await until(() => b.messages.length === 6, 10_000, 'one message per node');
        const keys = b.messages.flatMap((m) => m.ops.flatMap((op) => (op.type === 'keys' ? op.keys : [])));
        expect(new Set(keys)).toEqual(new Set(nodes.map((node) => `via-${node.options.port}`)));
      });
    }
  });

  describe('stop()', () => {
    it('should flush the ops queued in the current tick before stopping', async () => {
      const { a, b } = await pair();
      a.bus.publish({ type: 'keys', keys: ['last-words'] });
      await a.bus.stop();
      await until(() => b.messages.length === 1, 10_000, 'the flushed message');
      expect(b.messages[0].ops).toEqual([{ type: 'keys', keys: ['last-words'] }]);
    });

    it('should close the subscriber connection it opened and leave the publisher open', async () => {
      const { b } = await pair();
      const name = `cache-bus:sub:${b.bus.instanceId}`;
      expect(await serversWithConnection(redis, name)).toHaveLength(1);
      await b.bus.stop();
      await until(
        async () => (await serversWithConnection(redis, name)).length === 0,
        5000,
        'subscriber closed',
      );
      expect(redis.status).toBe('ready');
      expect(b.bus.subscribed).toBe(false);
    });
  });
});
