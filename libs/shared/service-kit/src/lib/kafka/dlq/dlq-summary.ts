import type { DeadLetteredRecord } from './dlq-record';

/** What a dead-letter topic holds (or the part of it a filter selects). */
export interface DlqSummary {
  readonly dlqTopic: string;
  /** Records looked at (the whole topic), and those the filter selected. */
  readonly scanned: number;
  readonly matched: number;
  /** Of the matched: already replayed (per the replay ledger) and not yet. */
  readonly replayed: number;
  readonly pending: number;
  readonly byErrorCode: Record<string, number>;
  readonly byGroup: Record<string, number>;
  /** Oldest and newest `dlq-failed-at` of the matched records. */
  readonly oldestFailedAt?: string;
  readonly newestFailedAt?: string;
  /** The oldest matched records (by failed-at), at most the sample size. */
  readonly records: readonly (DeadLetteredRecord & { readonly replayed: boolean })[];
}

/** Builds a {@link DlqSummary} record by record, holding only the sample in memory. */
export class DlqSummaryBuilder {
  private scanned = 0;
  private matched = 0;
  private replayed = 0;
  private readonly byErrorCode: Record<string, number> = {};
  private readonly byGroup: Record<string, number> = {};
  private oldest?: string;
  private newest?: string;
  private readonly sample: (DeadLetteredRecord & { replayed: boolean })[] = [];

  constructor(
    private readonly dlqTopic: string,
    private readonly sampleSize: number,
  ) {}

  /** Counts a record the filter did not select. */
  skip(): void {
    this.scanned++;
  }

  /** Counts a selected record; `replayed` says whether the ledger holds it. */
  add(record: DeadLetteredRecord, replayed: boolean): void {
    this.scanned++;
    this.matched++;
    if (replayed) this.replayed++;
    this.byErrorCode[record.errorCode] = (this.byErrorCode[record.errorCode] ?? 0) + 1;
    this.byGroup[record.group] = (this.byGroup[record.group] ?? 0) + 1;
    const at = record.failedAt;
    if (at !== undefined) {
      if (this.oldest === undefined || at < this.oldest) this.oldest = at;
      if (this.newest === undefined || at > this.newest) this.newest = at;
    }
    if (this.sampleSize === 0) return;
    // ISO 8601 in UTC sorts as text; a record without a time sorts last.
    const key = at ?? '~';
    const index = this.sample.findIndex((kept) => (kept.failedAt ?? '~') > key);
    if (index === -1 && this.sample.length >= this.sampleSize) return;
    this.sample.splice(index === -1 ? this.sample.length : index, 0, { ...record, replayed });
    if (this.sample.length > this.sampleSize) this.sample.pop();
  }

  build(): DlqSummary {
    return {
      dlqTopic: this.dlqTopic,
      scanned: this.scanned,
      matched: this.matched,
      replayed: this.replayed,
      pending: this.matched - this.replayed,
      byErrorCode: { ...this.byErrorCode },
      byGroup: { ...this.byGroup },
      oldestFailedAt: this.oldest,
      newestFailedAt: this.newest,
      records: [...this.sample],
    };
  }
}
