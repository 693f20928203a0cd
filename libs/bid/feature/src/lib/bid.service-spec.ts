import { BID_DATABASE } from '@platform/bid-data-access';
import { Topic } from '@platform/contracts';
import { grpcPackage, protoPath } from '@platform/proto';
import { COMPLIANCE_PEER } from '@platform/compliance-client';
import { ROUTING_PEER } from '@platform/routing-client';
import type { ServiceSpec } from '@platform/service-kit';
import { BidFeatureModule } from './bid-feature.module';

/** How the bid service is assembled; `apps/bid` runs it, tests start it. */
export const bidServiceSpec = (): ServiceSpec => ({
  defaults: {
    name: 'bid',
    httpPort: 3101,
    grpcPort: 5101,
    dbSchema: 'bid',
    peers: [ROUTING_PEER, COMPLIANCE_PEER],
  },
  features: [BidFeatureModule],
  database: BID_DATABASE,
  // With auth on, these gRPC methods need `<service>:read`; every other one `<service>:write`.
  grpc: {
    package: grpcPackage.bid,
    protoPath: protoPath('bid'),
    readMethods: ['GetBid', 'ListBids', 'ListCallBids', 'ListBuyerActiveBids', 'DecideBids', 'GetBidStats'],
  },
  kafka: {
    consumes: [Topic.BuyerRoutingChanged, Topic.BidChanged, Topic.ComplianceRulesChanged],
    produces: [Topic.BidChanged],
  },
});
