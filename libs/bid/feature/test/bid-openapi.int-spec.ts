import { itServesADocumentedApi, useTestService } from '@platform/service-kit/testing';
import { bidServiceSpec } from '../src';

describe.each(['fastify', 'express'])('bid service OpenAPI document on %s (real stack)', (adapter) => {
  const service = useTestService(bidServiceSpec(), 'bid', { HTTP_ADAPTER: adapter, LOG_LEVEL: 'fatal' });
  itServesADocumentedApi(service, 13);
});
