import { loadServiceConfig } from '@platform/config';
import { loggerOptions, requestLogLevel } from './logger-options';

describe('loggerOptions()', () => {
  const config = loadServiceConfig(
    { name: 'compliance', httpPort: 1, grpcPort: 2, dbSchema: 'compliance' },
    { DATABASE_URL: 'postgres://u:p@h:1/d', REDIS_URL: 'redis://h:1', KAFKA_BROKERS: 'h:1' },
  );
  const http = loggerOptions(config).pinoHttp as {
    serializers: {
      req: (req: object) => Record<string, unknown>;
      res: (res: object) => Record<string, unknown>;
    };
    autoLogging: { ignore: (req: { url?: string }) => boolean };
  };

  it('should log the request path without its query string or headers', () => {
    const logged = http.serializers.req({
      id: 'r1',
      method: 'GET',
      url: '/compliance/dnc/check?phoneNumber=%2B14155550100',
      headers: { authorization: 'Bearer secret' },
    });
    expect(logged).toEqual({ id: 'r1', method: 'GET', path: '/compliance/dnc/check' });
    expect(JSON.stringify(logged)).not.toContain('4155550100');
  });

  it('should log a path segment that is a phone number, in any written form, as :phone', () => {
    for (const number of [
      '%2B14155550100',
      '+14155550100',
      '14155550100',
      '4155550100',
      '(415)%20555-0100',
    ]) {
      const logged = http.serializers.req({
        id: 'r1',
        method: 'DELETE',
        url: `/compliance/dnc/${number}?x=1`,
      });
      expect(logged['path']).toBe('/compliance/dnc/:phone');
    }
    const kept = [
      '/compliance/dnc/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      '/analytics/calls/2026-12-05/13',
      '/bids/42',
    ];
    for (const url of kept) expect(http.serializers.req({ id: 'r1', method: 'GET', url })['path']).toBe(url);
  });

  it('should log only the status of a response, not its headers', () => {
    expect(http.serializers.res({ statusCode: 201, headers: { 'set-cookie': 'session=1' } })).toEqual({
      statusCode: 201,
    });
  });

  it('should not log health probes', () => {
    expect(http.autoLogging.ignore({ url: '/health/ready' })).toBe(true);
    expect(http.autoLogging.ignore({ url: '/bids' })).toBe(false);
  });

  it('should log successful reads at debug, writes at info and failures at warn or error', () => {
    expect(requestLogLevel({ method: 'GET' }, { statusCode: 200 })).toBe('debug');
    expect(requestLogLevel({ method: 'HEAD' }, { statusCode: 304 })).toBe('debug');
    expect(requestLogLevel({ method: 'POST' }, { statusCode: 201 })).toBe('info');
    expect(requestLogLevel({ method: 'GET' }, { statusCode: 404 })).toBe('warn');
    expect(requestLogLevel({ method: 'GET' }, { statusCode: 503 })).toBe('error');
    expect(requestLogLevel({ method: 'PATCH' }, { statusCode: 200 }, new Error('x'))).toBe('error');
  });
});
