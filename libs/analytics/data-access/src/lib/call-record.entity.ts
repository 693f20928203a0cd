import type { CallRecorded } from '@platform/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** How a recorded call ended. */
export type CallOutcome = CallRecorded.CallOutcome;

/** One completed call, as reported once it ended; immutable once recorded. */
@Entity({ name: 'call_records' })
@Unique('call_records_call_id_key', ['callId'])
@Index('call_records_buyer_started_idx', ['buyerId', 'startedAt'])
@Index('call_records_started_idx', ['startedAt'])
export class CallRecord {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'call_id', type: 'varchar', length: 64 })
  callId: string;

  @Column({ name: 'buyer_id', type: 'varchar', length: 64 })
  buyerId: string;

  @Column({ type: 'char', length: 2 })
  state: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'duration_seconds', type: 'integer' })
  durationSeconds: number;

  @Column({ name: 'revenue_cents', type: 'integer' })
  revenueCents: number;

  @Column({ type: 'varchar', length: 16 })
  outcome: CallOutcome;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
