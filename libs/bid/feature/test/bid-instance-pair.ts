import { startVarnish, type VarnishHandle } from '@platform/cache/testing';
import type { RunningService } from '@platform/service-kit';
import { dropSchema, freePort, stackEnv, startTestService } from '@platform/service-kit/testing';
import { randomBytes } from 'node:crypto';
import { bidServiceSpec } from '../src';
import { PeerStubs, startPeerStubs } from './peer-stubs';

/** Two bid instances of one deployment, Varnish in front of the second, and their peers stood in for. */
export interface BidInstancePair {
  /** The instance that takes the writes. */
  a: RunningService;
  /** Another instance: its own process-local L1 and bus subscription, the same Postgres schema and L2. */
  b: RunningService;
  /** A throwaway varnishd (the repository VCL) in front of `b`; both instances purge it (`EDGE_VARNISH_URLS`). */
  edge: VarnishHandle;
  /** The routing and compliance peers (gRPC stubs); add buyers to `peers.profiles`. */
  peers: PeerStubs;
  /** Stops everything and drops the schema. */
  stop(): Promise<void>;
}

/**
 * Starts a {@link BidInstancePair} on the local stack, as a deployment runs: one schema, one cache prefix (so
 * one L2 and one bus channel) and one Kafka consumer group, each instance with its own L1. The schema, prefix
 * and group are the caller's own (`name` + random), so parallel runs do not collide.
 */
export async function startBidInstancePair(options: {
  name: string;
  logLevel?: string;
}): Promise<BidInstancePair> {
  const id = `${options.name}_${randomBytes(4).toString('hex')}`;
  const peers = await startPeerStubs();
  const bPort = await freePort();
  const edge = await startVarnish({ backendPort: bPort, listener: 'bid' });
  const env = {
    DB_SCHEMA: id,
    CACHE_PREFIX: `${id}:`,
    KAFKA_GROUP_ID: `bid-${id}`,
    ROUTING_GRPC_ADDRESS: peers.address,
    COMPLIANCE_GRPC_ADDRESS: peers.address,
    EDGE_VARNISH_URLS: edge.url,
    BID_WARM_TOP_BUYERS: '0',
    LOG_LEVEL: options.logLevel ?? 'fatal',
  };
  const started: RunningService[] = [];
  const stop = async () => {
    for (const service of started) await service.app.close();
    await edge.stop();
    await peers.stop();
    await dropSchema(stackEnv()['DATABASE_URL'], id);
  };
  try {
    started.push(await startTestService(bidServiceSpec(), env));
    started.push(await startTestService(bidServiceSpec(), { ...env, HTTP_PORT: String(bPort) }));
  } catch (error) {
    await stop();
    throw error;
  }
  return { a: started[0], b: started[1], edge, peers, stop };
}
