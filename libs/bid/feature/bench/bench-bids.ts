/**
 * `npm run bench:bids`: the bid decision path (BidDecisionService with the real routing and compliance
 * clients and the real cache engine), decisions per second on one core, cache on vs off, in one run.
 *
 * - on:  warm L1 (the clients' copies peeked in process), the hot path of a running bid service;
 * - off: the same code with the engine's `enabled: false`, so every lookup is a gRPC call to the peers.
 *
 * The peers are one gRPC stub (routing `GetBuyerCriteria`, compliance `GetStateRule` / `CheckDnc`) on
 * loopback in this process, so the "off" figure also pays the stub's CPU. Each phase runs for
 * BENCH_BIDS_SECONDS (default 3); the run stops by itself.
 */
import { createCache, type Cache } from '@platform/cache';
import { ComplianceClient, COMPLIANCE_CLIENT_CACHES } from '@platform/compliance-client';
import type { ServiceConfig } from '@platform/config';
import {
  ROUTING_PROFILE_CACHE,
  RoutingProfileClient,
  type BuyerRoutingProfile,
} from '@platform/routing-client';
import { loadavg } from 'node:os';
import type { BidCandidate } from '../src/lib/decisions/bid-decision';
import { BidDecisionService } from '../src/lib/decisions/bid-decision.service';
import { startPeerStubs } from '../test/peer-stubs';

const SECONDS = Number(process.env['BENCH_BIDS_SECONDS'] ?? 3);
const BUYERS = 1000;
const STATES = ['CA', 'NY', 'TX', 'FL', 'IL', 'PA', 'OH', 'GA', 'NC', 'MI'];
const PHONES = 10_000;
const FLEET_TARGET = 1_200_000; // the spec's bid processing target, bids/s

interface PhaseResult {
  mode: string;
  decisions: number;
  wallSeconds: number;
  cpuSeconds: number;
  peerCalls: number;
}

function candidates(count: number): BidCandidate[] {
  return Array.from({ length: count }, (_, i) => ({
    callId: `call-${i}`,
    buyerId: `buyer-${i % BUYERS}`,
    amountCents: 400 + (i % 700),
    call: {
      state: STATES[i % STATES.length],
      time: '2026-01-15T18:00:00Z',
      callerPhone: i % 2 === 0 ? `+1415${String(i % PHONES).padStart(7, '0')}` : undefined,
    },
  }));
}

async function phase(options: {
  mode: string;
  enabled: boolean;
  address: string;
  batch: number;
  calls: () => number;
}): Promise<PhaseResult> {
  const cache = createCache({ enabled: options.enabled, metrics: false });
  await cache.connect();
  const config = { name: 'bench', peers: { routing: options.address, compliance: options.address } };
  const routingCopies = cache.namespace<BuyerRoutingProfile | null>(ROUTING_PROFILE_CACHE.namespace, {
    ttl: ROUTING_PROFILE_CACHE.ttl,
  });
  const routing = new RoutingProfileClient(routingCopies, config as unknown as ServiceConfig);
  const compliance = new ComplianceClient(
    cache.namespace(COMPLIANCE_CLIENT_CACHES.state.namespace, {
      ttl: COMPLIANCE_CLIENT_CACHES.state.ttl,
    }) as Cache<never>,
    cache.namespace(COMPLIANCE_CLIENT_CACHES.dnc.namespace, {
      ttl: COMPLIANCE_CLIENT_CACHES.dnc.ttl,
    }) as Cache<boolean>,
    config as unknown as ServiceConfig,
  );
  const service = new BidDecisionService(routing, compliance, routingCopies);
  const all = candidates(BUYERS * 10);
  // Warm every key once, a slice at a time (thousands of concurrent peer calls would miss their deadline).
  if (options.enabled) for (let i = 0; i < all.length; i += 500) await service.decide(all.slice(i, i + 500));
  const startCalls = options.calls();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(SECONDS * 1e9);
  let decisions = 0;
  let offset = 0;
  while (process.hrtime.bigint() < deadline) {
    const slice = all.slice(offset, offset + options.batch);
    offset = (offset + options.batch) % all.length;
    decisions += (await service.decide(slice)).length;
  }
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  routing.onApplicationShutdown();
  compliance.onApplicationShutdown();
  await cache.disconnect();
  return {
    mode: options.mode,
    decisions,
    wallSeconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peerCalls: options.calls() - startCalls,
  };
}

async function main(): Promise<void> {
  const peers = await startPeerStubs();
  for (let i = 0; i < BUYERS; i++) {
    peers.profiles.set(`buyer-${i}`, {
      states: STATES.slice(0, 1 + (i % STATES.length)),
      minBidCents: 500,
      active: true,
    });
  }
  for (const state of STATES) {
    peers.stateRules.set(state, {
      callingHoursStart: 8,
      callingHoursEnd: 21,
      timezone: 'America/Los_Angeles',
    });
  }
  for (let i = 0; i < PHONES; i += 7) peers.dnc.add(`+1415${String(i).padStart(7, '0')}`);
  const calls = () => peers.calls.getBuyerCriteria + peers.calls.getStateRule + peers.calls.checkDnc;
  try {
    const on = await phase({
      mode: 'cache on (warm L1)',
      enabled: true,
      address: peers.address,
      batch: 1000,
      calls,
    });
    const off = await phase({
      mode: 'cache off (gRPC per lookup)',
      enabled: false,
      address: peers.address,
      batch: 100,
      calls,
    });
    const rows = [on, off].map((r) => ({
      mode: r.mode,
      'decisions/s (wall)': Math.round(r.decisions / r.wallSeconds),
      'decisions per CPU-second': Math.round(r.decisions / r.cpuSeconds),
      'peer calls per decision': +(r.peerCalls / r.decisions).toFixed(3),
      decisions: r.decisions,
    }));
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(
      `bench:bids, ${SECONDS}s per phase, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const headers = Object.keys(rows[0]) as (keyof (typeof rows)[0])[];
    const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
    out(headers.map((h, i) => h.padEnd(widths[i])).join(' | '));
    for (const row of rows) out(headers.map((h, i) => String(row[h]).padEnd(widths[i])).join(' | '));
    const perCore = rows[0]['decisions per CPU-second'];
    out(
      `cache on / off: ${(rows[0]['decisions/s (wall)'] / rows[1]['decisions/s (wall)']).toFixed(1)}x; ` +
        `the spec's ${FLEET_TARGET.toLocaleString('en-US')} bids/s at ${perCore.toLocaleString('en-US')} decisions per core-second ` +
        `takes ${Math.ceil(FLEET_TARGET / perCore)} cores (decision path only, warm L1).`,
    );
  } finally {
    await peers.stop();
  }
}

void main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
