import { Module } from '@nestjs/common';
import { CacheModule } from '@platform/cache/nest';
import { ComplianceDataAccessModule } from '@platform/compliance-data-access';
import { ComplianceController } from './compliance.controller';
import { ComplianceGrpcController } from './compliance.grpc.controller';
import { ComplianceService } from './compliance.service';
import { COMPLIANCE_CACHE_NAMESPACE } from './cache/compliance-cache.keys';
import { complianceInvalidationMap } from './listeners/compliance-invalidation.map';
import { ComplianceCacheRefillListener } from './listeners/compliance-cache-refill.listener';
import { provideInvalidationMap } from '@platform/service-kit';
import { complianceConfigProvider } from './compliance.config';
import { PhoneHasher } from './phone-hash';
import { CheckAuditWriter } from './audit/check-audit.writer';
import { ComplianceCheckService } from './compliance-check.service';
import { DncMembership } from './dnc/dnc-membership.service';
import { DncImporter } from './dnc/dnc-importer.service';

/** The compliance service's behaviour: REST, gRPC and Kafka entry points over {@link ComplianceService}. */
@Module({
  imports: [ComplianceDataAccessModule, CacheModule.forFeature(COMPLIANCE_CACHE_NAMESPACE)],
  controllers: [ComplianceController, ComplianceGrpcController],
  providers: [
    provideInvalidationMap(complianceInvalidationMap),
    complianceConfigProvider,
    PhoneHasher,
    ComplianceService,
    CheckAuditWriter,
    ComplianceCheckService,
    DncMembership,
    DncImporter,
    ComplianceCacheRefillListener,
  ],
  exports: [ComplianceService, ComplianceCheckService, DncMembership, DncImporter],
})
export class ComplianceFeatureModule {}
