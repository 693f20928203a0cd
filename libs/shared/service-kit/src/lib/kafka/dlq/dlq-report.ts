import type { DeadLetteredRecord } from './dlq-record';
import type { DlqSummary } from './dlq-summary';
import type { ReplayResult } from './dlq-tool';

/** Lines of a count table shown at most (the largest first); `--json` has them all. */
const MAX_COUNT_LINES = 15;

const counts = (title: string, byName: Record<string, number>): string[] => {
  const entries = Object.entries(byName).sort(([, a], [, b]) => b - a);
  if (entries.length === 0) return [];
  const shown = entries.slice(0, MAX_COUNT_LINES);
  const width = Math.max(...shown.map(([name]) => name.length));
  const rest = entries.length - shown.length;
  return [
    title,
    ...shown.map(([name, count]) => `  ${name.padEnd(width)}  ${count}`),
    ...(rest > 0 ? [`  … and ${rest} more (--json lists them all)`] : []),
  ];
};

const recordLine = (record: DeadLetteredRecord & { replayed?: boolean }): string =>
  [
    `  ${record.partition}/${record.offset}`,
    record.failedAt ?? '-',
    record.eventId ?? '(no eventId)',
    record.entity ? `${record.entity}:${record.entityId ?? '?'}` : '-',
    record.group,
    record.errorCode,
    JSON.stringify(record.error.slice(0, 120)),
    ...(record.replayed ? ['(replayed)'] : []),
  ].join('  ');

/** The `list` result for a terminal. */
export function formatSummary(summary: DlqSummary): string {
  const lines = [
    `${summary.dlqTopic}: ${summary.matched} records` +
      (summary.matched !== summary.scanned ? ` match (of ${summary.scanned})` : '') +
      `, ${summary.pending} not replayed, ${summary.replayed} replayed`,
  ];
  if (summary.matched > 0) {
    lines.push(`failed between ${summary.oldestFailedAt ?? '?'} and ${summary.newestFailedAt ?? '?'}`);
  }
  lines.push(
    ...counts('by error code:', summary.byErrorCode),
    ...counts('by consumer group:', summary.byGroup),
  );
  if (summary.records.length > 0) {
    lines.push(
      `oldest ${summary.records.length} (partition/offset, failed at, event, entity, group, code, error):`,
    );
    lines.push(...summary.records.map(recordLine));
  }
  return lines.join('\n');
}

/** The `replay` result for a terminal. */
export function formatReplay(result: ReplayResult): string {
  const verb = result.dryRun ? 'would send back' : 'sent back';
  const lines = [
    `${result.dlqTopic}: ${verb} ${result.republished} of ${result.matched} matching records` +
      ` (${result.scanned} scanned)${result.dryRun ? ' [dry run: nothing sent]' : ''}`,
  ];
  if (result.alreadyReplayed > 0) lines.push(`skipped ${result.alreadyReplayed} replayed by an earlier run`);
  if (result.overLimit > 0) lines.push(`left ${result.overLimit} for a later run (--limit)`);
  if (result.unreplayable > 0) {
    lines.push(`skipped ${result.unreplayable} without a dlq-original-topic header (nowhere to send them)`);
  }
  lines.push(...counts('by original topic:', result.byTopic));
  if (result.records.length > 0) {
    lines.push(`first ${result.records.length}:`, ...result.records.map(recordLine));
  }
  return lines.join('\n');
}

/** A record as JSON output shows it (key and value as text, headers left out). */
export const recordJson = (record: DeadLetteredRecord & { replayed?: boolean }): object => ({
  partition: record.partition,
  offset: record.offset,
  originalTopic: record.originalTopic ?? null,
  group: record.group,
  errorCode: record.errorCode,
  error: record.error,
  failedAt: record.failedAt ?? null,
  eventId: record.eventId ?? null,
  entity: record.entity ?? null,
  entityId: record.entityId ?? null,
  key: record.key?.toString() ?? null,
  ...(record.replayed !== undefined && { replayed: record.replayed }),
});
