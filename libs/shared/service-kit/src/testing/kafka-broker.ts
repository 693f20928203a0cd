import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findOnPath, freePort } from '@platform/cache/testing';
import { Kafka, logLevel } from 'kafkajs';

/** Options of {@link startKafkaBroker}. */
export interface KafkaBrokerOptions {
  /** How long to wait for the broker to answer a metadata request after a (re)start. Default 90 s. */
  readonly startTimeoutMs?: number;
  /** JVM heap flags. Default `-Xms128m -Xmx512m`. */
  readonly heap?: string;
}

/** A throwaway single-node KRaft broker started by {@link startKafkaBroker}. */
export interface KafkaBrokerHandle {
  /** `127.0.0.1:<port>`, for `KAFKA_BROKERS` or a kafkajs `brokers` list. */
  readonly brokers: string;
  /** Broker (PLAINTEXT) port; kept across restarts. */
  readonly port: number;
  /** KRaft controller port; kept across restarts. */
  readonly controllerPort: number;
  /** Its own directory: config, log dir (topics survive a restart) and the broker's logs. */
  readonly dir: string;
  /** Whether the broker process is running. */
  readonly running: boolean;
  /**
   * Stops the broker: SIGTERM is a clean shutdown (SIGKILL after 30 s), SIGKILL a crash. The log dir is
   * kept, so {@link KafkaBrokerHandle.start} brings the same topics and offsets back.
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the broker again on the same ports and log dir, and waits until it answers. */
  start(): Promise<void>;
  /** Stops the broker (SIGKILL) and deletes its directory. Idempotent. */
  destroy(): Promise<void>;
  /** The last lines of the broker's log, for failure messages. */
  logTail(lines?: number): Promise<string>;
}

const findUp = (path: string, from = process.cwd()): string | undefined => {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, path))) return join(dir, path);
    if (dirname(dir) === dir) return undefined;
  }
};

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a JVM tool to completion; rejects with its output when it fails. */
const runJava = (java: string, args: string[]) =>
  new Promise<void>((resolve, reject) => {
    const proc = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (data: Buffer) => (output += data.toString()));
    proc.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.slice(-6).join(' ')} failed (${code}):\n${output}`)),
    );
  });

/** The Kafka jars `npm run stack:up` downloaded (`.stack/kafka/libs`), or a message saying how to get them. */
function kafkaLibs(): string {
  const libs = findUp('.stack/kafka/libs');
  if (!libs || !readdirSync(libs).some((file) => /^kafka_2\.13-.*\.jar$/.test(file))) {
    throw new Error(
      'startKafkaBroker: the Kafka jars are missing (.stack/kafka/libs). Run `npm run stack:up`, which ' +
        'downloads them, and retry.',
    );
  }
  return libs;
}

/**
 * Starts a throwaway single-node KRaft broker (broker + controller in one JVM, the stack's Kafka jars and
 * the machine's Java) on free loopback ports with a log dir of its own, and resolves once it answers a
 * metadata request. For tests that stop or crash Kafka without disturbing the shared stack's broker;
 * `stop()` then `start()` brings it back on the same ports with the same topics. The JVM is SIGKILLed if
 * the test process exits without destroying it.
 */
export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBrokerHandle> {
  const java = findOnPath('java');
  if (!java) {
    throw new Error('startKafkaBroker: `java` is not on PATH. Run `npm run stack:up`, which installs it.');
  }
  const libs = kafkaLibs();
  const classpath = `${libs}/*`;
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const heap = (options.heap ?? '-Xms128m -Xmx512m').split(/\s+/).filter(Boolean);
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), 'kafka-test-'));
  const brokers = `127.0.0.1:${port}`;
  const logFile = join(dir, 'server.log');
  let child: ChildProcess | undefined;
  let destroyed = false;
  const killOnExit = () => child?.kill('SIGKILL');

  await writeFile(
    join(dir, 'server.properties'),
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=3',
      'default.replication.factor=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'auto.create.topics.enable=true',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'log4j2.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN" shutdownHook="disable">
  <Appenders><File name="file" fileName="${logFile}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></File></Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="file"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
  </Loggers>
</Configuration>
`,
  );
  const jvm = [
    ...heap,
    // A test broker lives for a minute: start fast rather than run fast.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.xml')}`,
    `-Dkafka.logs.dir=${dir}`,
    '-cp',
    classpath,
  ];

  const logTail = async (lines = 40) => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  };

  /** True once the broker answers a metadata request (a real round trip, as the stack script checks). */
  const answers = async (): Promise<boolean> => {
    const admin = new Kafka({
      clientId: 'kafka-broker-probe',
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 2000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  const start = async (): Promise<void> => {
    if (destroyed) throw new Error('startKafkaBroker: the broker was destroyed');
    if (child) return;
    const proc = spawn(java, [...jvm, 'kafka.Kafka', join(dir, 'server.properties')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
    process.once('exit', killOnExit);
    const deadline = Date.now() + startTimeoutMs;
    while (!(await answers())) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        child = undefined;
        process.removeListener('exit', killOnExit);
        throw new Error(`startKafkaBroker: the broker exited at start:\n${stderr}\n${await logTail()}`);
      }
      if (Date.now() > deadline) {
        await stop('SIGKILL');
        throw new Error(
          `startKafkaBroker: no answer on ${brokers} after ${startTimeoutMs} ms:\n${await logTail()}`,
        );
      }
      await sleep(250);
    }
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    process.removeListener('exit', killOnExit);
    const gone = exited(proc);
    proc.kill(signal);
    if (signal === 'SIGTERM') {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 30_000)));
      if ((await Promise.race([gone, late])) === 'late') proc.kill('SIGKILL');
      clearTimeout(timer);
    }
    await gone;
  };

  const destroy = async (): Promise<void> => {
    await stop('SIGKILL');
    if (destroyed) return;
    destroyed = true;
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // Kafka cluster ids are 16 random bytes in URL-safe base64 without padding.
    const clusterId = randomBytes(16).toString('base64url');
    await runJava(java, [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${join(dir, 'log4j2.xml')}`,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      join(dir, 'server.properties'),
    ]);
    await start();
  } catch (error) {
    await destroy();
    throw error;
  }

  return {
    brokers,
    port,
    controllerPort,
    dir,
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    destroy,
    logTail,
  };
}
