import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CloudFrontPurger } from './cloudfront.purger';
import { EdgePurgeError } from './edge-purge.error';

/** The services' public paths for a few surrogate keys, as an app would map them. */
const paths = (keys: readonly string[]) =>
  keys.flatMap((key) => {
    if (key === 'bids') return ['/bids*'];
    const bid = /^bid:(.+)$/.exec(key);
    return bid ? [`/bids/${bid[1]}`, `/bids/${bid[1]}/summary`] : [];
  });

/** A real SDK client whose `send` is stubbed: no network, the command objects are the SDK's own. */
function stubbedClient(answer: (command: CreateInvalidationCommand, n: number) => Promise<unknown>) {
  const client = new CloudFrontClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  let n = 0;
  const send = jest
    .spyOn(client, 'send')
    .mockImplementation(((command: CreateInvalidationCommand) => answer(command, ++n)) as never);
  return { client, send };
}

const ok = (_command: CreateInvalidationCommand, n: number) =>
  Promise.resolve({ Invalidation: { Id: `I${n}`, Status: 'InProgress' } });

describe(CloudFrontPurger, () => {
  afterEach(() => jest.restoreAllMocks());

  describe('purgeSurrogateKeys()', () => {
    it('should send one CreateInvalidation with the mapped, de-duplicated paths', async () => {
      const { client, send } = stubbedClient(ok);
      const purger = new CloudFrontPurger({ distributionId: 'E2EXAMPLE', paths, client });

      await purger.purgeSurrogateKeys(['bid:42', 'bid:42', 'bids', 'unmapped']);

      expect(send).toHaveBeenCalledTimes(1);
      const command = send.mock.calls[0][0] as CreateInvalidationCommand;
      expect(command).toBeInstanceOf(CreateInvalidationCommand);
      expect(command.input.DistributionId).toBe('E2EXAMPLE');
      expect(command.input.InvalidationBatch?.Paths).toEqual({
        Quantity: 3,
        Items: ['/bids/42', '/bids/42/summary', '/bids*'],
      });
      expect(command.input.InvalidationBatch?.CallerReference).toMatch(/^platform-cache-\d+-[0-9a-f-]{36}$/);
    });

    it('should split many paths into batches, each with its own CallerReference', async () => {
      const { client, send } = stubbedClient(ok);
      const purger = new CloudFrontPurger({
        distributionId: 'E2EXAMPLE',
        paths,
        client,
        maxPathsPerInvalidation: 2,
      });

      const ids = await purger.purge(['bid:1', 'bid:2', 'bid:3']);

      expect(ids).toEqual(['I1', 'I2', 'I3']);
      const batches = send.mock.calls.map(
        ([command]) => (command as CreateInvalidationCommand).input.InvalidationBatch,
      );
      expect(batches.map((b) => b?.Paths?.Items)).toEqual([
        ['/bids/1', '/bids/1/summary'],
        ['/bids/2', '/bids/2/summary'],
        ['/bids/3', '/bids/3/summary'],
      ]);
      expect(batches.every((b) => b?.Paths?.Quantity === b?.Paths?.Items?.length)).toBe(true);
      expect(new Set(batches.map((b) => b?.CallerReference)).size).toBe(3);
    });

    it('should not call CloudFront when no key maps to a path', async () => {
      const { client, send } = stubbedClient(ok);
      await new CloudFrontPurger({ distributionId: 'E2EXAMPLE', paths, client }).purgeSurrogateKeys([
        'other',
      ]);
      await new CloudFrontPurger({ distributionId: 'E2EXAMPLE', paths, client }).purgeSurrogateKeys([]);
      expect(send).not.toHaveBeenCalled();
    });

    it('should reject with EdgePurgeError carrying the SDK error, after sending every batch', async () => {
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyInvalidationsInProgress' });
      const { client, send } = stubbedClient((command, n) =>
        n === 1 ? Promise.reject(throttled) : ok(command, n),
      );
      const purger = new CloudFrontPurger({
        distributionId: 'E2EXAMPLE',
        paths,
        client,
        maxPathsPerInvalidation: 2,
      });

      const error = await purger.purgeSurrogateKeys(['bid:1', 'bid:2']).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EdgePurgeError);
      expect((error as EdgePurgeError).code).toBe('E_EDGE_PURGE_FAILED');
      expect((error as EdgePurgeError).purger).toBe('cloudfront');
      expect((error as Error).message).toContain(
        'batch 1/2 (2 paths): TooManyInvalidationsInProgress: Rate exceeded',
      );
      expect((error as Error).cause).toBe(throttled);
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('should reject a mapping that yields a path without a leading slash, before calling CloudFront', async () => {
      const { client, send } = stubbedClient(ok);
      const purger = new CloudFrontPurger({ distributionId: 'E2EXAMPLE', paths: () => ['bids/1'], client });
      await expect(purger.purgeSurrogateKeys(['bid:1'])).rejects.toThrow('"bids/1" does not start with /');
      expect(send).not.toHaveBeenCalled();
    });

    it('should build its own SDK client when none is given', async () => {
      const send = jest
        .spyOn(CloudFrontClient.prototype, 'send')
        .mockImplementation((() => Promise.resolve({ Invalidation: { Id: 'I9' } })) as never);
      const purger = new CloudFrontPurger({ distributionId: 'E2EXAMPLE', paths });
      expect(await purger.purge(['bids'])).toEqual(['I9']);
      expect(send).toHaveBeenCalledWith(expect.any(CreateInvalidationCommand));
    });
  });

  describe('constructor', () => {
    it.each([
      [{ paths }, /distributionId/],
      [{ distributionId: 'E', paths: 'x' }, /paths: expected a function/],
      [{ distributionId: 'E', paths, maxPathsPerInvalidation: 5000 }, /maxPathsPerInvalidation/],
    ])('should refuse %j', (options, message) => {
      expect(() => new CloudFrontPurger(options as never)).toThrow(message);
    });
  });
});
