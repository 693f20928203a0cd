import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BidStatus } from './bid.entity';

/** Bids created in one UTC hour by one buyer that are in one status (as of the hour's last aggregation). */
@Entity({ name: 'bid_stats_hourly' })
export class BidHourlyStats {
  @PrimaryColumn({ type: 'timestamptz' })
  hour: Date;

  @PrimaryColumn({ name: 'buyer_id', type: 'varchar', length: 64 })
  buyerId: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  status: BidStatus;

  @Column({ type: 'integer' })
  bids: number;

  /** `bigint` in Postgres (a sum can pass 2^31); read back as a number (exact below 2^53). */
  @Column({
    name: 'amount_cents',
    type: 'bigint',
    transformer: { to: (value: number) => value, from: (value: string) => Number(value) },
  })
  amountCents: number;
}
