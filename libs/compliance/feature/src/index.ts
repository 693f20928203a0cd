export * from './lib/compliance-feature.module';
export * from './lib/compliance.service';
export * from './lib/compliance.mapper';
export * from './lib/compliance.service-spec';
export * from './lib/phone-hash';
export * from './lib/dto/compliance.dto';
export * from './lib/cache/compliance-cache.keys';
export * from './lib/listeners/compliance-invalidation.map';
