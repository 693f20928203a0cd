import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ComplianceRulesChanged, Topic } from '@platform/contracts';
import { EventIntake, IntakeOutcome } from '@platform/service-kit';

/**
 * Reacts to compliance rules (TCPA, DNC, state) changing in the compliance service. Invalidation of the
 * routing cache (e.g. the buyers eligible for a state whose rule changed) plugs in here once the cache
 * engine lands.
 */
@Controller()
export class ComplianceRulesChangedListener {
  private readonly logger = new Logger(ComplianceRulesChangedListener.name);

  constructor(private readonly intake: EventIntake) {}

  /** Validated, deduplicated by `eventId` and recorded by {@link EventIntake}. */
  @EventPattern(Topic.ComplianceRulesChanged)
  handle(@Payload() message: unknown): Promise<IntakeOutcome> {
    return this.intake.consume(
      Topic.ComplianceRulesChanged,
      ComplianceRulesChanged.Value,
      message,
      (event) => {
        const rule = event.after ?? event.before;
        this.logger.log(
          {
            eventId: event.eventId,
            ruleId: event.entityId,
            kind: rule?.kind,
            state: rule?.state,
            op: event.op,
          },
          'Compliance rules changed',
        );
      },
    );
  }
}
