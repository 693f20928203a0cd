import { etagMatches, strongEtag } from './etag';

describe('strongEtag()', () => {
  it('should be a quoted hash of the body bytes, stable and sensitive to every byte', () => {
    const tag = strongEtag('{"id":1}');
    expect(tag).toMatch(/^"[\w-]{22}"$/);
    expect(strongEtag('{"id":1}')).toBe(tag);
    expect(strongEtag('{"id":2}')).not.toBe(tag);
    expect(strongEtag('é')).not.toBe(strongEtag('e'));
  });
});

describe('etagMatches()', () => {
  const tag = '"abc"';

  it('should match the same tag, weak or strong, alone or in a list', () => {
    expect(etagMatches('"abc"', tag)).toBe(true);
    expect(etagMatches('W/"abc"', tag)).toBe(true);
    expect(etagMatches('"x", "abc"', tag)).toBe(true);
    expect(etagMatches(['"x"', '"abc"'], tag)).toBe(true);
  });

  it('should match * and nothing else', () => {
    expect(etagMatches('*', tag)).toBe(true);
    expect(etagMatches('"abcd"', tag)).toBe(false);
    expect(etagMatches('abc', tag)).toBe(false);
    expect(etagMatches(undefined, tag)).toBe(false);
    expect(etagMatches('', tag)).toBe(false);
  });
});
