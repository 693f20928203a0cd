import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { canListen, findOnPath, freePort } from './local-process';
import { startRedisServer, type RedisServerHandle } from './redis-server';
import type { TestCertificates } from './test-certificates';

const run = promisify(execFile);

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Masters, each owning a share of the 16384 slots. Default 3 (Redis' minimum). */
  readonly masters?: number;
  /** Replicas per master, needed to test a failover. Default 0. */
  readonly replicasPerMaster?: number;
  /** `cluster-node-timeout`, ms: how soon a dead master is failed over. Default 2000. */
  readonly nodeTimeoutMs?: number;
  /** More `redis-server` arguments for every node (e.g. TLS or an ACL file). */
  readonly serverArgs?: readonly string[];
  /** More `redis-cli` arguments for forming and inspecting the cluster (e.g. `--tls`, `--user`). */
  readonly cliArgs?: readonly string[];
  /**
   * TLS everywhere: every node serves TLS only on its port (see `RedisServerOptions.tls`), the cluster bus and
   * replication run over TLS, and `redis-cli` connects with the client certificate.
   */
  readonly tls?: TestCertificates;
  /** How long to wait for the cluster to report every slot served and every replica attached. Default 30 s. */
  readonly formTimeoutMs?: number;
}

/** A throwaway Redis Cluster started by {@link startRedisCluster}. */
export interface RedisClusterHandle {
  /** Every node, masters first as formed (a failover changes roles; ask {@link RedisClusterHandle.roles}). */
  readonly nodes: readonly RedisServerHandle[];
  /** `127.0.0.1:<port>` of every node, for `REDIS_CLUSTER_NODES`. */
  readonly addresses: readonly string[];
  /** The port of each node that is a master now, from `CLUSTER NODES` of a live node. */
  masterPorts(): Promise<number[]>;
  /**
   * Resolves once every slot is served, every node agrees the state is ok, and `replicasPerMaster` replicas of
   * each master have finished syncing (until then a replica cannot take over).
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their temp dirs. Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free port whose cluster-bus port (+10000) is free too. */
async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await freePort();
    if (port + 10000 > 65535) continue;
    if (await canListen(port + 10000)) return port;
  }
  throw new Error('startRedisCluster: no free port pair (port, port + 10000) after 50 tries');
}

/**
 * Starts a throwaway Redis Cluster on 127.0.0.1 (`masters` × (1 + `replicasPerMaster`) redis-server processes
 * from {@link startRedisServer}, formed with `redis-cli --cluster create`) and resolves once it is healthy.
 * For tests that kill a master and watch its replica take over without touching the shared stack's cluster.
 * A killed node restarted with its handle's `restart()` keeps its `nodes.conf` and rejoins.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const cli = findOnPath('redis-cli');
  if (cli === undefined)
    throw new Error('startRedisCluster: `redis-cli` is not on PATH (npm run stack:up installs it)');
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const tls = options.tls;
  const cliArgs = [
    ...(tls === undefined
      ? []
      : ['--tls', '--cacert', tls.caFile, '--cert', tls.clientCertFile, '--key', tls.clientKeyFile]),
    ...(options.cliArgs ?? []),
  ];
  const nodes: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let index = 0; index < masters * (1 + replicas); index += 1) {
      nodes.push(
        await startRedisServer({
          port: await freeClusterPort(),
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 2000),
            // A replica that has not finished its first sync refuses to take over; don't wait 5 s to start it.
            '--repl-diskless-sync-delay',
            '0',
            ...(tls === undefined ? [] : ['--tls-cluster', 'yes', '--tls-replication', 'yes']),
            ...(options.serverArgs ?? []),
          ],
          tls,
        }),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run(cli, [
      ...cliArgs,
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);

    const clusterNodes = async (): Promise<string[][]> => {
      for (const node of nodes) {
        try {
          const { stdout } = await run(cli, [...cliArgs, '-p', String(node.port), 'cluster', 'nodes'], {
            timeout: 2000,
          });
          if (stdout.trim() !== '')
            return stdout
              .trim()
              .split('\n')
              .map((line) => line.split(' '));
        } catch {
          // this node is down; ask the next
        }
      }
      return [];
    };
    const healthy = async (): Promise<boolean> => {
      const rows = await clusterNodes();
      const live = rows.filter((row) => !(row[2] ?? '').includes('fail') && row[7] === 'connected');
      const liveMasters = live.filter((row) => (row[2] ?? '').includes('master') && row.length > 8);
      const liveReplicas = live.filter((row) => (row[2] ?? '').includes('slave'));
      if (liveMasters.length !== masters || liveReplicas.length !== masters * replicas) return false;
      for (const row of liveReplicas) {
        const port = (row[1] ?? '').split(':')[1]?.split('@')[0] ?? '';
        try {
          const { stdout } = await run(cli, [...cliArgs, '-p', port, 'info', 'replication'], {
            timeout: 2000,
          });
          if (!stdout.includes('master_link_status:up')) return false;
        } catch {
          return false;
        }
      }
      for (const node of nodes) {
        try {
          const { stdout } = await run(cli, [...cliArgs, '-p', String(node.port), 'cluster', 'info'], {
            timeout: 2000,
          });
          if (!stdout.includes('cluster_state:ok') || !stdout.includes('cluster_slots_ok:16384'))
            return false;
        } catch {
          // a node that is down does not vote; the others must agree
        }
      }
      return true;
    };
    const waitHealthy = async (timeoutMs = options.formTimeoutMs ?? 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await healthy())) {
        if (Date.now() > deadline) throw new Error(`startRedisCluster: not healthy after ${timeoutMs} ms`);
        await sleep(100);
      }
    };
    await waitHealthy();
    return {
      nodes,
      addresses,
      masterPorts: async () =>
        (await clusterNodes())
          .filter((row) => (row[2] ?? '').includes('master') && !(row[2] ?? '').includes('fail'))
          .map((row) => Number((row[1] ?? '').split(':')[1]?.split('@')[0])),
      waitHealthy,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
