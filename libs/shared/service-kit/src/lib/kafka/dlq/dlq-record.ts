import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { DLQ_HEADERS, DLQ_REPLAYED_FROM_HEADER, DLQ_SUFFIX } from '../consumer/message-runner';

/** One record of a dead-letter topic, with what its `dlq-*` headers and its envelope say. */
export interface DeadLetteredRecord {
  /** Where it sits: the dead-letter topic, partition and offset. */
  readonly dlqTopic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** The topic it was consumed from (`dlq-original-topic`); undefined when the header is missing. */
  readonly originalTopic?: string;
  /** The consumer group that gave up on it (`dlq-consumer-group`). */
  readonly group: string;
  /** Stable code of the last failure (`dlq-error-code`). */
  readonly errorCode: string;
  readonly error: string;
  /** When it was dead-lettered (`dlq-failed-at`, ISO 8601); undefined when missing. */
  readonly failedAt?: string;
  /** From the event envelope, when the value is JSON with these fields (a poison record may not be). */
  readonly eventId?: string;
  readonly entity?: string;
  readonly entityId?: string;
}

/** Which records a `list` or `replay` looks at; every given criterion must hold (a list: any of its values). */
export interface DlqFilter {
  readonly errorCodes?: readonly string[];
  readonly groups?: readonly string[];
  readonly eventIds?: readonly string[];
}

/** `<topic>.dlq` as given, or the dead-letter topic of an original topic. */
export const resolveDlqTopic = (topic: string): string =>
  topic.endsWith(DLQ_SUFFIX) ? topic : `${topic}${DLQ_SUFFIX}`;

const header = (headers: IHeaders, name: string): string | undefined => {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** Reads a dead-letter record as kafkajs hands it over. */
export function readDeadLetter(
  dlqTopic: string,
  partition: number,
  message: KafkaMessage,
): DeadLetteredRecord {
  const headers = message.headers ?? {};
  let envelope: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(message.value?.toString() ?? '');
    if (parsed !== null && typeof parsed === 'object') envelope = parsed as Record<string, unknown>;
  } catch {
    // A poison record need not be JSON; it is still listed and can be replayed as it is.
  }
  return {
    dlqTopic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers,
    originalTopic: header(headers, DLQ_HEADERS.topic),
    group: header(headers, DLQ_HEADERS.group) ?? 'unknown',
    errorCode: header(headers, DLQ_HEADERS.errorCode) ?? 'unknown',
    error: header(headers, DLQ_HEADERS.error) ?? '',
    failedAt: header(headers, DLQ_HEADERS.failedAt),
    eventId: text(envelope['eventId']),
    entity: text(envelope['entity']),
    entityId: text(envelope['entityId']),
  };
}

/** Whether `record` passes `filter` (event ids compare case-insensitively, as the inbox does). */
export function matchesFilter(record: DeadLetteredRecord, filter: DlqFilter): boolean {
  const { errorCodes, groups, eventIds } = filter;
  if (errorCodes?.length && !errorCodes.includes(record.errorCode)) return false;
  if (groups?.length && !groups.includes(record.group)) return false;
  if (eventIds?.length) {
    const id = record.eventId?.toLowerCase();
    if (id === undefined || !eventIds.some((wanted) => wanted.toLowerCase() === id)) return false;
  }
  return true;
}

/** `<dlq topic>/<partition>/<offset>`: names one dead-letter record (the replay ledger's key too). */
export const recordAddress = (
  record: Pick<DeadLetteredRecord, 'dlqTopic' | 'partition' | 'offset'>,
): string => `${record.dlqTopic}/${record.partition}/${record.offset}`;

/**
 * The record to send back to the original topic: the original key (so it lands on the same partition as
 * the entity's other events) and value, the original headers without the `dlq-*` ones (a record dead-lettered
 * again gets fresh ones), and {@link DLQ_REPLAYED_FROM_HEADER} naming where it came from.
 */
export function replayMessage(record: DeadLetteredRecord): Message {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (!name.startsWith('dlq-') && value !== undefined) headers[name] = value;
  }
  headers[DLQ_REPLAYED_FROM_HEADER] = recordAddress(record);
  return { key: record.key, value: record.value, headers };
}
