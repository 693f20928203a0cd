import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { boolVar } from './env';

/** Values of `KAFKA_SASL_MECHANISM`, as kafkajs names them. Unset: no SASL. */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;

/** One of {@link KAFKA_SASL_MECHANISMS}. */
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * How a service proves who it is to Kafka and protects the connection (`KAFKA_SASL_*`, `KAFKA_TLS*`).
 * Both `null`: PLAINTEXT, as the local stack runs. PEM material is read at boot, so an unreadable file
 * stops the service naming its variable instead of failing at the first connection.
 */
export interface KafkaSecurityConfig {
  /** SASL credentials (`KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD[_FILE]`). */
  sasl: { mechanism: KafkaSaslMechanism; username: string; password: string } | null;
  /**
   * TLS (`KAFKA_TLS=true`): `ca` (`KAFKA_TLS_CA_FILE`; default: the system's CAs), a client certificate and
   * key for brokers that require one (`KAFKA_TLS_CERT_FILE` + `KAFKA_TLS_KEY_FILE`), and the name the
   * broker's certificate must carry when it differs from the broker host (`KAFKA_TLS_SERVERNAME`).
   */
  tls: { ca?: string; cert?: string; key?: string; servername?: string } | null;
}

/** A PEM file given by path: its content, or an issue naming the variable when it is unreadable or not PEM. */
const pemFileVar = () =>
  z
    .string()
    .min(1, 'must be a file path')
    .transform((path, ctx) => {
      try {
        const text = readFileSync(path, 'utf8');
        if (!text.includes('-----BEGIN ')) {
          ctx.addIssue({ code: 'custom', message: `is not a PEM file: ${path}` });
          return z.NEVER;
        }
        return text;
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        ctx.addIssue({ code: 'custom', message: `cannot be read (${reason}): ${path}` });
        return z.NEVER;
      }
    });

/** The Kafka security variables, for `.extend()` of the service schema (PEM files are read here). */
export const kafkaSecurityVars = {
  KAFKA_SASL_MECHANISM: z
    .enum(KAFKA_SASL_MECHANISMS, { message: `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}` })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_TLS: boolVar().default(false),
  KAFKA_TLS_CA_FILE: pemFileVar().optional(),
  KAFKA_TLS_CERT_FILE: pemFileVar().optional(),
  KAFKA_TLS_KEY_FILE: pemFileVar().optional(),
  KAFKA_TLS_SERVERNAME: z.string().min(1).optional(),
};

/** The parsed Kafka security variables and `NODE_ENV`. */
export interface KafkaSecurityVars {
  NODE_ENV: string;
  KAFKA_SASL_MECHANISM?: KafkaSaslMechanism;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_TLS: boolean;
  KAFKA_TLS_CA_FILE?: string;
  KAFKA_TLS_CERT_FILE?: string;
  KAFKA_TLS_KEY_FILE?: string;
  KAFKA_TLS_SERVERNAME?: string;
}

/** What is wrong with the Kafka security variables taken together (each alone already passed its check). */
export function kafkaSecurityIssues(vars: KafkaSecurityVars): { variable: string; message: string }[] {
  const issues: { variable: string; message: string }[] = [];
  const mechanism = vars.KAFKA_SASL_MECHANISM;
  if (mechanism !== undefined) {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (vars[name] === undefined) {
        const hint = name === 'KAFKA_SASL_PASSWORD' ? ' (or KAFKA_SASL_PASSWORD_FILE)' : '';
        issues.push({ variable: name, message: `is required when KAFKA_SASL_MECHANISM is set${hint}` });
      }
    }
    if (mechanism === 'plain' && !vars.KAFKA_TLS && vars.NODE_ENV === 'production') {
      issues.push({
        variable: 'KAFKA_SASL_MECHANISM',
        message:
          'is plain without KAFKA_TLS=true: PLAIN sends the password in clear text, refused in production; ' +
          'set KAFKA_TLS=true or use scram-sha-256/scram-sha-512',
      });
    }
  } else {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (vars[name] !== undefined) {
        issues.push({
          variable: name,
          message: 'is set but KAFKA_SASL_MECHANISM is not; set both or neither',
        });
      }
    }
  }
  const tlsFiles = [
    'KAFKA_TLS_CA_FILE',
    'KAFKA_TLS_CERT_FILE',
    'KAFKA_TLS_KEY_FILE',
    'KAFKA_TLS_SERVERNAME',
  ] as const;
  if (!vars.KAFKA_TLS) {
    for (const name of tlsFiles) {
      if (vars[name] !== undefined) {
        issues.push({
          variable: name,
          message: 'is set but KAFKA_TLS is not true; set KAFKA_TLS=true to use it',
        });
      }
    }
  }
  if ((vars.KAFKA_TLS_CERT_FILE === undefined) !== (vars.KAFKA_TLS_KEY_FILE === undefined)) {
    const missing = vars.KAFKA_TLS_CERT_FILE === undefined ? 'KAFKA_TLS_CERT_FILE' : 'KAFKA_TLS_KEY_FILE';
    issues.push({
      variable: missing,
      message: 'is required: a client certificate needs both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE',
    });
  }
  return issues;
}

/** The Kafka security settings of variables that passed {@link kafkaSecurityIssues}. */
export function toKafkaSecurity(vars: KafkaSecurityVars): KafkaSecurityConfig {
  const sasl =
    vars.KAFKA_SASL_MECHANISM === undefined
      ? null
      : {
          mechanism: vars.KAFKA_SASL_MECHANISM,
          username: vars.KAFKA_SASL_USERNAME as string,
          password: vars.KAFKA_SASL_PASSWORD as string,
        };
  if (!vars.KAFKA_TLS) return { sasl, tls: null };
  const tls: NonNullable<KafkaSecurityConfig['tls']> = {};
  if (vars.KAFKA_TLS_CA_FILE !== undefined) tls.ca = vars.KAFKA_TLS_CA_FILE;
  if (vars.KAFKA_TLS_CERT_FILE !== undefined) tls.cert = vars.KAFKA_TLS_CERT_FILE;
  if (vars.KAFKA_TLS_KEY_FILE !== undefined) tls.key = vars.KAFKA_TLS_KEY_FILE;
  if (vars.KAFKA_TLS_SERVERNAME !== undefined) tls.servername = vars.KAFKA_TLS_SERVERNAME;
  return { sasl, tls };
}
