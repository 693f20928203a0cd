export * from './consumer-errors';
export * from './consumer.metrics';
export * from './message-runner';
export * from './event-consumer';
export * from './consume-event.decorator';
export * from './event-consumer.service';
