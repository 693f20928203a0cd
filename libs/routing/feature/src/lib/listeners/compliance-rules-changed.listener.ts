import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ComplianceRulesChanged, ContractViolationError, parseEvent, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';

/**
 * Reacts to compliance rules (TCPA, DNC, state) changing in the compliance service. Idempotent by
 * `eventId`; a malformed event is logged and skipped so the partition keeps moving. Invalidation of the
 * routing cache (e.g. the buyers eligible for a state whose rule changed) plugs in here once the cache
 * engine lands.
 */
@Controller()
export class ComplianceRulesChangedListener {
  private readonly logger = new Logger(ComplianceRulesChangedListener.name);

  constructor(private readonly inbox: InboxService) {}

  @EventPattern(Topic.ComplianceRulesChanged)
  async handle(@Payload() message: unknown): Promise<void> {
    let event: ComplianceRulesChanged.Value;
    try {
      event = parseEvent(Topic.ComplianceRulesChanged, ComplianceRulesChanged.Value, message);
    } catch (error) {
      if (error instanceof ContractViolationError) {
        this.logger.warn({ topic: error.topic, fields: error.fields }, 'Skipping malformed event');
        return;
      }
      throw error;
    }
    const first = await this.inbox.recordOnce({
      eventId: event.eventId,
      topic: Topic.ComplianceRulesChanged,
      entityId: event.entityId,
    });
    if (!first) {
      this.logger.debug({ eventId: event.eventId }, 'Duplicate event ignored');
      return;
    }
    const rule = event.after ?? event.before;
    this.logger.log(
      { eventId: event.eventId, ruleId: event.entityId, kind: rule?.kind, state: rule?.state, op: event.op },
      'Compliance rules changed',
    );
  }
}
