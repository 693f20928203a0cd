import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RedisConnection } from '../redis-connection';
import { forkTsx } from '../../test-support/fork-tsx';
import {
  openRedis,
  REDIS_TARGETS,
  uniquePrefix,
  until,
  type RedisTarget,
} from '../../test-support/redis-targets';
import type { BusMessageMeta, InvalidationOp } from './bus';
import { RedisInvalidationBus } from './redis-bus';
import type { BusPeerCommand, BusPeerReport } from './testing/bus-peer.fixture';

/** The peer process and everything it reported. */
interface Peer {
  child: ChildProcess;
  reports: BusPeerReport[];
  send(command: BusPeerCommand): void;
  stop(): Promise<void>;
}

async function forkPeer(target: RedisTarget, channel: string, instanceId: string): Promise<Peer> {
  const child = forkTsx(join(__dirname, 'testing', 'bus-peer.fixture.ts'), {
    BUS_TARGET: target,
    BUS_CHANNEL: channel,
    BUS_INSTANCE_ID: instanceId,
  });
  const reports: BusPeerReport[] = [];
  child.on('message', (report: BusPeerReport) => reports.push(report));
  const peer: Peer = {
    child,
    reports,
    send: (command) => child.send(command),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'exit' } satisfies BusPeerCommand);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  await until(
    () => {
      const failure = reports.find((r) => r.type === 'error');
      if (failure?.type === 'error') throw new Error(`peer failed: ${failure.message}`);
      return reports.some((r) => r.type === 'ready');
    },
    20_000,
    'the peer process to subscribe',
  );
  return peer;
}

const messagesOf = (peer: Peer) =>
  peer.reports.filter((r): r is Extract<BusPeerReport, { type: 'message' }> => r.type === 'message');

describe.each(REDIS_TARGETS)('RedisInvalidationBus across two processes (%s)', (target) => {
  let redis: RedisConnection;
  let peer: Peer | undefined;
  let bus: RedisInvalidationBus | undefined;

  beforeAll(async () => {
    redis = await openRedis(target);
  });

  afterEach(async () => {
    await peer?.stop();
    await bus?.stop();
    peer = undefined;
    bus = undefined;
  });

  afterAll(async () => {
    await redis.quit();
  });

  describe('publish()', () => {
    it('should deliver a same-tick batch to a bus in another process as one message, and hear it back', async () => {
      const channel = `${uniquePrefix(`bus-2p-${target}`)}bus`;
      peer = await forkPeer(target, channel, 'child');
      bus = new RedisInvalidationBus({ publisher: redis, channel, instanceId: 'parent' });
      const received: { ops: readonly InvalidationOp[]; meta: BusMessageMeta }[] = [];
      bus.onMessage((ops, meta) => received.push({ ops, meta }));
      await bus.start();

      bus.publish({ type: 'keys', keys: ['order:1', 'order:2'] });
      bus.publish({ type: 'keys', keys: ['order:2'] });
      bus.publish({ type: 'tags', tags: ['customer:9'] });
      await until(() => messagesOf(peer as Peer).length === 1, 10_000, 'the child to receive');
      const [message] = messagesOf(peer);
      expect(message.ops).toEqual([
        { type: 'keys', keys: ['order:1', 'order:2'] },
        { type: 'tags', tags: ['customer:9'] },
      ]);
      expect(message.meta.source).toBe('parent');
      expect(message.receivedAt).toBeGreaterThanOrEqual(message.meta.sentAt);

      // And the other way round: the child's publish reaches the parent, never the child itself.
      peer.send({ cmd: 'publish', op: { type: 'prefix', prefix: 'order:' } });
      await until(() => received.length === 1, 10_000, 'the parent to receive');
      expect(received[0].ops).toEqual([{ type: 'prefix', prefix: 'order:' }]);
      expect(received[0].meta.source).toBe('child');
      expect(messagesOf(peer)).toHaveLength(1);
      expect(peer.reports.filter((r) => r.type === 'resync' || r.type === 'error')).toEqual([]);
    });

    it('should carry many round trips between the processes without loss or resync', async () => {
      const channel = `${uniquePrefix(`bus-2p-rt-${target}`)}bus`;
      peer = await forkPeer(target, channel, 'child');
      peer.send({ cmd: 'echo' });
      bus = new RedisInvalidationBus({ publisher: redis, channel, instanceId: 'parent' });
      const pongs = new Set<string>();
      const resyncs: string[] = [];
      bus.onMessage((ops) => {
        for (const op of ops) if (op.type === 'keys') for (const key of op.keys) pongs.add(key);
      });
      bus.onResync((reason) => resyncs.push(reason));
      await bus.start();
      // The IPC command and the first ping race inside a busy child: ping only once it echoes.
      await until(() => peer?.reports.some((r) => r.type === 'echoing'), 10_000, 'the peer to echo');

      for (let i = 0; i < 200; i++) {
        bus.publish({ type: 'keys', keys: [`ping:${i}`] });
        await until(() => pongs.has(`pong:${i}`), 10_000, `pong ${i}`);
      }
      expect(pongs.size).toBe(200);
      expect(resyncs).toEqual([]);
      expect(peer.reports.filter((r) => r.type === 'resync' || r.type === 'error')).toEqual([]);
    });
  });
});
