export * from './lib/routing-feature.module';
export * from './lib/routing.service';
export * from './lib/routing.mapper';
export * from './lib/routing.service-spec';
export * from './lib/dto/routing.dto';
