import { MutationLog } from './mutation-log';

describe('MutationLog', () => {
  it('should report a change of the key, of one of its tags, or of a prefix of it after the mark', () => {
    const log = new MutationLog();
    const mark = log.beginRead();
    log.applied({ type: 'keys', keys: ['a:1'] });
    log.applied({ type: 'tags', tags: ['t1'] });
    log.applied({ type: 'prefix', prefix: 'p:' });
    expect(log.changedSince('a:1', mark)).toBe(true);
    expect(log.changedSince('a:2', mark, ['t1'])).toBe(true);
    expect(log.changedSince('p:9', mark)).toBe(true);
    expect(log.changedSince('a:2', mark, ['t2'])).toBe(false);
    expect(log.changedSince('q:9', mark)).toBe(false);
  });

  it('should not report changes made before the mark', () => {
    const log = new MutationLog();
    log.beginRead();
    log.applied({ type: 'tags', tags: ['t'] });
    log.mutated('k');
    const mark = log.beginRead();
    expect(log.changedSince('k', mark, ['t'])).toBe(false);
  });

  it('should report every key after a clear of everything', () => {
    const log = new MutationLog();
    const mark = log.beginRead();
    log.applied({ type: 'all' });
    expect(log.changedSince('anything', mark)).toBe(true);
    const later = log.beginRead();
    log.mutated(undefined);
    expect(log.changedSince('other', later)).toBe(true);
  });

  it('should keep no marks while no read is in flight, and drop them when the last read ends', () => {
    const log = new MutationLog();
    log.applied({ type: 'tags', tags: ['t'] });
    const mark = log.beginRead();
    expect(log.changedSince('k', mark - 1, ['t'])).toBe(false);
    log.applied({ type: 'tags', tags: ['t'] });
    log.endRead();
    const next = log.beginRead();
    expect(log.changedSince('k', next - 1, ['t'])).toBe(false);
  });

  it('should fall back to a bulk change once the prefix marks overflow (never to a missed change)', () => {
    const log = new MutationLog();
    const mark = log.beginRead();
    for (let i = 0; i < 300; i++) log.applied({ type: 'prefix', prefix: `p${i}:` });
    expect(log.changedSince('p0:k', mark)).toBe(true);
    expect(log.changedSince('unrelated', mark)).toBe(true);
  });
});
