import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from './local-process';

const run = promisify(execFile);

/** PEM files made by {@link generateTestCertificates}, all in {@link TestCertificates.dir}. */
export interface TestCertificates {
  /** The temp dir holding them. */
  readonly dir: string;
  /** The CA certificate (trust anchor for clients and, for client certificates, servers). */
  readonly caFile: string;
  /** A server certificate for `localhost` and `127.0.0.1` (SAN), also usable as a client (cluster bus). */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client certificate (CN `platform-test-client`) for servers that ask for one. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** Deletes the dir. Idempotent. */
  remove(): Promise<void>;
}

/**
 * Creates a throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate (EC P-256,
 * valid 2 days) with the `openssl` CLI, in a temp dir: for tests of TLS to Redis, Postgres or Kafka. Each call
 * makes a new CA, so two calls give a CA the other's certificates do not chain to (an untrusted server).
 */
export async function generateTestCertificates(): Promise<TestCertificates> {
  const openssl = findOnPath('openssl');
  if (openssl === undefined)
    throw new Error('generateTestCertificates: `openssl` is not on PATH (apt-get install openssl)');
  const dir = await mkdtemp(join(tmpdir(), 'test-certs-'));
  const file = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => run(openssl, args, { cwd: dir, timeout: 30_000 });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const sign = async (name: string, subject: string, extensions: string) => {
    await writeFile(file(`${name}.ext`), extensions);
    await ssl('req', ...key, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    await ssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      file(`${name}.crt`),
      '-extfile',
      file(`${name}.ext`),
    );
  };
  try {
    await ssl(
      'req',
      '-x509',
      ...key,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-days',
      '2',
      '-subj',
      `/CN=platform-test-ca-${dir.slice(-6)}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    await sign(
      'server',
      '/CN=localhost',
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
    );
    await sign('client', '/CN=platform-test-client', 'extendedKeyUsage=clientAuth\n');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
