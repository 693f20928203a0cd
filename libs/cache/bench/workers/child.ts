/**
 * Parent-side handle of a benchmark child process (forked with IPC, inheriting the tsx loader), with a message
 * inbox and a registry so the runner can kill every child it started when it exits.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/** A message exchanged with a worker: always an object with a `type`. */
export interface WorkerMessage {
  type: string;
  [field: string]: unknown;
}

const live = new Set<ChildProcess>();

/** Kills every child still running (used on exit and on SIGINT). */
export function killAllChildren(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  live.clear();
}

/** A forked worker with an awaitable inbox. */
export class WorkerChild {
  private readonly proc: ChildProcess;
  private readonly inbox: WorkerMessage[] = [];
  private readonly waiters: { pred: (m: WorkerMessage) => boolean; resolve: (m: WorkerMessage) => void }[] =
    [];
  private exitError: Error | undefined;
  private readonly onExitHandlers: ((e: Error) => void)[] = [];

  /** Forks `workers/<file>` with `config` as its single JSON argument. */
  constructor(
    file: string,
    readonly name: string,
    config: object,
  ) {
    this.proc = fork(join(__dirname, file), [JSON.stringify(config)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env },
    });
    live.add(this.proc);
    this.proc.on('message', (m: WorkerMessage) => {
      const i = this.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
      else this.inbox.push(m);
    });
    this.proc.on('exit', (code, signal) => {
      live.delete(this.proc);
      this.exitError = new Error(`${name} exited (code ${code}, signal ${signal})`);
      for (const h of this.onExitHandlers) h(this.exitError);
    });
  }

  /** Sends a message to the worker. */
  send(msg: WorkerMessage): void {
    this.proc.send(msg);
  }

  /** Resolves with the next message of `type` (matching `pred`), rejecting after `timeoutMs` or on exit. */
  next(
    type: string,
    timeoutMs: number,
    pred: (m: WorkerMessage) => boolean = () => true,
  ): Promise<WorkerMessage> {
    const match = (m: WorkerMessage) => m.type === type && pred(m);
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    const error = this.inbox.find((m) => m.type === 'error');
    if (error) return Promise.reject(new Error(`${this.name}: ${String(error['message'])}`));
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<WorkerMessage>((resolve, reject) => {
      const waiter = {
        pred: (m: WorkerMessage) => match(m) || m.type === 'error',
        resolve: (m: WorkerMessage) => {
          clearTimeout(timer);
          if (m.type === 'error') reject(new Error(`${this.name}: ${String(m['message'])}`));
          else resolve(m);
        },
      };
      const timer = setTimeout(() => {
        const idx = this.waiters.indexOf(waiter);
        if (idx >= 0) this.waiters.splice(idx, 1);
        reject(new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.onExitHandlers.push((e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** Asks the worker to close and waits for it to exit (killing it after `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    try {
      this.send({ type: 'stop' });
    } catch {
      // channel already closed
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Worker side: parses the JSON config argument, reports uncaught failures to the parent as `error` messages and
 * exits when the parent goes away.
 */
export function workerSetup<T>(): T {
  if (!process.send) throw new Error('this file is a benchmark worker; run `npm run bench:cache`');
  process.on('disconnect', () => process.exit(0));
  const fail = (e: unknown) => {
    process.send?.({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    setTimeout(() => process.exit(1), 50);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Worker side: sends a message to the parent. */
export function toParent(msg: WorkerMessage): void {
  process.send?.(msg);
}
