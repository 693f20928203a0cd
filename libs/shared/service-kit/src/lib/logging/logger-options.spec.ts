import { loadServiceConfig } from '@platform/config';
import pino from 'pino';
import { Writable } from 'node:stream';
import { loggerOptions, REDACTED, requestLogLevel } from './logger-options';

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

  describe('redact', () => {
    /** Logs `object` through a pino logger with the service's formatters and serializers; the JSON line. */
    const logLine = (object: object): Record<string, unknown> => {
      const lines: string[] = [];
      const sink = new Writable({
        write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()),
      });
      const { formatters, serializers } = loggerOptions(config).pinoHttp as pino.LoggerOptions;
      pino({ formatters, serializers }, sink).info(object, 'message');
      return JSON.parse(lines[0]) as Record<string, unknown>;
    };
    const SECRET = 'super-secret-value-1234567890';

    it('should redact credentials at the top of a line and inside logged objects', () => {
      const sent = {
        authorization: `Bearer ${SECRET}`,
        password: SECRET,
        token: SECRET,
        headers: { authorization: `Bearer ${SECRET}`, cookie: `session=${SECRET}`, 'x-api-key': SECRET },
        request: { headers: { authorization: `Bearer ${SECRET}`, 'set-cookie': SECRET } },
        req: { url: '/x', headers: { authorization: `Bearer ${SECRET}` } },
        sasl: { mechanism: 'scram-sha-256', username: 'bid', password: SECRET },
        client: { accessToken: SECRET, clientSecret: SECRET, refresh_token: SECRET },
        call: { phoneNumber: '+14155550100' },
        batch: [{ phone: '+14155550100' }],
      };
      const copy = JSON.stringify(sent);
      const line = logLine(sent);
      expect(JSON.stringify(line)).not.toContain(SECRET);
      expect(JSON.stringify(line)).not.toContain('4155550100');
      expect(line).toMatchObject({
        authorization: REDACTED,
        password: REDACTED,
        headers: { authorization: REDACTED, cookie: REDACTED, 'x-api-key': REDACTED },
        request: { headers: { authorization: REDACTED, 'set-cookie': REDACTED } },
        req: { path: '/x' },
        sasl: { mechanism: 'scram-sha-256', username: 'bid', password: REDACTED },
        call: { phoneNumber: REDACTED },
        batch: [{ phone: REDACTED }],
      });
      // The caller's object is left as it was.
      expect(JSON.stringify(sent)).toBe(copy);
    });

    it("should redact what an error's own fields carry", () => {
      const error = Object.assign(new Error('request failed'), {
        config: { headers: { authorization: `Bearer ${SECRET}` } },
      });
      const line = logLine({ err: error });
      expect(JSON.stringify(line)).not.toContain(SECRET);
      expect(line).toMatchObject({
        err: { message: 'request failed', config: { headers: { authorization: REDACTED } } },
      });
    });

    it('should leave other fields alone, and a sensitive name more than two objects down', () => {
      expect(
        logLine({ bidId: 'b-1', buyer: { id: 'x', states: ['CA'] }, a: { b: { c: { token: 'kept' } } } }),
      ).toMatchObject({
        bidId: 'b-1',
        buyer: { id: 'x', states: ['CA'] },
        a: { b: { c: { token: 'kept' } } },
      });
    });
  });
});
