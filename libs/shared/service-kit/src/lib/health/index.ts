export * from './lifecycle.service';
export * from './dependency.health';
export * from './health.controller';
