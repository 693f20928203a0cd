import type { ServiceConfig } from '@platform/config';
import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Structured JSON logs (pino): one line per event with `service`, request id and correlation id.
 * Health probes are not logged (they would drown everything else); auth headers are redacted.
 */
export function loggerOptions(config: ServiceConfig): Params {
  return {
    pinoHttp: {
      level: config.log.level,
      base: { service: config.name },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label: string) => ({ level: label }) },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      genReqId: (req: IncomingMessage) => {
        const header = req.headers['x-request-id'];
        return (Array.isArray(header) ? header[0] : header) ?? randomUUID();
      },
      autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
    },
  };
}
