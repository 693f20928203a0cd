export * from './lib/bid-feature.module';
export * from './lib/bid.service';
export * from './lib/bid.mapper';
export * from './lib/bid.service-spec';
export * from './lib/dto/bid.dto';
export * from './lib/buyer-active-bids.service';
export * from './lib/cache/bid-cache.keys';
export * from './lib/listeners/bid-invalidation.map';
