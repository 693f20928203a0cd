export * from './lib/analytics-feature.module';
export * from './lib/analytics.service';
export * from './lib/call-record.mapper';
export * from './lib/analytics.service-spec';
export * from './lib/dto/call-record.dto';
export * from './lib/buyer-revenue.service';
export * from './lib/cache/analytics-cache.keys';
export * from './lib/listeners/analytics-invalidation.map';
