export * from './lib/bid.entity';
export * from './lib/bid.repository';
export * from './lib/bid-stats.repository';
export * from './lib/bid-data-access.module';
