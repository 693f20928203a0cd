// The DLQ tool's parts, for `cli/dlq.ts` and the specs; not part of the service kit's public API.
export * from './dlq-args';
export * from './dlq-record';
export * from './dlq-report';
export * from './dlq-summary';
export * from './dlq-tool';
export * from './replay-ledger';
export * from './topic-snapshot';
