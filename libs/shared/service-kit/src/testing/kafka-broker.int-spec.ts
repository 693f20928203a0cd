import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBrokerHandle, startKafkaBroker } from './kafka-broker';

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Reads every message of `topic` from the start with a fresh group, until `count` arrived. */
async function readAll(brokers: string, topic: string, count: number): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'broker-spec', brokers: [brokers], logLevel: logLevel.NOTHING });
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
