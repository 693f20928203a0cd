/** Kafka message key: the call id. */
export type Key = string;
