import { itServesADocumentedApi, useTestService } from '@platform/service-kit/testing';
import { routingServiceSpec } from '../src';

describe('routing service OpenAPI document (real stack)', () => {
  const service = useTestService(routingServiceSpec(), 'routing', { LOG_LEVEL: 'fatal' });
  itServesADocumentedApi(service, 10);
});
