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

/** Which calls a buyer accepts (US states, minimum bid, concurrency) and how it ranks against others. */
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

  @VersionColumn()
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
