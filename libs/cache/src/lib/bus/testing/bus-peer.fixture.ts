/**
 * A bus instance in a second OS process, for `redis-bus.two-process.int-spec.ts`. Forked with tsx and an IPC
 * channel; configured by env (`BUS_TARGET`, `BUS_CHANNEL`, `BUS_INSTANCE_ID`). It reports to the parent:
 * `{ type: 'ready' }` once subscribed, `{ type: 'message', ops, meta, receivedAt }` per received batch and
 * `{ type: 'resync', reason }`; it obeys `{ cmd: 'publish', op }`, `{ cmd: 'echo' }` (answer every received
 * `ping:<n>` key with a `pong:<n>` key, to measure round trips; acknowledged with `{ type: 'echoing' }`) and
 * `{ cmd: 'exit' }`.
 */
import type { InvalidationOp } from '../bus';
import { RedisInvalidationBus } from '../redis-bus';
import { openRedis, type RedisTarget } from '../../../test-support/redis-targets';

/** What the parent sends to the peer. */
export type BusPeerCommand = { cmd: 'publish'; op: InvalidationOp } | { cmd: 'echo' } | { cmd: 'exit' };

/** What the peer reports to the parent. */
export type BusPeerReport =
  | { type: 'ready'; instanceId: string }
  | { type: 'echoing' }
  | { type: 'message'; ops: InvalidationOp[]; meta: { source: string; sentAt: number }; receivedAt: number }
  | { type: 'resync'; reason: string }
  | { type: 'error'; message: string };

const send = (report: BusPeerReport) => process.send?.(report);

async function main(): Promise<void> {
  const target = (process.env['BUS_TARGET'] ?? 'standalone') as RedisTarget;
  const channel = process.env['BUS_CHANNEL'] as string;
  const instanceId = process.env['BUS_INSTANCE_ID'] as string;
  const redis = await openRedis(target);
  const bus = new RedisInvalidationBus({ publisher: redis, channel, instanceId });
  let echo = false;
  bus.onMessage((ops, meta) => {
    send({ type: 'message', ops: [...ops], meta: { ...meta }, receivedAt: Date.now() });
    if (!echo) return;
    for (const op of ops) {
      if (op.type !== 'keys') continue;
      const pongs = op.keys.filter((key) => key.startsWith('ping:')).map((key) => `pong:${key.slice(5)}`);
      if (pongs.length > 0) bus.publish({ type: 'keys', keys: pongs });
    }
  });
  bus.onResync((reason) => send({ type: 'resync', reason }));
  bus.onError((error) => send({ type: 'error', message: error.message }));
  process.on('message', (command: BusPeerCommand) => {
    if (command.cmd === 'publish') bus.publish(command.op);
    else if (command.cmd === 'echo') {
      echo = true;
      send({ type: 'echoing' });
    } else if (command.cmd === 'exit') {
      void bus
        .stop()
        .then(() => redis.quit())
        .finally(() => process.exit(0));
    }
  });
  // The parent going away must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  await bus.start();
  send({ type: 'ready', instanceId });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
