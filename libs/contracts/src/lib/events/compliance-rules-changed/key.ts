/** Kafka message key: `<ruleKind>:<id>`, e.g. `state:CA`, `tcpa:7`, `dnc:<phoneHash>`, `dnc-list:<generation>`. */
export type Key = string;
