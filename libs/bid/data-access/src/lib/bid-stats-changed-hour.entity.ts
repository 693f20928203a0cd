import { Entity, PrimaryColumn } from 'typeorm';

/**
 * An hour whose bids changed after it closed (a status or amount change, a deletion): written in the change's
 * own transaction, taken by the next statistics run, which aggregates the hour again.
 */
@Entity({ name: 'bid_stats_changed_hours' })
export class BidStatsChangedHour {
  @PrimaryColumn({ type: 'timestamptz' })
  hour: Date;
}
