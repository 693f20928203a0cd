/** Kafka message key: `<ruleKind>:<id>`, e.g. `state:CA`, `tcpa:7`, `dnc:<phoneHash>`. */
export type Key = string;
