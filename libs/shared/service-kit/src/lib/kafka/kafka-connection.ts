import type { KafkaSecurityConfig } from '@platform/config';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

/** The part of a kafkajs client's options that says how it connects: TLS and SASL. */
export type KafkaConnectionOptions = Pick<KafkaConfig, 'ssl' | 'sasl'>;

/**
 * The kafkajs `ssl` and `sasl` options for a service's Kafka security settings (`config.kafka.security`).
 * Every kafkajs client a service (or a test talking to a service's broker) creates takes its connection
 * options from here, so the producer, the consumer, the admin and the dead-letter producer authenticate
 * the same way. TLS always verifies the broker's certificate (against `KAFKA_TLS_CA_FILE`, or the system's
 * CAs); there is no switch to turn that off.
 */
export function kafkaConnectionOptions(security: KafkaSecurityConfig): KafkaConnectionOptions {
  const options: KafkaConnectionOptions = {};
  if (security.tls) {
    const { ca, cert, key, servername } = security.tls;
    options.ssl = {
      rejectUnauthorized: true,
      ...(ca !== undefined && { ca: [ca] }),
      ...(cert !== undefined && { cert }),
      ...(key !== undefined && { key }),
      ...(servername !== undefined && { servername }),
    };
  }
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    options.sasl = { mechanism, username, password } as SASLOptions;
  }
  return options;
}

/**
 * Kafka refused the service's SASL credentials. Thrown at boot instead of kafkajs' own error, so the
 * operator reads which user, mechanism and brokers were refused; kafkajs does not retry it (a wrong
 * password does not get better), so the service stops rather than reconnecting forever.
 */
export class KafkaAuthenticationError extends Error {
  /** Stable code for logs and alerts. */
  readonly code = 'KAFKA.AUTHENTICATION_FAILED';

  constructor(
    readonly username: string,
    readonly mechanism: string,
    readonly brokers: readonly string[],
    cause: unknown,
  ) {
    super(
      `Kafka refused the credentials of user "${username}" (SASL ${mechanism.toUpperCase()}) at ` +
        `${brokers.join(',')}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) and KAFKA_SASL_MECHANISM.',
      { cause },
    );
    this.name = 'KafkaAuthenticationError';
  }
}

/** Whether `error` is kafkajs' SASL authentication failure (its classes are not exported as values we can rely on). */
export const isKafkaAuthenticationFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'KafkaJSSASLAuthenticationError';

/**
 * `error` as a {@link KafkaAuthenticationError} naming the user when it is a SASL authentication failure,
 * otherwise unchanged.
 */
export function explainKafkaError(
  error: unknown,
  security: KafkaSecurityConfig,
  brokers: readonly string[],
): unknown {
  if (!isKafkaAuthenticationFailure(error) || !security.sasl) return error;
  return new KafkaAuthenticationError(security.sasl.username, security.sasl.mechanism, brokers, error);
}
