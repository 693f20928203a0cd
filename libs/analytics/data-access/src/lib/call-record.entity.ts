import type { CallRecorded } from '@platform/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** How a recorded call ended. */
export type CallOutcome = CallRecorded.CallOutcome;

/**
 * One call, immutable once recorded: reported once it ended (every field known), or known only from the bid
 * that sold it (`state`, `durationSeconds` and `outcome` null: unknown).
 */
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

  /** The caller's US state; null when unknown (a call known only from its won bid). */
  @Column({ type: 'char', length: 2, nullable: true })
  state: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  /** Talk time; null when unknown (a call known only from its won bid). */
  @Column({ name: 'duration_seconds', type: 'integer', nullable: true })
  durationSeconds: number | null;

  @Column({ name: 'revenue_cents', type: 'integer' })
  revenueCents: number;

  /** How the call ended; null when unknown (a call known only from its won bid). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome: CallOutcome | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
