export * from './lib/call-record.entity';
export * from './lib/call-record.repository';
export * from './lib/analytics-data-access.module';
export * from './lib/call-revenue.repository';
export * from './lib/call-metrics.repository';
