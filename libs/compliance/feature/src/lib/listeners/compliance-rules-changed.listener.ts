import { Injectable, Logger } from '@nestjs/common';
import { ComplianceRulesChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { complianceRulesChangedInvalidation } from './compliance-invalidation.map';

/**
 * Evicts this service's own compliance caches when a rule changes (TCPA rule set, DNC entry, state rule).
 * Writes from every instance reach `compliance.rules.changed.v1` through the outbox, so this consumer
 * invalidates for all instances at once.
 */
@Injectable()
export class ComplianceRulesChangedListener {
  private readonly logger = new Logger(ComplianceRulesChangedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.ComplianceRulesChanged, ComplianceRulesChanged.Value)
  async handle(event: ComplianceRulesChanged.Value): Promise<void> {
    const plan = await this.invalidator.invalidate(complianceRulesChangedInvalidation, event);
    this.logger.debug({ eventId: event.eventId, ruleId: event.entityId, evicted: plan.keys }, 'Rule changed');
  }
}
