import { Cluster } from 'ioredis';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster';

describe(startRedisCluster, () => {
  let cluster: RedisClusterHandle | undefined;
  let client: Cluster | undefined;

  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await cluster?.stop();
    cluster = undefined;
  });

  it('should form a cluster that serves every slot, and promote a replica when a master is killed', async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
    expect(cluster.nodes).toHaveLength(6);
    const masters = await cluster.masterPorts();
    expect(masters).toHaveLength(3);

    client = new Cluster(
      cluster.addresses.map((address) => ({ host: '127.0.0.1', port: Number(address.split(':')[1]) })),
    );
    await client.set('{a}k', '1');
    await client.set('{b}k', '2');
    await client.set('{c}k', '3');
    expect(await client.mget('{a}k')).toEqual(['1']);

    const victim = cluster.nodes.find((node) => node.port === masters[0]);
    if (victim === undefined) throw new Error('master not among the nodes');
    await victim.kill();
    const deadline = Date.now() + 20_000;
    let after = await cluster.masterPorts();
    while ((after.includes(victim.port) || after.length !== 3) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await cluster.masterPorts();
    }
    expect(after).not.toContain(victim.port);
    expect(after).toHaveLength(3);

    // The killed node comes back as a replica of the promoted one: the cluster is whole again.
    await victim.restart();
    await cluster.waitHealthy(20_000);
    expect(await cluster.masterPorts()).not.toContain(victim.port);
  }, 60_000);
});
