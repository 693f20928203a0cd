export * from './lib/buyer-routing-criteria.entity';
export * from './lib/buyer-routing.repository';
export * from './lib/routing-hourly-stats.entity';
export * from './lib/routing-stats.repository';
export * from './lib/routing-data-access.module';
