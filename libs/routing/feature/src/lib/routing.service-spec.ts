import { Topic } from '@platform/contracts';
import { grpcPackage, protoPath } from '@platform/proto';
import { ROUTING_DATABASE } from '@platform/routing-data-access';
import type { ServiceSpec } from '@platform/service-kit';
import { RoutingFeatureModule } from './routing-feature.module';

/** How the routing service is assembled; `apps/routing` runs it, tests start it. */
export const routingServiceSpec = (): ServiceSpec => ({
  // The 150 ms stale bound holds across instances only if L1 stops being served 100 ms into a bus silence.
  defaults: { name: 'routing', httpPort: 3102, grpcPort: 5102, dbSchema: 'routing', cacheBusLivenessMs: 100 },
  features: [RoutingFeatureModule],
  database: ROUTING_DATABASE,
  // With auth on, these gRPC methods need `<service>:read`; every other one `<service>:write`.
  grpc: {
    package: grpcPackage.routing,
    protoPath: protoPath('routing'),
    readMethods: ['GetBuyerCriteria', 'ListBuyerCriteria', 'DecideRoute', 'GetRoutingStats'],
  },
  kafka: {
    // Its own topic only: each instance's consumer evicts what another instance's writes make stale.
    consumes: [Topic.BuyerRoutingChanged],
    produces: [Topic.BuyerRoutingChanged],
  },
});
