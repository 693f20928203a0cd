export * from './lib/analytics-feature.module';
export * from './lib/analytics.service';
export * from './lib/call-record.mapper';
export * from './lib/analytics.service-spec';
export * from './lib/dto/call-record.dto';
