import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One hour the statistics job wrote: `closed` hours are final and never aggregated again. */
@Entity({ name: 'bid_stats_hours' })
export class BidStatsHour {
  @PrimaryColumn({ type: 'timestamptz' })
  hour: Date;

  @Column({ type: 'boolean' })
  closed: boolean;

  @Column({ name: 'aggregated_at', type: 'timestamptz' })
  aggregatedAt: Date;
}
