/**
 * Every Kafka topic the platform uses, in one place: `<domain>.<entity>.<event>.v<N>`.
 * A breaking change to an event's shape gets a new topic version, never an in-place edit.
 */
export enum Topic {
  BidChanged = 'bid.bid.changed.v1',
  BuyerRoutingChanged = 'routing.buyer.changed.v1',
  ComplianceRulesChanged = 'compliance.rules.changed.v1',
  CallRecorded = 'analytics.call.recorded.v1',
}
