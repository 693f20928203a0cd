export * from './schema-of';
export * from './processed-event.entity';
export * from './create-processed-events.migration';
export * from './data-source';
export * from './inbox.service';
export * from './typeorm-logger';
