import { COMPLIANCE_DATABASE } from '@platform/compliance-data-access';
import { Topic } from '@platform/contracts';
import { grpcPackage, protoPath } from '@platform/proto';
import type { ServiceSpec } from '@platform/service-kit';
import { ComplianceFeatureModule } from './compliance-feature.module';

/** How the compliance service is assembled; `apps/compliance` runs it, tests start it. */
export const complianceServiceSpec = (): ServiceSpec => ({
  defaults: { name: 'compliance', httpPort: 3103, grpcPort: 5103, dbSchema: 'compliance' },
  features: [ComplianceFeatureModule],
  database: COMPLIANCE_DATABASE,
  // With auth on, these gRPC methods need `<service>:read`; every other one `<service>:write` (checks are
  // audited: they write).
  grpc: {
    package: grpcPackage.compliance,
    protoPath: protoPath('compliance'),
    readMethods: ['GetTcpaRuleSet', 'GetActiveTcpaRuleSet', 'CheckDnc', 'GetStateRule'],
  },
  kafka: {
    consumes: [Topic.CallRecorded, Topic.ComplianceRulesChanged],
    produces: [Topic.ComplianceRulesChanged],
  },
});
