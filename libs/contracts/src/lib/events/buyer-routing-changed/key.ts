/** Kafka message key: the buyer id. */
export type Key = string;
