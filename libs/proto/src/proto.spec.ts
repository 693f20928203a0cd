import { map, Observable } from 'rxjs';
import 'reflect-metadata';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/proto-loader';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import {
  analyticsV1,
  grpcLoaderOptions,
  bidV1,
  complianceV1,
  grpcPackage,
  protoPath,
  protoRelativePath,
  protoServices,
  routingV1,
} from './index';
import type { ProtoService } from './index';

const expectedServices: Record<ProtoService, { service: string; methods: string[] }> = {
  bid: {
    service: 'BidService',
    methods: [
      'CreateBid',
      'GetBid',
      'ListBids',
      'UpdateBid',
      'DeleteBid',
      'ListCallBids',
      'ListBuyerActiveBids',
      'DecideBids',
    ],
  },
  routing: {
    service: 'RoutingService',
    methods: [
      'UpsertBuyerCriteria',
      'GetBuyerCriteria',
      'ListBuyerCriteria',
      'DeleteBuyerCriteria',
      'DecideRoute',
      'GetRoutingStats',
    ],
  },
  compliance: {
    service: 'ComplianceService',
    methods: [
      'CreateTcpaRuleSet',
      'GetTcpaRuleSet',
      'GetActiveTcpaRuleSet',
      'AddDncEntry',
      'CheckDnc',
      'RemoveDncEntry',
      'UpsertStateRule',
      'GetStateRule',
      'CheckCall',
      'CheckCallBatch',
    ],
  },
  analytics: {
    service: 'AnalyticsService',
    methods: ['RecordCall', 'RecordCalls', 'GetCallRecord', 'ListCallRecords'],
  },
};

const loaderOptions = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

describe('proto contracts', () => {
  const savedProtoDir = process.env['PROTO_DIR'];
  afterEach(() => {
    if (savedProtoDir === undefined) delete process.env['PROTO_DIR'];
    else process.env['PROTO_DIR'] = savedProtoDir;
  });

  describe.each(protoServices)('%s', (svc) => {
    beforeEach(() => delete process.env['PROTO_DIR']);

    it('protoPath() points at an existing .proto file', () => {
      const path = protoPath(svc);
      expect(existsSync(path)).toBe(true);
      expect(path.endsWith(join(svc, 'v1', `${svc}.proto`))).toBe(true);
    });

    it('loads with @grpc/proto-loader and exposes the expected service and RPCs', () => {
      const definition = loadSync(protoPath(svc), loaderOptions);
      const fqService = `${grpcPackage[svc]}.${expectedServices[svc].service}`;
      const service = definition[fqService] as Record<string, { path: string }> | undefined;
      expect(service).toBeDefined();
      const methods = Object.keys(service ?? {});
      expect(methods.sort()).toEqual([...expectedServices[svc].methods].sort());
      for (const method of expectedServices[svc].methods) {
        expect(service?.[method].path).toBe(`/${fqService}/${method}`);
      }
    });

    it('loader output uses camelCase fields for request messages', () => {
      const definition = loadSync(protoPath(svc), loaderOptions);
      const firstRpc = expectedServices[svc].methods[0];
      const request = definition[`${grpcPackage[svc]}.${firstRpc}Request`] as {
        type: { field: { name: string }[] };
      };
      for (const field of request.type.field) expect(field.name).not.toContain('_');
    });
  });

  describe('protoPath resolution order', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'proto-dir-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('prefers PROTO_DIR when set', () => {
      mkdirSync(join(dir, 'bid', 'v1'), { recursive: true });
      writeFileSync(join(dir, protoRelativePath('bid')), 'syntax = "proto3";');
      process.env['PROTO_DIR'] = dir;
      expect(protoPath('bid')).toBe(join(dir, 'bid', 'v1', 'bid.proto'));
    });

    it('falls back to the workspace source when no bundle copy exists', () => {
      delete process.env['PROTO_DIR'];
      expect(protoPath('routing')).toMatch(/libs[\\/]proto[\\/]routing[\\/]v1[\\/]routing\.proto$/);
    });
  });

  it('grpcLoaderOptions fill proto3 defaults but keep unset optional fields undefined', () => {
    const definition = loadSync(protoPath('bid'), grpcLoaderOptions);
    const listBids = (definition['bid.v1.BidService'] as Record<string, MethodDefinition<unknown, unknown>>)[
      'ListBids'
    ];
    const decoded = listBids.requestDeserialize(listBids.requestSerialize({ callId: 'call-1' }));
    expect(decoded).toEqual({ callId: 'call-1', limit: 0 });
    const withStatus = listBids.requestDeserialize(listBids.requestSerialize({ status: 2 }));
    expect(withStatus).toEqual({ status: bidV1.BidStatus.BID_STATUS_ACTIVE, limit: 0 });
  });

  it('grpcPackage matches the generated <PKG>_V1_PACKAGE_NAME constants', () => {
    expect(grpcPackage).toEqual({
      bid: bidV1.BID_V1_PACKAGE_NAME,
      routing: routingV1.ROUTING_V1_PACKAGE_NAME,
      compliance: complianceV1.COMPLIANCE_V1_PACKAGE_NAME,
      analytics: analyticsV1.ANALYTICS_V1_PACKAGE_NAME,
    });
  });

  it('exports service-name constants, numeric enums and controller decorators', () => {
    expect(bidV1.BID_SERVICE_NAME).toBe('BidService');
    expect(routingV1.ROUTING_SERVICE_NAME).toBe('RoutingService');
    expect(complianceV1.COMPLIANCE_SERVICE_NAME).toBe('ComplianceService');
    expect(analyticsV1.ANALYTICS_SERVICE_NAME).toBe('AnalyticsService');
    expect(bidV1.BidStatus.BID_STATUS_PENDING).toBe(1);
    expect(analyticsV1.CallOutcome.CALL_OUTCOME_CONNECTED).toBe(1);
    for (const decorator of [
      bidV1.BidServiceControllerMethods,
      routingV1.RoutingServiceControllerMethods,
      complianceV1.ComplianceServiceControllerMethods,
      analyticsV1.AnalyticsServiceControllerMethods,
    ]) {
      expect(typeof decorator).toBe('function');
    }
  });

  it('BidServiceControllerMethods registers every RPC as a Nest gRPC handler', () => {
    // nestJs=true emits interfaces only (no encode/decode), so check the decorator wiring instead of a round-trip.
    const bid: bidV1.Bid = {
      id: '00000000-0000-4000-8000-000000000000',
      callId: 'call-1',
      buyerId: 'buyer-1',
      amountCents: 1250,
      currency: 'USD',
      status: bidV1.BidStatus.BID_STATUS_ACTIVE,
      expiresAt: '',
      version: 1,
      createdAt: '2024-01-01T00:00:00Z',
      updatedAt: '2024-01-01T00:00:00Z',
    };

    @bidV1.BidServiceControllerMethods()
    class Controller implements bidV1.BidServiceController {
      createBid(): bidV1.CreateBidResponse {
        return { bid };
      }
      getBid(): bidV1.GetBidResponse {
        return { bid };
      }
      listBids(): bidV1.ListBidsResponse {
        return { bids: [bid] };
      }
      updateBid(): bidV1.UpdateBidResponse {
        return { bid };
      }
      deleteBid(): bidV1.DeleteBidResponse {
        return {};
      }
      listCallBids(): bidV1.ListCallBidsResponse {
        return { bids: [bid] };
      }
      listBuyerActiveBids(): bidV1.ListBuyerActiveBidsResponse {
        return { buyerId: 'buyer-1', bids: [{ bid, eligible: true }] };
      }
      decideBids(candidates: Observable<bidV1.BidCandidate>): Observable<bidV1.BidDecision> {
        return candidates.pipe(
          map((c) => ({ callId: c.callId, buyerId: c.buyerId, accepted: true, reasons: [] })),
        );
      }
    }

    for (const method of [
      'createBid',
      'getBid',
      'listBids',
      'updateBid',
      'deleteBid',
      'listCallBids',
      'listBuyerActiveBids',
    ] as const) {
      const patterns = Reflect.getMetadata(PATTERN_METADATA, Controller.prototype[method]) as unknown[];
      // lowerCamel rpc names match grpc-js's `originalName` aliases (proto-loader keepCase: false).
      expect(patterns).toEqual([{ service: 'BidService', rpc: method, streaming: 'no_stream' }]);
    }
    expect(Reflect.getMetadata(PATTERN_METADATA, Controller.prototype.decideBids)).toEqual([
      { service: 'BidService', rpc: 'decideBids', streaming: 'rx_stream' },
    ]);
    expect(new Controller().getBid()).toEqual({ bid });
  });
});
