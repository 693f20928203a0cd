import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A do-not-call entry, keyed by the SHA-256 (lowercase hex) of the E.164 number; the number itself is never stored. */
@Entity({ name: 'dnc_entries' })
export class DncEntry {
  @PrimaryColumn({ name: 'phone_hash', type: 'char', length: 64 })
  phoneHash: string;

  @Column({ type: 'varchar', length: 64 })
  source: string;

  @CreateDateColumn({ name: 'added_at', type: 'timestamptz' })
  addedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
