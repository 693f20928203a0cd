export * from './lib/topics';
export * from './lib/envelope';
export * from './lib/validate';
export * from './lib/us-states';
export * as BidChanged from './lib/events/bid-changed';
export * as BuyerRoutingChanged from './lib/events/buyer-routing-changed';
export * as ComplianceRulesChanged from './lib/events/compliance-rules-changed';
export * as CallRecorded from './lib/events/call-recorded';
