import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A TCPA rule document: free-form JSON, validated as a non-empty object at the edge. */
export type TcpaRules = Record<string, unknown>;

/** A versioned, immutable TCPA rule set (`compliance:tcpa:v{version}`); at most one is active. */
@Entity({ name: 'tcpa_rule_sets' })
@Index('tcpa_rule_sets_one_active_idx', ['active'], { unique: true, where: 'active' })
export class TcpaRuleSet {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'integer', unique: true })
  version: number;

  @Column({ type: 'jsonb' })
  rules: TcpaRules;

  @Column({ name: 'effective_from', type: 'timestamptz' })
  effectiveFrom: Date;

  @Column({ type: 'boolean', default: false })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
