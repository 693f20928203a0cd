import { startVarnish, type VarnishHandle } from '@platform/cache/testing';
import { freePort, useTestService, type ServiceUnderTest } from '@platform/service-kit/testing';
import { analyticsServiceSpec } from '../src';

/** An analytics instance for a suite, behind its own edge. */
export interface AnalyticsBehindVarnish {
  readonly service: ServiceUnderTest;
  /** The edge's URL (read inside tests and hooks). */
  edgeUrl(): string;
}

/**
 * Starts one analytics instance for the suite behind a throwaway varnishd running the repository VCL, on the
 * real Postgres, Redis and Kafka. The edge starts before the service (its purger points at it) and stops after
 * it. `overrides` are the service's settings (schema, cache prefix, consumer group, …).
 */
export function useAnalyticsBehindVarnish(overrides: Record<string, string>): AnalyticsBehindVarnish {
  const port = { http: 0 };
  let varnish: VarnishHandle | undefined;
  beforeAll(async () => {
    port.http = await freePort();
    varnish = await startVarnish({ backendPort: port.http, listener: 'analytics' });
  }, 60000);
  // The getters are read when the service starts, after the edge is up.
  const service = useTestService(analyticsServiceSpec(), 'analytics', {
    ...overrides,
    get HTTP_PORT() {
      return String(port.http);
    },
    get EDGE_VARNISH_URLS() {
      return (varnish as VarnishHandle).url;
    },
  });
  afterAll(async () => {
    await varnish?.stop();
  }, 60000);
  return {
    service,
    edgeUrl: () => {
      if (varnish === undefined)
        throw new Error('useAnalyticsBehindVarnish: read the edge inside a test or hook');
      return varnish.url;
    },
  };
}
