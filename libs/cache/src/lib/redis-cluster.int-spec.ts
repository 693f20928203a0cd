import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { connectRedis, createRedisConnection } from './redis-connection';

const base = Number(process.env['REDIS_CLUSTER_BASE_PORT'] ?? 17001);
const seeds = Array.from({ length: 6 }, (_, i) => `127.0.0.1:${base + i}`);

describe('Redis Cluster (real, 3 masters + 3 replicas)', () => {
  const clients: (Redis | Cluster)[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => undefined)));
  });

  it('should have 3 masters, 3 replicas and every slot served', async () => {
    const node = new Redis({ host: '127.0.0.1', port: base, lazyConnect: true });
    clients.push(node);
    await node.connect();
    const info = await node.cluster('INFO');
    expect(info).toContain('cluster_state:ok');
    expect(info).toContain('cluster_slots_assigned:16384');
    const nodes = (await node.cluster('NODES')) as string;
    const roles = nodes
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[2]);
    expect(roles.filter((flags) => flags.includes('master'))).toHaveLength(3);
    expect(roles.filter((flags) => flags.includes('slave'))).toHaveLength(3);
  });

  it('should read through one client, seeded on another node, a key written through a first client', async () => {
    const writer = createRedisConnection({ mode: 'cluster', nodes: [seeds[0]] });
    const reader = createRedisConnection({ mode: 'cluster', nodes: [seeds[4]] });
    clients.push(writer, reader);
    await Promise.all([connectRedis(writer), connectRedis(reader)]);

    // Keys in different slots land on different masters: prove the reader follows the redirections.
    const keys = Array.from({ length: 20 }, (_, i) => `it:cluster:${randomUUID()}:${i}`);
    await Promise.all(keys.map((key, i) => writer.set(key, `v${i}`, 'EX', 60)));
    const values = await Promise.all(keys.map((key) => reader.get(key)));
    expect(values).toEqual(keys.map((_, i) => `v${i}`));

    // The keys really are spread over several masters.
    const admin = new Redis({ host: '127.0.0.1', port: base, lazyConnect: true });
    clients.push(admin);
    await admin.connect();
    const slots = await admin.cluster('SLOTS');
    const masterOf = async (key: string) => {
      const slot = Number(await admin.cluster('KEYSLOT', key));
      return slots.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
    };
    const masters = new Set(await Promise.all(keys.map(masterOf)));
    expect(masters.size).toBeGreaterThan(1);
  });

  it('should replicate a write to the replica of the owning master', async () => {
    const writer = createRedisConnection({ mode: 'cluster', nodes: [seeds[0]] });
    clients.push(writer);
    await connectRedis(writer);
    const key = `it:cluster:replica:${randomUUID()}`;
    await writer.set(key, 'replicated', 'EX', 60);

    const admin = new Redis({ host: '127.0.0.1', port: base, lazyConnect: true });
    clients.push(admin);
    await admin.connect();
    const slot = Number(await admin.cluster('KEYSLOT', key));
    const slots = await admin.cluster('SLOTS');
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    const [, , master, replica] = range ?? [];
    expect(replica).toBeDefined();
    expect(replica?.[1]).not.toBe(master?.[1]);

    const replicaClient = new Redis({ host: '127.0.0.1', port: replica?.[1], lazyConnect: true });
    clients.push(replicaClient);
    await replicaClient.connect();
    await replicaClient.readonly();
    let value: string | null = null;
    for (let attempt = 0; attempt < 50 && value === null; attempt++) {
      value = await replicaClient.get(key);
      if (value === null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(value).toBe('replicated');
  });

  it('should answer a standalone client too', async () => {
    const standalone = createRedisConnection({
      mode: 'standalone',
      url: process.env['REDIS_URL'] ?? `redis://127.0.0.1:${process.env['REDIS_PORT'] ?? 16379}`,
    });
    clients.push(standalone);
    await connectRedis(standalone);
    expect(await standalone.ping()).toBe('PONG');
  });
});
