import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { forkTsx } from './fork-tsx';
import type { RedisTarget } from './redis-targets';

/** A cache instance in another OS process, driven over IPC (see `cache-peer.fixture.ts`). */
export interface CachePeer {
  readonly pid: number;
  request<R>(command: Record<string, unknown>, timeoutMs?: number): Promise<R>;
  stop(): Promise<void>;
}

/** Forks a peer process (TypeScript run through tsx) and initialises its cache. */
export async function forkCachePeer(
  target: RedisTarget,
  prefix: string,
  instanceId: string,
): Promise<CachePeer> {
  const child: ChildProcess = forkTsx(join(__dirname, 'cache-peer.fixture.ts'));
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (message: { id: number; result: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(`peer: ${message.error}`));
    else waiter?.resolve(message.result);
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`peer exited with code ${code}`));
    pending.clear();
  });
  const request = <R>(command: Record<string, unknown>, timeoutMs = 20_000) =>
    new Promise<R>((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(
        () => reject(new Error(`peer did not answer ${String(command['cmd'])}`)),
        timeoutMs,
      );
      pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value as R)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      child.send({ ...command, id });
    });
  const pid = await request<number>({ cmd: 'init', target, prefix, instanceId }, 30_000);
  return {
    pid,
    request,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await request({ cmd: 'exit' }).catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}
