import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

/** Calling rules for one US state (or DC): local calling window, time zone, attempt cap, consent. */
@Entity({ name: 'state_rules' })
@Check('state_rules_calling_hours_check', 'calling_hours_end > calling_hours_start')
export class StateRule {
  /** Two-letter uppercase code, e.g. `CA`. */
  @PrimaryColumn({ type: 'char', length: 2 })
  state: string;

  /** Local hour (0..23) when calling may start. */
  @Column({ name: 'calling_hours_start', type: 'smallint' })
  callingHoursStart: number;

  /** Local hour (1..24, after the start) when calling must stop. */
  @Column({ name: 'calling_hours_end', type: 'smallint' })
  callingHoursEnd: number;

  /** IANA time zone, e.g. `America/Los_Angeles`. */
  @Column({ type: 'varchar', length: 64 })
  timezone: string;

  @Column({ name: 'max_attempts_per_day', type: 'integer' })
  maxAttemptsPerDay: number;

  @Column({ name: 'requires_consent', type: 'boolean' })
  requiresConsent: boolean;

  @VersionColumn()
  version: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
