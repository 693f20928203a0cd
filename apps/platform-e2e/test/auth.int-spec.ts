import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { bearer, grpcTestClient, signTestToken, testAuthEnv } from '@platform/service-kit/testing';
import { ServiceProcess, useIsolatedServices } from './service-process';

/**
 * Auth between real processes: routing and bid both check tokens (`AUTH_MODE=jwt`, one HS256 secret). Bid
 * reads a buyer's routing criteria from routing over gRPC with a token it mints from its own credentials
 * (`service:bid`, scope `routing:read`, the default for a service whose peer is routing); routing refuses
 * the same call without one.
 */
describe('auth between services (real processes, AUTH_MODE=jwt in both)', () => {
  const services = useIsolatedServices('auth');
  let routing: ServiceProcess;
  let bid: ServiceProcess;

  beforeAll(async () => {
    routing = await services.start('routing', testAuthEnv());
    bid = await services.start('bid', { ...testAuthEnv(), ROUTING_GRPC_ADDRESS: routing.grpcAddress });
  }, 180000);

  it('should answer 401 without a token and 403 without the scope on both services, health and metrics open', async () => {
    for (const service of [routing, bid]) {
      const path = service === bid ? '/bids/buyers/b-1/active' : '/routing/buyers/b-1';
      const none = await fetch(service.httpUrl + path);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ code: 'E_UNAUTHENTICATED' });
      const wrong = await fetch(service.httpUrl + path, {
        headers: bearer(await signTestToken({ scopes: ['analytics:read'] })),
      });
      expect(wrong.status).toBe(403);
      for (const open of ['/health/ready', '/metrics'])
        expect((await fetch(service.httpUrl + open)).status).toBe(200);
    }
  });

  it("should let bid read routing's criteria over gRPC with its own token", async () => {
    const buyerId = `buyer-${services.run}-${randomUUID().slice(0, 8)}`;
    const put = await fetch(`${routing.httpUrl}/routing/buyers/${buyerId}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        ...bearer(await signTestToken({ scopes: ['routing:write'], sub: 'ops' })),
      },
      body: JSON.stringify({ states: ['CA'], minBidCents: 123, maxConcurrentCalls: 5, priority: 1 }),
    });
    expect(put.status).toBe(201);

    const active = await fetch(`${bid.httpUrl}/bids/buyers/${buyerId}/active`, {
      headers: bearer(await signTestToken({ scopes: ['bid:read'], sub: 'ops' })),
    });
    expect(active.status).toBe(200);
    expect(await active.json()).toMatchObject({ routing: { minBidCents: 123 } });

    // The same gRPC call without bid's token is refused by routing.
    const anonymous = grpcTestClient('routing', routing.grpcAddress);
    try {
      const refused = await anonymous.call('getBuyerCriteria', { buyerId }).then(
        () => undefined,
        (error: ServiceError) => error,
      );
      expect(refused?.code).toBe(GrpcStatus.UNAUTHENTICATED);
      const withBidScope = await anonymous.call(
        'getBuyerCriteria',
        { buyerId },
        bearer(await signTestToken({ scopes: ['routing:read'], sub: 'service:bid' })),
      );
      expect(withBidScope).toMatchObject({ criteria: { buyerId, minBidCents: 123 } });
    } finally {
      anonymous.close();
    }
  });
});
