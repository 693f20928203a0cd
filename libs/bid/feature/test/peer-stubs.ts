import { loadPackageDefinition, Server, ServerCredentials, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { grpcLoaderOptions, protoPath } from '@platform/proto';
import { DEVELOPMENT_PEPPER, hmacPhoneNumber } from '@platform/config';

type Handler = (
  call: { request: Record<string, unknown> },
  callback: (error: { code: number; details: string } | null, response?: unknown) => void,
) => void;

/** Answers a stub gives, and how many times each RPC was called (the peers' "loads"). */
export interface PeerStubs {
  address: string;
  profiles: Map<string, { states: string[]; minBidCents: number; active: boolean }>;
  stateRules: Map<string, { callingHoursStart: number; callingHoursEnd: number; timezone: string }>;
  /** E.164 numbers on the DNC list. */
  dnc: Set<string>;
  calls: { getBuyerCriteria: number; getStateRule: number; checkDnc: number };
  stop(): Promise<void>;
}

const notFound = { code: status.NOT_FOUND, details: 'not found' };

/**
 * One gRPC server standing in for the routing and the compliance services, speaking their real protos
 * (`GetBuyerCriteria`, `GetStateRule`, `CheckDnc`) and counting calls: the bid service's decision path is
 * tested on the real Postgres, Redis and Kafka, with its peers' fetches counted here.
 */
export async function startPeerStubs(): Promise<PeerStubs> {
  const load = (name: 'routing' | 'compliance') =>
    loadPackageDefinition(loadSync(protoPath(name), grpcLoaderOptions)) as unknown as Record<
      string,
      Record<string, Record<string, { service: never }>>
    >;
  const stubs = {
    profiles: new Map(),
    stateRules: new Map(),
    dnc: new Set<string>(),
    calls: { getBuyerCriteria: 0, getStateRule: 0, checkDnc: 0 },
  } as Omit<PeerStubs, 'address' | 'stop'>;
  const server = new Server();
  server.addService(load('routing')['routing']['v1']['RoutingService'].service, {
    getBuyerCriteria: ((call, callback) => {
      stubs.calls.getBuyerCriteria++;
      const buyerId = String(call.request['buyerId']);
      const profile = stubs.profiles.get(buyerId);
      if (!profile) return callback(notFound);
      callback(null, {
        criteria: { buyerId, maxConcurrentCalls: 5, priority: 1, version: 1, ...profile },
      });
    }) as Handler,
  });
  server.addService(load('compliance')['compliance']['v1']['ComplianceService'].service, {
    getStateRule: ((call, callback) => {
      stubs.calls.getStateRule++;
      const state = String(call.request['state']);
      const rule = stubs.stateRules.get(state);
      if (!rule) return callback(notFound);
      callback(null, {
        stateRule: { state, maxAttemptsPerDay: 3, requiresConsent: false, version: 1, ...rule },
      });
    }) as Handler,
    checkDnc: ((call, callback) => {
      stubs.calls.checkDnc++;
      const phone = String(call.request['phoneNumber']);
      callback(null, {
        listed: stubs.dnc.has(phone),
        phoneHash: hmacPhoneNumber(DEVELOPMENT_PEPPER, phone),
      });
    }) as Handler,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    ...stubs,
    address: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
