import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One hour the statistics job wrote: a `closed` hour is aggregated again only when its bids change (`bid_stats_changed_hours`). */
@Entity({ name: 'bid_stats_hours' })
export class BidStatsHour {
  @PrimaryColumn({ type: 'timestamptz' })
  hour: Date;

  @Column({ type: 'boolean' })
  closed: boolean;

  @Column({ name: 'aggregated_at', type: 'timestamptz' })
  aggregatedAt: Date;
}
