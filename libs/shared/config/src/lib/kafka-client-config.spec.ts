import { ConfigValidationError } from './config-validation.error';
import { loadKafkaClientConfig } from './kafka-client-config';

describe('loadKafkaClientConfig()', () => {
  it('should read the brokers and default the client id, without any Postgres or Redis variable', () => {
    expect(loadKafkaClientConfig('dlq', { KAFKA_BROKERS: 'a:9092, b:9092' })).toEqual({
      brokers: ['a:9092', 'b:9092'],
      clientId: 'dlq',
      security: { sasl: null, tls: null },
    });
  });

  it('should read SASL settings the way a service does', () => {
    const config = loadKafkaClientConfig('dlq', {
      KAFKA_BROKERS: 'a:9092',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'ops',
      KAFKA_SASL_PASSWORD: 'secret',
    });
    expect(config.security.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'ops', password: 'secret' });
  });

  it.each([
    [{}, ['KAFKA_BROKERS']],
    [
      { KAFKA_BROKERS: 'a:9092', KAFKA_SASL_MECHANISM: 'scram-sha-256' },
      ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'],
    ],
  ])('should name the variables at fault in %j', (env: Record<string, string>, variables: string[]) => {
    const issues = () => {
      try {
        loadKafkaClientConfig('dlq', env);
      } catch (error) {
        if (error instanceof ConfigValidationError) return error.issues.map((issue) => issue.variable);
        throw error;
      }
      return [];
    };
    expect(issues()).toEqual(variables);
  });
});
