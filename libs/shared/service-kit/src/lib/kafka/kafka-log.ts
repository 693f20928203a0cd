import { Logger } from '@nestjs/common';
import { logLevel, LogEntry } from 'kafkajs';

/** Routes kafkajs logs into the service's structured logger instead of kafkajs' own console output. */
export const kafkaLogCreator = () => {
  const logger = new Logger('Kafka');
  return ({ level, log }: LogEntry) => {
    // kafkajs adds its own timestamp; pino already stamps every line.
    const { message, timestamp: _timestamp, ...context } = log;
    if (level === logLevel.ERROR) logger.error(context, message);
    else if (level === logLevel.WARN) logger.warn(context, message);
    else if (level === logLevel.INFO) logger.log(context, message);
    else logger.debug(context, message);
  };
};

/** kafkajs log level matching the service's `LOG_LEVEL` (kafkajs INFO is chatty; keep it at WARN unless debugging). */
export const kafkaLogLevel = (level: string): logLevel =>
  level === 'debug' || level === 'trace'
    ? logLevel.INFO
    : level === 'silent'
      ? logLevel.NOTHING
      : logLevel.WARN;
