import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeyRefiller } from '@platform/cache';
import type { ServiceConfig } from '@platform/config';
import { ComplianceRulesChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, errorMessage, planEvent, SERVICE_CONFIG } from '@platform/service-kit';
import { ComplianceService } from '../compliance.service';
import { complianceRulesChangedInvalidation } from './compliance-invalidation.map';

/**
 * Keeps compliance's write-through true past its own change event. A write commits, then writes the new value
 * to the cache; tens of milliseconds later the Kafka consumer applies the event's invalidation (the guarantee
 * for a writer that died between commit and write-through, or whose cache write failed), which evicted that
 * fresh value everywhere, so the next check of the rule missed. After the consumer's eviction, this reloads
 * each single-rule key the event evicted (`Cache.refresh`: read from Postgres after the eviction, stored only if
 * no later change of the key landed meanwhile), when this instance read the key lately (two L1 TTLs): a key
 * nobody here reads stays evicted (a replayed or another region's event does not fill the cache). A DNC import's
 * namespace-wide eviction is not reloaded (the list is read back entry by entry). Cache off: nothing to do.
 */
@Injectable()
export class ComplianceCacheRefillListener {
  private readonly logger = new Logger(ComplianceCacheRefillListener.name);
  private readonly refiller = new KeyRefiller((key, error) =>
    this.logger.debug({ key, err: errorMessage(error) }, 'Refill failed'),
  );
  private readonly enabled: boolean;

  constructor(
    private readonly compliance: ComplianceService,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.enabled = config.cache.enabled;
  }

  /** Runs after the consumer's eviction of the event's batch. */
  @ConsumeEvent(Topic.ComplianceRulesChanged, ComplianceRulesChanged.Value)
  onRulesChanged(event: ComplianceRulesChanged.Value): void {
    if (!this.enabled) return;
    for (const key of planEvent(complianceRulesChangedInvalidation, event).keys) {
      if (this.compliance.readLately(key)) this.refiller.refill(key, () => this.compliance.refresh(key));
    }
  }
}
