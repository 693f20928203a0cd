import { CompositePurger } from './composite.purger';
import { EdgePurgeError } from './edge-purge.error';
import type { EdgePurger } from './edge-purger';

const recording = (name: string, failure?: Error) => {
  const calls: (readonly string[])[] = [];
  const purger: EdgePurger = {
    name,
    purgeSurrogateKeys: async (keys) => {
      calls.push(keys);
      if (failure) throw failure;
    },
  };
  return { purger, calls };
};

describe(CompositePurger, () => {
  describe('purgeSurrogateKeys()', () => {
    it('should purge through every purger', async () => {
      const a = recording('varnish');
      const b = recording('cloudfront');
      const composite = new CompositePurger([a.purger, b.purger]);
      await composite.purgeSurrogateKeys(['bid:1']);
      expect(composite.name).toBe('varnish+cloudfront');
      expect(a.calls).toEqual([['bid:1']]);
      expect(b.calls).toEqual([['bid:1']]);
    });

    it('should still call the others when one fails, then reject naming it', async () => {
      const a = recording('varnish', new Error('connection refused'));
      const b = recording('cloudfront');
      const error = await new CompositePurger([a.purger, b.purger]).purgeSurrogateKeys(['k']).catch((e) => e);
      expect(error).toBeInstanceOf(EdgePurgeError);
      expect(error.code).toBe('E_EDGE_PURGE_FAILED');
      expect(error.message).toContain('varnish: connection refused');
      expect(b.calls).toEqual([['k']]);
    });
  });
});
