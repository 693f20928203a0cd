import { ANALYTICS_DATABASE } from '@platform/analytics-data-access';
import { Topic } from '@platform/contracts';
import { grpcPackage, protoPath } from '@platform/proto';
import { ROUTING_PEER } from '@platform/routing-client';
import type { ServiceSpec } from '@platform/service-kit';
import { AnalyticsFeatureModule } from './analytics-feature.module';

/** How the analytics service is assembled; `apps/analytics` runs it, tests start it. */
export const analyticsServiceSpec = (): ServiceSpec => ({
  defaults: {
    name: 'analytics',
    httpPort: 3104,
    grpcPort: 5104,
    dbSchema: 'analytics',
    peers: [ROUTING_PEER],
  },
  features: [AnalyticsFeatureModule],
  database: ANALYTICS_DATABASE,
  // With auth on, these gRPC methods need `<service>:read`; every other one `<service>:write`.
  grpc: {
    package: grpcPackage.analytics,
    protoPath: protoPath('analytics'),
    readMethods: ['GetCallRecord', 'ListCallRecords'],
  },
  kafka: {
    consumes: [Topic.BidChanged, Topic.BuyerRoutingChanged, Topic.CallRecorded],
    produces: [Topic.CallRecorded],
  },
});
