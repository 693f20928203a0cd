export * from './lib/tcpa-rule-set.entity';
export * from './lib/dnc-entry.entity';
export * from './lib/state-rule.entity';
export * from './lib/upserted';
export * from './lib/tcpa-rule-set.repository';
export * from './lib/dnc-entry.repository';
export * from './lib/state-rule.repository';
export * from './lib/compliance-data-access.module';
