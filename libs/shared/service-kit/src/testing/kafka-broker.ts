import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findOnPath, freePort, generateTestCertificates } from '@platform/cache/testing';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaConnectionOptions, kafkaConnectionOptions } from '../lib/kafka/kafka-connection';

/** A SASL mechanism as the services name it (`KAFKA_SASL_MECHANISM`). */
export type KafkaBrokerMechanism = 'scram-sha-256' | 'scram-sha-512' | 'plain';

/** A SASL user of a secure test broker. Names and passwords: letters, digits, `-` and `_` only. */
export interface KafkaBrokerUser {
  readonly name: string;
  readonly password: string;
  readonly mechanism: KafkaBrokerMechanism;
}

/** How a test broker's client listener is secured (see {@link KafkaBrokerOptions.secure}). */
export interface KafkaBrokerSecurity {
  /** The users clients may log in as; SCRAM users are written at storage format, PLAIN ones into the JAAS config. */
  readonly users: readonly KafkaBrokerUser[];
  /** SASL_SSL (default) or SASL_PLAINTEXT. */
  readonly tls?: boolean;
  /** mTLS: clients must present a certificate signed by the test CA (default false). */
  readonly requireClientCertificate?: boolean;
}

/** PEM files of a test CA, the broker's certificate (SAN 127.0.0.1, localhost) and a client certificate. */
export interface KafkaTestCertificates {
  readonly caFile: string;
  readonly ca: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** Options of {@link startKafkaBroker}. */
export interface KafkaBrokerOptions {
  /** How long to wait for the broker to answer a metadata request after a (re)start. Default 90 s. */
  readonly startTimeoutMs?: number;
  /** JVM heap flags. Default `-Xms128m -Xmx512m`. */
  readonly heap?: string;
  /**
   * Secure the client listener with SASL (and TLS unless `tls: false`); without it the listener is
   * PLAINTEXT. Inter-broker traffic uses the same listener with an internal SCRAM-SHA-512 user.
   */
  readonly secure?: KafkaBrokerSecurity;
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
  /** The test CA and a client certificate, when the broker runs TLS. */
  readonly certificates?: KafkaTestCertificates;
  /**
   * kafkajs `ssl`/`sasl` options to log in as `user` (default: the first of `secure.users`), trusting the
   * test CA and presenting the client certificate when TLS is on. `{}` for a PLAINTEXT broker.
   */
  clientOptions(user?: string): KafkaConnectionOptions;
  /**
   * The service variables that connect to this broker as `user` (default: the first of `secure.users`):
   * `KAFKA_BROKERS`, and for a secure broker `KAFKA_SASL_*` and `KAFKA_TLS*` (CA and client certificate files).
   */
  serviceEnv(user?: string): Record<string, string>;
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

/**
 * The test CA and certificates of `@platform/cache/testing` (server certificate for 127.0.0.1/localhost, usable
 * as a client too, as the broker connects to itself), plus what Kafka's PEM key store reads: the private key
 * followed by the certificate chain, in one file.
 */
async function kafkaCertificates() {
  const certificates = await generateTestCertificates();
  const serverKeystoreFile = join(certificates.dir, 'server-keystore.pem');
  await writeFile(
    serverKeystoreFile,
    (await readFile(certificates.serverKeyFile, 'utf8')) +
      (await readFile(certificates.serverCertFile, 'utf8')),
  );
  return {
    caFile: certificates.caFile,
    ca: await readFile(certificates.caFile, 'utf8'),
    clientCertFile: certificates.clientCertFile,
    clientKeyFile: certificates.clientKeyFile,
    serverKeystoreFile,
    remove: certificates.remove,
  };
}

const SAFE_CREDENTIAL = /^[A-Za-z0-9_-]+$/;
const JAAS_MODULE = {
  scram: 'org.apache.kafka.common.security.scram.ScramLoginModule',
  plain: 'org.apache.kafka.common.security.plain.PlainLoginModule',
};
const kafkaMechanism = (mechanism: KafkaBrokerMechanism) => mechanism.toUpperCase();

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

  const secure = options.secure;
  const tls = secure !== undefined && secure.tls !== false;
  const listener = secure === undefined ? 'PLAINTEXT' : tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  // The broker's own login for inter-broker traffic (and the readiness probe).
  const internal: KafkaBrokerUser = {
    name: 'broker-internal',
    password: randomBytes(12).toString('hex'),
    mechanism: 'scram-sha-512',
  };
  const users = secure ? [internal, ...secure.users] : [];
  for (const user of users) {
    if (!SAFE_CREDENTIAL.test(user.name) || !SAFE_CREDENTIAL.test(user.password)) {
      throw new Error(
        `startKafkaBroker: user ${user.name}: use letters, digits, - and _ in names and passwords`,
      );
    }
  }
  let certificates: Awaited<ReturnType<typeof kafkaCertificates>> | undefined;
  try {
    if (tls) certificates = await kafkaCertificates();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const plainUsers = users.filter((user) => user.mechanism === 'plain');
  const mechanisms = [...new Set(users.map((user) => user.mechanism))];
  // Every enabled mechanism needs a JAAS entry on the listener; SCRAM-SHA-512's is also the broker's own login.
  const jaas = (mechanism: KafkaBrokerMechanism): string =>
    mechanism === 'plain'
      ? `${JAAS_MODULE.plain} required ${plainUsers.map((user) => `user_${user.name}="${user.password}"`).join(' ')};`
      : mechanism === 'scram-sha-512'
        ? `${JAAS_MODULE.scram} required username="${internal.name}" password="${internal.password}";`
        : `${JAAS_MODULE.scram} required;`;
  const securityLines: string[] = secure
    ? [
        `sasl.enabled.mechanisms=${mechanisms.map(kafkaMechanism).join(',')}`,
        'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
        ...mechanisms.map(
          (mechanism) =>
            `listener.name.${listener.toLowerCase()}.${mechanism}.sasl.jaas.config=${jaas(mechanism)}`,
        ),
        ...(certificates
          ? [
              'ssl.keystore.type=PEM',
              `ssl.keystore.location=${certificates.serverKeystoreFile}`,
              'ssl.truststore.type=PEM',
              `ssl.truststore.location=${certificates.caFile}`,
              // SASL_SSL ignores the unprefixed ssl.client.auth (KIP-684): it must name the listener.
              `listener.name.${listener.toLowerCase()}.ssl.client.auth=${secure.requireClientCertificate ? 'required' : 'none'}`,
            ]
          : []),
      ]
    : [];

  await writeFile(
    join(dir, 'server.properties'),
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=${listener}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=${listener}://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      `inter.broker.listener.name=${listener}`,
      `listener.security.protocol.map=CONTROLLER:PLAINTEXT,${listener}:${listener}`,
      ...securityLines,
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

  const clientPem = certificates && {
    cert: await readFile(certificates.clientCertFile, 'utf8'),
    key: await readFile(certificates.clientKeyFile, 'utf8'),
  };
  /** The connection settings of `name` as the services' config would hold them. */
  const securityOf = (name?: string) => {
    if (!secure) return { sasl: null, tls: null };
    const user = name === undefined ? secure.users[0] : users.find((candidate) => candidate.name === name);
    if (!user) throw new Error(`startKafkaBroker: no user ${name ?? '(none configured)'}`);
    return {
      sasl: { mechanism: user.mechanism, username: user.name, password: user.password },
      tls: certificates ? { ca: certificates.ca, ...(secure.requireClientCertificate && clientPem) } : null,
    };
  };
  const clientOptions = (name?: string): KafkaConnectionOptions => kafkaConnectionOptions(securityOf(name));
  const serviceEnv = (name?: string): Record<string, string> => {
    const { sasl } = securityOf(name);
    if (!sasl) return { KAFKA_BROKERS: brokers };
    return {
      KAFKA_BROKERS: brokers,
      KAFKA_SASL_MECHANISM: sasl.mechanism,
      KAFKA_SASL_USERNAME: sasl.username,
      KAFKA_SASL_PASSWORD: sasl.password,
      KAFKA_TLS: String(tls),
      ...(certificates && { KAFKA_TLS_CA_FILE: certificates.caFile }),
      ...(certificates &&
        secure?.requireClientCertificate && {
          KAFKA_TLS_CERT_FILE: certificates.clientCertFile,
          KAFKA_TLS_KEY_FILE: certificates.clientKeyFile,
        }),
    };
  };

  const logTail = async (lines = 40) => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    // The first ERROR says why a broker would not start; the tail is its shutdown.
    const firstError = text.split('\n').findIndex((line) => / (ERROR|FATAL) /.test(line));
    const why = firstError < 0 ? [] : [...text.split('\n').slice(firstError, firstError + 15), '...'];
    return [...why, ...text.split('\n').slice(-lines)].join('\n');
  };

  /** True once the broker answers a metadata request (a real round trip, as the stack script checks). */
  const answers = async (): Promise<boolean> => {
    const admin = new Kafka({
      clientId: 'kafka-broker-probe',
      brokers: [brokers],
      ...clientOptions(internal.name),
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
    await certificates?.remove();
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
      // One argument with `=`: an id starting with '-' (1 in 64) would otherwise read as an option.
      `--cluster-id=${clusterId}`,
      '-c',
      join(dir, 'server.properties'),
      // SCRAM credentials live in the cluster metadata; KRaft takes the first ones at format (KIP-900).
      ...users
        .filter((user) => user.mechanism !== 'plain')
        .flatMap((user) => [
          '--add-scram',
          `${kafkaMechanism(user.mechanism)}=[name=${user.name},password=${user.password}]`,
        ]),
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
    certificates: certificates && {
      caFile: certificates.caFile,
      ca: certificates.ca,
      clientCertFile: certificates.clientCertFile,
      clientKeyFile: certificates.clientKeyFile,
    },
    clientOptions,
    serviceEnv,
  };
}
