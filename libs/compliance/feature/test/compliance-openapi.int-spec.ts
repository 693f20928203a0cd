import { itServesADocumentedApi, useTestService } from '@platform/service-kit/testing';
import { complianceServiceSpec } from '../src';

describe('compliance service OpenAPI document (real stack)', () => {
  const service = useTestService(complianceServiceSpec(), 'compliance', { LOG_LEVEL: 'fatal' });
  itServesADocumentedApi(service, 14);
});
