import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Calls routed in one UTC hour from one state to one buyer (`''`: no buyer was eligible). */
@Entity({ name: 'routing_hourly_stats' })
export class RoutingHourlyStats {
  @PrimaryColumn({ type: 'timestamptz' })
  hour: Date;

  @PrimaryColumn({ type: 'char', length: 2 })
  state: string;

  @PrimaryColumn({ name: 'buyer_id', type: 'varchar', length: 64 })
  buyerId: string;

  @Column({ type: 'integer' })
  calls: number;
}
