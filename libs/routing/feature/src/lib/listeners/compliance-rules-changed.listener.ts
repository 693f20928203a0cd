import { Injectable, Logger } from '@nestjs/common';
import { ComplianceRulesChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { complianceRulesChangedInvalidation } from './routing-invalidation.map';

/**
 * Reacts to compliance rules (TCPA, DNC, state) changing in the compliance service: evicts the geographic
 * routing they affect (see {@link complianceRulesChangedInvalidation}).
 */
@Injectable()
export class ComplianceRulesChangedListener {
  private readonly logger = new Logger(ComplianceRulesChangedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.ComplianceRulesChanged, ComplianceRulesChanged.Value)
  async handle(event: ComplianceRulesChanged.Value): Promise<void> {
    await this.invalidator.invalidate(complianceRulesChangedInvalidation, event);
    const rule = event.after ?? event.before;
    this.logger.log(
      { eventId: event.eventId, ruleId: event.entityId, kind: rule?.kind, state: rule?.state, op: event.op },
      'Compliance rules changed',
    );
  }
}
