import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** The executable `command` on PATH (then in `extraDirs`, e.g. `/usr/sbin`), or undefined. */
export function findOnPath(command: string, extraDirs: readonly string[] = []): string | undefined {
  for (const dir of [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs]) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Where {@link freePort} looks: below Linux's default ephemeral range (32768–60999), from which the kernel
 * gives every outgoing connection its local port. A port picked inside that range can be taken by any client
 * connection (Postgres, Redis, Kafka: hundreds in a parallel test run) between the pick and the server's own
 * `listen`, which CI saw as `EADDRINUSE` when a service started; a port below it only by another listener.
 */
const PICK_FROM = 20_000;
const PICK_TO = 32_767;

/** Whether 127.0.0.1:`port` can be listened on right now. */
export function canListen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1, for a throwaway server a test starts: a random one
 * outside the kernel's ephemeral range (see {@link PICK_FROM}), else (64 taken in a row) one the kernel picks.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_TO - PICK_FROM + 1));
    if (await canListen(port)) return port;
  }
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
