import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConnectionOptions } from '../lib/kafka/kafka-connection';
import { KafkaBrokerHandle, startKafkaBroker } from './kafka-broker';

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Reads every message of `topic` from the start with a fresh group, until `count` arrived. */
async function readAll(
  brokers: string,
  topic: string,
  count: number,
  options: KafkaConnectionOptions = {},
): Promise<string[]> {
  const kafka = new Kafka({
    clientId: 'broker-spec',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    ...options,
  });
  const consumer = kafka.consumer({ groupId: `broker-spec-${Date.now()}-${Math.random()}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${values.length}/${count} messages`)), 30000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

describe(startKafkaBroker, () => {
  let broker: KafkaBrokerHandle | undefined;

  afterAll(async () => {
    await broker?.destroy();
  });

  it('should keep topics and messages across a crash and a restart on the same ports', async () => {
    broker = await startKafkaBroker();
    expect(broker.brokers).toBe(`127.0.0.1:${broker.port}`);
    const kafka = new Kafka({
      clientId: 'broker-spec',
      brokers: [broker.brokers],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'broker-spec.v1', acks: -1, messages: [{ key: 'k', value: 'before' }] });
    await producer.disconnect();

    await broker.stop('SIGKILL');
    expect(broker.running).toBe(false);
    expect(await listening(broker.port)).toBe(false);

    await broker.start();
    expect(broker.running).toBe(true);
    expect(await readAll(broker.brokers, 'broker-spec.v1', 1)).toEqual(['before']);
  }, 180000);

  it('should stop cleanly on SIGTERM and delete its directory on destroy', async () => {
    const handle = broker;
    if (!handle) throw new Error('the first test starts the broker');
    await handle.stop('SIGTERM');
    expect(await listening(handle.port)).toBe(false);
    expect(existsSync(handle.dir)).toBe(true); // kept for a restart
    await handle.destroy();
    expect(existsSync(handle.dir)).toBe(false);
    await expect(handle.destroy()).resolves.toBeUndefined();
  }, 60000);
});

describe('startKafkaBroker({ secure })', () => {
  let broker: KafkaBrokerHandle | undefined;

  afterEach(async () => {
    await broker?.destroy();
    broker = undefined;
  });

  /** Creates the topic the cases send to (with no retries, a send would race its auto-creation). */
  const createTopic = async (handle: KafkaBrokerHandle): Promise<void> => {
    const admin = new Kafka({
      clientId: 'broker-spec',
      brokers: [handle.brokers],
      logLevel: logLevel.NOTHING,
      ...handle.clientOptions(),
    }).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'secure-spec.v1' }] });
    await admin.disconnect();
  };

  /** Sends one record as `options` would connect; resolves with the error, or undefined when it was accepted. */
  const sendAs = async (brokers: string, options: KafkaConnectionOptions): Promise<Error | undefined> => {
    const producer = new Kafka({
      clientId: 'broker-spec',
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2000,
      authenticationTimeout: 3000,
      retry: { retries: 0 },
      ...options,
    }).producer();
    try {
      await producer.connect();
      await producer.send({ topic: 'secure-spec.v1', acks: -1, messages: [{ value: 'x' }] });
      return undefined;
    } catch (error) {
      return error as Error;
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  };

  it('should accept SCRAM users over TLS, refuse a wrong password, a plaintext client and an unknown CA', async () => {
    broker = await startKafkaBroker({
      secure: {
        users: [
          { name: 'svc256', password: 'pw-256', mechanism: 'scram-sha-256' },
          { name: 'svc512', password: 'pw-512', mechanism: 'scram-sha-512' },
          { name: 'plainuser', password: 'pw-plain', mechanism: 'plain' },
        ],
      },
    });
    const { brokers } = broker;
    await createTopic(broker);
    expect(await sendAs(brokers, broker.clientOptions('svc256'))).toBeUndefined();
    expect(await sendAs(brokers, broker.clientOptions('svc512'))).toBeUndefined();
    expect(await sendAs(brokers, broker.clientOptions('plainuser'))).toBeUndefined();
    expect(await readAll(brokers, 'secure-spec.v1', 3, broker.clientOptions())).toHaveLength(3);

    const wrong = await sendAs(brokers, {
      ...broker.clientOptions('svc256'),
      sasl: { mechanism: 'scram-sha-256', username: 'svc256', password: 'not-it' },
    });
    expect(wrong?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(await sendAs(brokers, { sasl: broker.clientOptions().sasl })).toBeInstanceOf(Error);
    // TLS, but not trusting the test CA: the broker's certificate is refused by the client.
    expect(await sendAs(brokers, { ssl: true, sasl: broker.clientOptions().sasl })).toBeInstanceOf(Error);
  }, 180000);

  it('should require the client certificate when asked, and run SASL without TLS', async () => {
    broker = await startKafkaBroker({
      secure: {
        users: [{ name: 'svc', password: 'pw', mechanism: 'scram-sha-256' }],
        requireClientCertificate: true,
      },
    });
    await createTopic(broker);
    const withCertificate = broker.clientOptions();
    expect(await sendAs(broker.brokers, withCertificate)).toBeUndefined();
    const ssl = withCertificate.ssl as { ca: string[] };
    expect(await sendAs(broker.brokers, { ...withCertificate, ssl: { ca: ssl.ca } })).toBeInstanceOf(Error);
    expect(broker.serviceEnv()).toMatchObject({
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_TLS: 'true',
      KAFKA_TLS_CERT_FILE: broker.certificates?.clientCertFile,
    });
    await broker.destroy();

    broker = await startKafkaBroker({
      secure: { users: [{ name: 'svc', password: 'pw', mechanism: 'scram-sha-256' }], tls: false },
    });
    expect(broker.certificates).toBeUndefined();
    await createTopic(broker);
    expect(await sendAs(broker.brokers, broker.clientOptions())).toBeUndefined();
    expect(await sendAs(broker.brokers, {})).toBeInstanceOf(Error);
  }, 240000);
});
