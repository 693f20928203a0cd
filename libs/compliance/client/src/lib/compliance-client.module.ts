import { Module } from '@nestjs/common';
import { CacheModule } from '@platform/cache/nest';
import { COMPLIANCE_CLIENT_CACHES } from './compliance-client.constants';
import { ComplianceClient } from './compliance.client';

/**
 * Compliance's API for other services: import it in a feature module to inject {@link ComplianceClient}.
 * Needs the service kit (its config, with `COMPLIANCE_PEER` among the service's peers) and the root cache.
 */
@Module({
  imports: [CacheModule.forFeature(Object.values(COMPLIANCE_CLIENT_CACHES))],
  providers: [ComplianceClient],
  exports: [ComplianceClient],
})
export class ComplianceClientModule {}
