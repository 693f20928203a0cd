/** bid.v1: `BidService` messages, `BidServiceController`/`BidServiceControllerMethods`, `BID_SERVICE_NAME`. */
export * as bidV1 from './generated/bid/v1/bid';
/** routing.v1: `RoutingService` messages, `RoutingServiceController`/`RoutingServiceControllerMethods`, `ROUTING_SERVICE_NAME`. */
export * as routingV1 from './generated/routing/v1/routing';
/** compliance.v1: `ComplianceService` messages, controller interface/decorator and `COMPLIANCE_SERVICE_NAME`. */
export * as complianceV1 from './generated/compliance/v1/compliance';
/** analytics.v1: `AnalyticsService` messages, controller interface/decorator and `ANALYTICS_SERVICE_NAME`. */
export * as analyticsV1 from './generated/analytics/v1/analytics';

export { grpcLoaderOptions, grpcPackage, protoPath, protoRelativePath, protoServices } from './proto-path';
export type { ProtoService } from './proto-path';
