import { Module } from '@nestjs/common';
import { ComplianceDataAccessModule } from '@platform/compliance-data-access';
import { ComplianceController } from './compliance.controller';
import { ComplianceGrpcController } from './compliance.grpc.controller';
import { ComplianceService } from './compliance.service';
import { CallRecordedListener } from './listeners/call-recorded.listener';

/** The compliance service's behaviour: REST, gRPC and Kafka entry points over {@link ComplianceService}. */
@Module({
  imports: [ComplianceDataAccessModule],
  controllers: [ComplianceController, ComplianceGrpcController, CallRecordedListener],
  providers: [ComplianceService],
  exports: [ComplianceService],
})
export class ComplianceFeatureModule {}
