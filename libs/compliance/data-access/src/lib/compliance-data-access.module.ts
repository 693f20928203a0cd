import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  CreateOutboxEvents1765000000000,
  CreateProcessedEvents1764000000000,
  DatabaseSpec,
  QuietOutboxCommits1767000000000,
} from '@platform/database';
import { DncEntry } from './dnc-entry.entity';
import { DncEntryRepository } from './dnc-entry.repository';
import { DncSyncRepository } from './dnc-sync.repository';
import { StateRule } from './state-rule.entity';
import { StateRuleRepository } from './state-rule.repository';
import { TcpaRuleSet } from './tcpa-rule-set.entity';
import { TcpaRuleSetRepository } from './tcpa-rule-set.repository';
import { CreateComplianceAudit1764000000202 } from './migrations/1764000000202-create-compliance-audit.migration';
import { CreateComplianceTables1764000000201 } from './migrations/1764000000201-create-compliance-tables.migration';
import { CreateDncSync1766000000201 } from './migrations/1766000000201-create-dnc-sync.migration';

/** The compliance service's schema: its entities and its migrations, in order. */
export const COMPLIANCE_DATABASE: DatabaseSpec = {
  entities: [TcpaRuleSet, DncEntry, StateRule],
  migrations: [
    CreateProcessedEvents1764000000000,
    CreateComplianceTables1764000000201,
    CreateComplianceAudit1764000000202,
    CreateOutboxEvents1765000000000,
    CreateDncSync1766000000201,
    QuietOutboxCommits1767000000000,
  ],
};

/**
 * Provides {@link TcpaRuleSetRepository}, {@link DncEntryRepository}, {@link DncSyncRepository} and
 * {@link StateRuleRepository}.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TcpaRuleSet, DncEntry, StateRule])],
  providers: [TcpaRuleSetRepository, DncEntryRepository, DncSyncRepository, StateRuleRepository],
  exports: [TcpaRuleSetRepository, DncEntryRepository, DncSyncRepository, StateRuleRepository],
})
export class ComplianceDataAccessModule {}
