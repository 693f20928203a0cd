/** Kafka message key: the bid id, so one bid's events stay in order on one partition. */
export type Key = string;
