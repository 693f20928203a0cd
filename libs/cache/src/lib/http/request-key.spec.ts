import {
  buildRequestKey,
  DEFAULT_IGNORED_QUERY_PARAMS,
  defaultIdentity,
  normalizeQuery,
  splitUrl,
} from './request-key';

const request = (headers: Record<string, string> = {}, user?: unknown) => ({
  method: 'GET',
  url: '/x',
  headers,
  user,
});

describe('normalizeQuery()', () => {
  const normalize = (query: string) => normalizeQuery(query, DEFAULT_IGNORED_QUERY_PARAMS);

  it('should sort parameters by name', () => {
    expect(normalize('b=2&a=1&c=3')).toBe('a=1&b=2&c=3');
  });

  it('should keep repeated parameters, in their order', () => {
    expect(normalize('tag=z&a=1&tag=y')).toBe('a=1&tag=z&tag=y');
    expect(normalize('tag=y&tag=z')).not.toBe(normalize('tag=z&tag=y'));
  });

  it('should drop empty values and tracking parameters', () => {
    expect(normalize('a=1&empty=&bare&utm_source=x&UTM_Medium=y&fbclid=1&gclid=2&_ga=3')).toBe('a=1');
  });

  it('should use the configured ignore list instead of the default', () => {
    expect(normalizeQuery('utm_source=x&session=1&a=1', ['session', /^x-/])).toBe('a=1&utm_source=x');
    expect(normalizeQuery('x-debug=1&a=1', [/^x-/g])).toBe('a=1');
    expect(normalizeQuery('x-debug=1&a=1', [/^x-/g])).toBe('a=1'); // a global regex keeps no state
  });

  it('should encode equivalent spellings one way', () => {
    expect(normalize('q=a%20b')).toBe(normalize('q=a+b'));
    expect(normalize('q=%C3%A9')).toBe(normalize('q=é'));
  });

  it('should return an empty string for no query', () => {
    expect(normalize('')).toBe('');
    expect(normalize('utm_source=x')).toBe('');
  });
});

describe('splitUrl()', () => {
  it('should split the path from the query', () => {
    expect(splitUrl('/bids/1?a=1&b=2')).toEqual({ path: '/bids/1', query: 'a=1&b=2' });
    expect(splitUrl('/bids/1')).toEqual({ path: '/bids/1', query: '' });
  });
});

describe('defaultIdentity()', () => {
  it('should read the user id, sub or userId', () => {
    expect(defaultIdentity(request({}, { id: 7 }))).toBe('user.id:7');
    expect(defaultIdentity(request({}, { sub: 'auth0|1' }))).toBe('user.sub:auth0|1');
    expect(defaultIdentity(request({}, { userId: 'u1' }))).toBe('user.userId:u1');
    expect(defaultIdentity(request({}, 'bob'))).toBe('user:bob');
  });

  it('should fall back to the whole user object, then to the Authorization header', () => {
    expect(defaultIdentity(request({}, { name: 'x' }))).toBe('user:{"name":"x"}');
    expect(defaultIdentity(request({ authorization: 'Bearer t' }))).toBe('authorization:Bearer t');
  });

  it('should fall back to the Cookie header, so a session-authenticated caller is never anonymous', () => {
    expect(defaultIdentity(request({ cookie: 'sid=abc' }))).toBe('cookie:sid=abc');
    expect(defaultIdentity(request({ authorization: 'Bearer t', cookie: 'sid=abc' }))).toBe(
      'authorization:Bearer t',
    );
  });

  it('should be undefined for anonymous requests', () => {
    expect(defaultIdentity(request())).toBeUndefined();
    expect(defaultIdentity(request({ authorization: '' }))).toBeUndefined();
  });
});

describe('buildRequestKey()', () => {
  it('should assemble base, query, tenant, headers and a hashed user', () => {
    const key = buildRequestKey({
      base: 'bid:42',
      query: 'a=1',
      tenant: 'acme',
      headers: [['accept-language', 'en-GB']],
      identity: 'user.id:alice',
    });
    expect(key).toMatch(/^bid:42\?a=1\|t=acme\|h\.accept-language=en-GB\|u=[\w-]{22}$/);
    expect(key).not.toContain('alice');
  });

  it('should give different users different keys, and the same user the same key', () => {
    const alice = buildRequestKey({ base: '/me', query: '', identity: 'user.id:alice' });
    const bob = buildRequestKey({ base: '/me', query: '', identity: 'user.id:bob' });
    const anonymous = buildRequestKey({ base: '/me', query: '' });
    expect(alice).not.toBe(bob);
    expect(alice).not.toBe(anonymous);
    expect(buildRequestKey({ base: '/me', query: '', identity: 'user.id:alice' })).toBe(alice);
  });

  it('should tell an absent vary header from an empty one and from a value', () => {
    const absent = buildRequestKey({ base: '/r', query: '', headers: [['x-a', undefined]] });
    const present = buildRequestKey({ base: '/r', query: '', headers: [['x-a', 'v']] });
    expect(absent).not.toBe(present);
  });

  it('should not let a vary value forge another part of the key', () => {
    const forged = buildRequestKey({ base: '/r', query: '', tenant: 'a|u=x' });
    expect(forged).toBe('/r|t=a%7Cu%3Dx');
  });

  it('should hash long values and cap long keys', () => {
    const longTenant = buildRequestKey({ base: '/r', query: '', tenant: 't'.repeat(100) });
    expect(longTenant).toMatch(/^\/r\|t=#[\w-]{22}$/);
    const long = buildRequestKey({ base: `/${'p'.repeat(1000)}`, query: '' });
    expect(long.length).toBeLessThan(260);
    expect(long).not.toBe(buildRequestKey({ base: `/${'p'.repeat(999)}q`, query: '' }));
  });
});
