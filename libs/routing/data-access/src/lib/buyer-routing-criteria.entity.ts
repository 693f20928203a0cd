import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

/**
 * Which calls a buyer accepts (US states, price floor, calling hours in its time zone, daily cap, concurrency)
 * and how it ranks against others (priority).
 */
@Entity({ name: 'buyer_routing_criteria' })
@Unique('buyer_routing_criteria_buyer_id_key', ['buyerId'])
export class BuyerRoutingCriteria {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'buyer_id', type: 'varchar', length: 64 })
  buyerId: string;

  /** Uppercase US state codes (50 states + DC). GIN-indexed by the migration for `states @> ARRAY[...]`. */
  @Index('buyer_routing_criteria_states_gin_idx', { synchronize: false })
  @Column({ type: 'char', length: 2, array: true })
  states: string[];

  @Column({ name: 'min_bid_cents', type: 'integer' })
  minBidCents: number;

  @Column({ name: 'max_concurrent_calls', type: 'integer' })
  maxConcurrentCalls: number;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** IANA time zone of the calling hours, e.g. `America/New_York`. */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: 'UTC' })
  timeZone: string;

  /** Start of the calling hours, minutes after local midnight (0..1439). */
  @Column({ name: 'hours_start_minute', type: 'smallint', default: 0 })
  hoursStartMinute: number;

  /** End of the calling hours (exclusive), minutes after local midnight (1..1440); before the start: overnight. */
  @Column({ name: 'hours_end_minute', type: 'smallint', default: 1440 })
  hoursEndMinute: number;

  /** Most calls routed to the buyer per UTC day; null: no cap. */
  @Column({ name: 'daily_cap', type: 'integer', nullable: true })
  dailyCap: number | null;

  @VersionColumn()
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
