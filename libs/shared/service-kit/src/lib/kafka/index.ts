export * from './kafka.service';
export * from './event-publisher';
export * from './kafka-log';
export * from './event-intake';
