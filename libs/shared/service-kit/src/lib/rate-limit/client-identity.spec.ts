import { grpcClientAddress, httpClientAddress } from './client-identity';

const request = (xff?: string) => ({
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  socket: { remoteAddress: '10.0.0.9' },
});

describe('httpClientAddress()', () => {
  it('should ignore X-Forwarded-For unless proxies are trusted', () => {
    expect(httpClientAddress(request('1.1.1.1'), false)).toBe('10.0.0.9');
  });

  it('should take the left-most hop when every proxy is trusted', () => {
    expect(httpClientAddress(request('1.1.1.1, 2.2.2.2'), true)).toBe('1.1.1.1');
  });

  it('should take the N-th hop from the right with N trusted proxies, so a forged left part is ignored', () => {
    expect(httpClientAddress(request('6.6.6.6, 1.1.1.1'), 1)).toBe('1.1.1.1');
    expect(httpClientAddress(request('6.6.6.6, 1.1.1.1, 2.2.2.2'), 2)).toBe('1.1.1.1');
    expect(httpClientAddress(request('1.1.1.1'), 3)).toBe('1.1.1.1');
  });

  it('should fall back to the socket when the header is absent', () => {
    expect(httpClientAddress(request(), true)).toBe('10.0.0.9');
    expect(httpClientAddress({ headers: {}, raw: { socket: { remoteAddress: '::1' } } }, false)).toBe('::1');
  });
});

describe('grpcClientAddress()', () => {
  it('should drop the scheme and the port', () => {
    expect(grpcClientAddress('ipv4:127.0.0.1:5123')).toBe('127.0.0.1');
    expect(grpcClientAddress('ipv6:[::1]:5123')).toBe('::1');
    expect(grpcClientAddress(undefined)).toBe('unknown');
  });
});
