export * from './kafka.service';
export * from './outbox-relay';
export * from './outbox-relay.metrics';
export * from './outbox-relay.service';
export * from './kafka-log';
export * from './event-intake';
export * from './consumer';
export * from './kafka-connection';
