import { surrogateKeys, toSurrogateKey } from './surrogate-keys';

describe('toSurrogateKey()', () => {
  it('should keep ordinary keys as they are', () => {
    expect(toSurrogateKey('bid:42')).toBe('bid:42');
    expect(toSurrogateKey('bids:buyer:7:active')).toBe('bids:buyer:7:active');
  });

  it('should percent-encode separators, %, quotes, controls and non-ASCII, so a key is one header word', () => {
    expect(toSurrogateKey('a b,c')).toBe('a%20b%2Cc');
    expect(toSurrogateKey('50%')).toBe('50%25');
    expect(toSurrogateKey('"q"\\')).toBe('%22q%22%5C');
    expect(toSurrogateKey('tab\there')).toBe('tab%09here');
    expect(toSurrogateKey('café😀')).toBe('caf%C3%A9%F0%9F%98%80');
    expect(toSurrogateKey('lone\ud800')).toBe('lone%EF%BF%BD');
  });

  it('should keep different keys different', () => {
    expect(toSurrogateKey('a b')).not.toBe(toSurrogateKey('a%20b'));
  });
});

describe('surrogateKeys()', () => {
  it('should normalize, drop empties and de-duplicate in order', () => {
    expect(surrogateKeys(['bid:1', '', 'bids', 'bid:1', 'a b'])).toEqual(['bid:1', 'bids', 'a%20b']);
  });
});
