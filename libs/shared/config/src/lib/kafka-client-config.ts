import { z } from 'zod';
import { hostPortListVar } from './env';
import { parseEnv } from './load-config';
import {
  KafkaSecurityConfig,
  kafkaSecurityIssues,
  kafkaSecurityVars,
  toKafkaSecurity,
} from './kafka-security-config';
import { resolveSecretFiles } from './secret-files';

/**
 * How a tool that only talks to Kafka (no Postgres, no Redis) reaches the brokers: the same `KAFKA_BROKERS`,
 * `KAFKA_CLIENT_ID` and `KAFKA_SASL_*` / `KAFKA_TLS*` variables, checked the same way, as a service's
 * `config.kafka`. An operator can run it with a service's environment, or with only the Kafka part of it.
 */
export interface KafkaClientConfig {
  brokers: string[];
  clientId: string;
  security: KafkaSecurityConfig;
}

const schemaFor = (clientId: string) =>
  z
    .object({
      NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
      KAFKA_BROKERS: hostPortListVar(),
      KAFKA_CLIENT_ID: z.string().min(1).default(clientId),
    })
    .extend(kafkaSecurityVars)
    .superRefine((vars, ctx) => {
      for (const issue of kafkaSecurityIssues(vars))
        ctx.addIssue({ code: 'custom', path: [issue.variable], message: issue.message });
    });

/**
 * Reads the Kafka connection settings from the environment (`KAFKA_SASL_PASSWORD_FILE` included). A
 * missing or malformed variable throws a `ConfigValidationError` naming it, as a service's boot does.
 */
export function loadKafkaClientConfig(
  clientId: string,
  processEnv: Record<string, string | undefined> = process.env,
): KafkaClientConfig {
  const env = resolveSecretFiles(clientId, processEnv, ['KAFKA_SASL_PASSWORD']);
  const vars = parseEnv(clientId, schemaFor(clientId), env);
  return { brokers: vars.KAFKA_BROKERS, clientId: vars.KAFKA_CLIENT_ID, security: toKafkaSecurity(vars) };
}
