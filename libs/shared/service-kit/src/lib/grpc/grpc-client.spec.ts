import { UpstreamUnavailableError } from '../errors/domain.error';
import { createGrpcClient } from './grpc-client';

describe('createGrpcClient()', () => {
  it('should reject a call made after close() as unavailable, not hang with the error unhandled', async () => {
    // Nothing listens there; the call never gets that far, since the client is closed first.
    const client = createGrpcClient('routing', '127.0.0.1:9');
    client.close();
    const call = client.call('getBuyerCriteria', { buyerId: 'b-1' });
    await expect(call).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(call).rejects.toMatchObject({
      code: 'ROUTING.UNAVAILABLE',
      message: expect.stringContaining('RoutingService.getBuyerCriteria'),
    });
  });
});
