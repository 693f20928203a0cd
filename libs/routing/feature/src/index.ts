export * from './lib/routing-feature.module';
export * from './lib/routing.service';
export * from './lib/routing.mapper';
export * from './lib/routing.service-spec';
export * from './lib/dto/routing.dto';
export * from './lib/cache/routing-cache.keys';
export * from './lib/listeners/routing-invalidation.map';
