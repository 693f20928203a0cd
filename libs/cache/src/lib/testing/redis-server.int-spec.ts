import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from './redis-server';

/** Whether something accepts TCP connections on the port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** A one-shot client that neither retries nor queues: each call tells the truth about the server now. */
const oneShot = async (url: string) => {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  await client.connect();
  return client;
};

describe(startRedisServer, () => {
  let server: RedisServerHandle | undefined;

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('should start a server that answers on its url', async () => {
    server = await startRedisServer();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    const client = await oneShot(server.url);
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    } finally {
      client.disconnect();
    }
  });

  describe('kill()', () => {
    it('should crash the server: the port stops answering', async () => {
      server = await startRedisServer();
      const client = await oneShot(server.url);
      const closed = new Promise((resolve) => client.once('end', resolve));
      await server.kill();
      await closed;
      expect(await listening(server.port)).toBe(false);
    });
  });

  describe('restart()', () => {
    it('should bring an empty server back on the same port after a kill', async () => {
      server = await startRedisServer();
      const before = await oneShot(server.url);
      await before.set('k', 'v');
      before.disconnect();
      await server.kill();
      await server.restart();
      const after = await oneShot(server.url);
      try {
        expect(await after.ping()).toBe('PONG');
        expect(await after.get('k')).toBeNull(); // no persistence
      } finally {
        after.disconnect();
      }
    });

    it('should also restart a server that is still running', async () => {
      server = await startRedisServer();
      const port = server.port;
      await server.restart();
      expect(server.port).toBe(port);
      const client = await oneShot(server.url);
      try {
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
      }
    });
  });

  describe('stop()', () => {
    it('should stop the server and be idempotent', async () => {
      server = await startRedisServer();
      await server.stop();
      expect(await listening(server.port)).toBe(false);
      await expect(server.stop()).resolves.toBeUndefined();
    });
  });

  it('should honour a requested port', async () => {
    const probe = await startRedisServer();
    const port = probe.port;
    await probe.stop();
    server = await startRedisServer({ port });
    expect(server.port).toBe(port);
    expect(await listening(port)).toBe(true);
  });

  it('should fail with a clear message when redis-server is not on PATH', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      await expect(startRedisServer()).rejects.toThrow(/redis-server.*not on PATH.*npm run stack:up/s);
    } finally {
      process.env['PATH'] = path;
    }
  });
});
