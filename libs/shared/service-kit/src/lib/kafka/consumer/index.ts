export * from './consumer-errors';
export * from './consumer.metrics';
export * from './consumer-metrics.provider';
export * from './message-runner';
export * from './batch-runner';
export * from './event-consumer';
export * from './consume-event.decorator';
export * from './event-consumer.service';
