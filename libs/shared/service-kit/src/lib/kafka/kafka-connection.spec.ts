import { explainKafkaError, KafkaAuthenticationError, kafkaConnectionOptions } from './kafka-connection';

const sasl = { mechanism: 'scram-sha-256', username: 'bid', password: 'pw' } as const;

describe(kafkaConnectionOptions, () => {
  it('should add nothing for a plaintext broker', () => {
    expect(kafkaConnectionOptions({ sasl: null, tls: null })).toEqual({});
  });

  it('should pass SASL credentials and verified TLS with the CA, client pair and server name', () => {
    expect(
      kafkaConnectionOptions({
        sasl,
        tls: { ca: 'CA', cert: 'CERT', key: 'KEY', servername: 'kafka.internal' },
      }),
    ).toEqual({
      sasl,
      ssl: { rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY', servername: 'kafka.internal' },
    });
  });

  it('should verify against the system CAs when no CA file is given', () => {
    expect(kafkaConnectionOptions({ sasl: null, tls: {} })).toEqual({ ssl: { rejectUnauthorized: true } });
  });
});

describe(explainKafkaError, () => {
  it('should name Kafka, the user, the mechanism and the brokers when SASL authentication fails', () => {
    // kafkajs' error classes are typed without constructor arguments; what matters to us is the name it sets.
    const cause = Object.assign(new Error('SASL SCRAM SHA256 authentication failed: bad'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const error = explainKafkaError(cause, { sasl, tls: null }, ['127.0.0.1:9093']);
    expect(error).toBeInstanceOf(KafkaAuthenticationError);
    expect((error as KafkaAuthenticationError).code).toBe('KAFKA.AUTHENTICATION_FAILED');
    expect((error as Error).message).toBe(
      'Kafka refused the credentials of user "bid" (SASL SCRAM-SHA-256) at 127.0.0.1:9093: SASL SCRAM SHA256 ' +
        'authentication failed: bad. Check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) ' +
        'and KAFKA_SASL_MECHANISM.',
    );
    expect((error as Error).message).not.toContain('pw');
  });

  it('should leave other errors alone', () => {
    const cause = Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError' });
    expect(explainKafkaError(cause, { sasl, tls: null }, ['b:1'])).toBe(cause);
  });
});
