import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadPhoneHashPepper,
  loadServiceConfig,
  type PeerDefaults,
  type ServiceDefaults,
} from '@platform/config';
import {
  DOCKER_DIR,
  REPO_ROOT,
  SERVICES,
  envOf,
  finalStage,
  loadCompose,
  read,
  runTool,
  stackDefault,
  startPorts,
  type ComposeService,
  type ServiceName,
} from './support';

const compose = loadCompose();
const services = compose.services;
const STACK_HINT = 'The stack script installs it: `npm run stack:up` (or `npm test`).';
const http = startPorts('http');
const grpc = startPorts('grpc');

const port = (variable: string) => Number(stackDefault(variable));
const imageTag = (name: string) => (services[name].image ?? '').split(':')[1];
const commandOf = (service: ComposeService): string[] =>
  Array.isArray(service.command) ? service.command : [service.command ?? ''];

/** The gRPC peers a service calls, as its client libs declare them (`*_PEER = { name, addressVar, … }`). */
function peerConstants(): Record<string, PeerDefaults> {
  const peers: Record<string, PeerDefaults> = {};
  for (const domain of readdirSync(join(REPO_ROOT, 'libs'))) {
    const dir = join(REPO_ROOT, 'libs', domain, 'client/src/lib');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.constants.ts'))) {
      const text = read(`libs/${domain}/client/src/lib/${file}`);
      for (const m of text.matchAll(
        /export const (\w+_PEER) = \{\s*name: '([^']+)',\s*addressVar: '([^']+)',\s*defaultAddress: '([^']+)'/g,
      )) {
        peers[m[1]] = { name: m[2], addressVar: m[3], defaultAddress: m[4] };
      }
    }
  }
  return peers;
}

/** A service's defaults as its `<svc>.service-spec.ts` declares them (the app passes them to the config loader). */
function serviceDefaults(service: ServiceName): ServiceDefaults {
  const text = read(`libs/${service}/feature/src/lib/${service}.service-spec.ts`);
  const field = (name: string) => {
    const m = new RegExp(`${name}: ('?)(\\w+)\\1\\s*[,}]`).exec(text);
    if (!m) throw new Error(`${service}.service-spec.ts: no ${name}`);
    return m[2];
  };
  const known = peerConstants();
  const peerNames =
    /peers: \[([^\]]*)\]/
      .exec(text)?.[1]
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean) ?? [];
  return {
    name: field('name'),
    httpPort: Number(field('httpPort')),
    grpcPort: Number(field('grpcPort')),
    dbSchema: field('dbSchema'),
    peers: peerNames.map((name) => {
      if (!known[name]) throw new Error(`${service}: peer ${name} not found in libs/*/client constants`);
      return known[name];
    }),
  };
}

/** Files of libs/<domain>/**\/src (no specs): the code a service is made of, besides the shared libs. */
function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !/\.(spec|int-spec)\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => /\/src\//.test(path));
}

/**
 * Every environment variable a service's config loaders read: the shared schema (service-config.ts, the
 * pepper), its peers' address variables, and the `env['…']` its own domain libs read.
 */
function variablesRead(service: ServiceName): Set<string> {
  const names = new Set<string>();
  const config = read('libs/shared/config/src/lib/service-config.ts');
  const schema = config.slice(
    config.indexOf('const schemaFor'),
    config.indexOf('export function loadServiceConfig'),
  );
  for (const m of schema.matchAll(/^ {6}([A-Z][A-Z0-9_]+):/gm)) names.add(m[1]);
  for (const peer of serviceDefaults(service).peers ?? []) names.add(peer.addressVar);
  const own = sourceFiles(join(REPO_ROOT, 'libs', service)).map((f) => read(f.slice(REPO_ROOT.length + 1)));
  for (const text of own) for (const m of text.matchAll(/\benv\['([A-Z][A-Z0-9_]+)'\]/g)) names.add(m[1]);
  if (needsPepper(service)) names.add('COMPLIANCE_PHONE_HASH_PEPPER');
  return names;
}

/** Whether the service loads the phone hash pepper: compliance itself, or a service using its client. */
function needsPepper(service: ServiceName): boolean {
  const own = sourceFiles(join(REPO_ROOT, 'libs', service)).map((f) => read(f.slice(REPO_ROOT.length + 1)));
  const client = read('libs/compliance/client/src/lib/compliance.client.ts');
  return own.some(
    (text) =>
      text.includes('loadPhoneHashPepper(') ||
      (text.includes("from '@platform/compliance-client'") && client.includes('loadPhoneHashPepper(')),
  );
}

/** What the container sees: the image's ENV, then compose's environment on top. */
const containerEnv = (service: ServiceName): Record<string, string> => ({
  ...envOf(finalStage(join(DOCKER_DIR, `${service}.Dockerfile`))),
  ...Object.fromEntries(Object.entries(services[service].environment ?? {}).map(([k, v]) => [k, String(v)])),
});

describe('docker/compose.yaml, in step with the stack', () => {
  describe('versions: the ones the stack runs', () => {
    it('should run the Postgres major version of the stack', () => {
      const bins = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
      if (bins.length === 0)
        throw new Error(`PostgreSQL is not installed under /usr/lib/postgresql. ${STACK_HINT}`);
      const pg = join('/usr/lib/postgresql', bins[bins.length - 1], 'bin/postgres');
      const version = /PostgreSQL\) (\d+)/.exec(runTool(pg, ['--version'], STACK_HINT))![1];
      expect(services['postgres'].image).toBe(`postgres:${version}`);
    });

    it('should run the Redis major.minor version of the stack, standalone and cluster alike', () => {
      const version = /v=(\d+\.\d+)/.exec(runTool('redis-server', ['--version'], STACK_HINT))![1];
      const redisImages = Object.entries(services).filter(([, s]) => (s.image ?? '').startsWith('redis:'));
      expect(redisImages.map(([name]) => name).sort()).toEqual(
        ['redis', 'redis-cluster-init', ...[1, 2, 3, 4, 5, 6].map((i) => `redis-node-${i}`)].sort(),
      );
      for (const [, service] of redisImages) expect(service.image).toBe(`redis:${version}`);
    });

    it('should run the Kafka version of tools/kafka/pom.xml', () => {
      const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('tools/kafka/pom.xml'))![1];
      expect(services['kafka'].image).toBe(`apache/kafka:${version}`);
    });

    it("should build Varnish from the stack's Debian packages (varnish + varnish-modules for xkey)", () => {
      const installed = (pkg: string) =>
        runTool('dpkg-query', ['-W', '-f', '${Version}', pkg], `${pkg} is missing. ${STACK_HINT}`).trim();
      const dockerfile = read('docker/varnish.Dockerfile');
      expect(dockerfile).toContain(`varnish=${installed('varnish')}`);
      expect(dockerfile).toContain(`varnish-modules=${installed('varnish-modules')}`);
      expect(services['varnish'].build).toEqual({ context: '..', dockerfile: 'docker/varnish.Dockerfile' });
    });

    it('should run the Prometheus version whose promtool checks the rules', () => {
      const version = /version (\d+\.\d+\.\d+)/.exec(runTool('promtool', ['--version'], STACK_HINT))![1];
      expect(services['prometheus'].image).toBe(`prom/prometheus:v${version}`);
      expect(imageTag('grafana')).toMatch(/^\d+\.\d+\.\d+$/);
    });
  });

  describe('ports: the stack defaults, on loopback only', () => {
    it('should publish Postgres, Redis and Kafka on the stack ports', () => {
      expect(services['postgres'].ports).toEqual([`127.0.0.1:${port('PG_PORT')}:5432`]);
      expect(services['redis'].ports).toEqual([`127.0.0.1:${port('REDIS_PORT')}:6379`]);
      expect(services['kafka'].ports).toEqual([`127.0.0.1:${port('KAFKA_PORT')}:${port('KAFKA_PORT')}`]);
      const env = services['kafka'].environment ?? {};
      expect(env['KAFKA_ADVERTISED_LISTENERS']).toBe(`PLAINTEXT://127.0.0.1:${port('KAFKA_PORT')}`);
    });

    it('should run the six cluster nodes on the stack cluster ports', () => {
      const base = port('REDIS_CLUSTER_BASE_PORT');
      const nodes = [0, 1, 2, 3, 4, 5].map((i) => services[`redis-node-${i + 1}`].environment?.['PORT']);
      expect(nodes).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${base + i}`));
      const init = commandOf(services['redis-cluster-init']).join(' ');
      for (let i = 0; i < 6; i++) expect(init).toContain(`127.0.0.1:${base + i}`);
    });

    it("should give Varnish one listener per service in the stack's order and its admin port", () => {
      const order = /VARNISH_SERVICES=\(([^)]*)\)/
        .exec(read('scripts/stack/stack.sh'))![1]
        .trim()
        .split(/\s+/);
      const command = commandOf(services['varnish']);
      const listeners = command.filter((_, i) => command[i - 1] === '-a');
      expect(listeners).toEqual(order.map((name, i) => `${name}=127.0.0.1:${port('VARNISH_PORT') + i}`));
      expect(command[command.indexOf('-T') + 1]).toBe(`127.0.0.1:${port('VARNISH_ADMIN_PORT')}`);
      expect(services['varnish'].volumes).toContain(
        '../libs/cache/edge/varnish/default.vcl:/etc/varnish/default.vcl:ro',
      );
      // The VCL's backends are the services' HTTP ports.
      const vcl = read('libs/cache/edge/varnish/default.vcl');
      for (const service of SERVICES) {
        expect(vcl).toMatch(
          new RegExp(
            `backend ${service} \\{\\s*\\.host = "127\\.0\\.0\\.1";\\s*\\.port = "${http[service]}";`,
          ),
        );
      }
    });

    it.each(SERVICES.map((s) => [s]))(
      '%s should use the ports of its service spec, start.sh and its image',
      (service) => {
        const defaults = serviceDefaults(service);
        expect([defaults.httpPort, defaults.grpcPort]).toEqual([http[service], grpc[service]]);
        expect(services[service].environment).toMatchObject({
          HTTP_PORT: `${http[service]}`,
          GRPC_PORT: `${grpc[service]}`,
        });
        const varnishIndex = /VARNISH_SERVICES=\(([^)]*)\)/
          .exec(read('scripts/stack/stack.sh'))![1]
          .trim()
          .split(/\s+/);
        expect(services[service].environment?.['EDGE_VARNISH_URLS']).toBe(
          `http://127.0.0.1:${port('VARNISH_PORT') + varnishIndex.indexOf(service)}`,
        );
        for (const peer of defaults.peers ?? []) {
          expect(services[service].environment?.[peer.addressVar]).toBe(
            `127.0.0.1:${grpc[peer.name as ServiceName]}`,
          );
        }
      },
    );

    it('should point the services at the stack ports', () => {
      for (const service of SERVICES) {
        const env = services[service].environment ?? {};
        expect(env['DATABASE_URL']).toBe(
          `postgres://platform:platform@127.0.0.1:${port('PG_PORT')}/platform`,
        );
        expect(env['REDIS_URL']).toBe(`redis://127.0.0.1:${port('REDIS_PORT')}`);
        expect(env['KAFKA_BROKERS']).toBe(`127.0.0.1:${port('KAFKA_PORT')}`);
        expect(String(env['REDIS_CLUSTER_NODES']).split(',')[0]).toBe(
          `127.0.0.1:${port('REDIS_CLUSTER_BASE_PORT')}`,
        );
      }
    });

    it('should publish ports on 127.0.0.1 only, and bind host-network services to 127.0.0.1', () => {
      for (const [name, service] of Object.entries(services)) {
        for (const published of service.ports ?? [])
          expect(`${name} ${published}`).toMatch(/^\S+ 127\.0\.0\.1:/);
        const text = JSON.stringify({ command: service.command, environment: service.environment });
        expect(`${name}: ${text}`).not.toMatch(/0\.0\.0\.0|::/);
      }
      for (const service of SERVICES) expect(services[service].environment?.['HOST']).toBe('127.0.0.1');
      expect(commandOf(services['prometheus'])).toContain('--web.listen-address=127.0.0.1:19090');
      expect(services['grafana'].environment?.['GF_SERVER_HTTP_ADDR']).toBe('127.0.0.1');
    });
  });

  describe('environment: names the services read, values their loaders accept', () => {
    it.each(SERVICES.map((s) => [s]))('%s should set only variables its config loaders read', (service) => {
      const names = variablesRead(service);
      expect(Object.keys(containerEnv(service)).filter((name) => !names.has(name))).toEqual([]);
    });

    it.each(SERVICES.map((s) => [s]))(
      '%s should start with the image and compose environment (production)',
      (service) => {
        const env = containerEnv(service);
        expect(env['NODE_ENV']).toBe('production');
        const config = loadServiceConfig(serviceDefaults(service), env);
        expect(config.http.port).toBe(http[service]);
        expect(config.edge.varnishUrls).toHaveLength(1);
        if (needsPepper(service)) {
          expect(loadPhoneHashPepper(service, config.env, env)).toBe(env['COMPLIANCE_PHONE_HASH_PEPPER']);
          // …which is why compose must set it: production refuses to start without it.
          const { COMPLIANCE_PHONE_HASH_PEPPER: _pepper, ...without } = env;
          expect(() => loadPhoneHashPepper(service, 'production', without)).toThrow(
            /COMPLIANCE_PHONE_HASH_PEPPER/,
          );
        }
      },
    );

    it('should give bid and compliance the same pepper (their hashes must agree)', () => {
      expect(needsPepper('bid') && needsPepper('compliance')).toBe(true);
      expect(containerEnv('bid')['COMPLIANCE_PHONE_HASH_PEPPER']).toBe(
        containerEnv('compliance')['COMPLIANCE_PHONE_HASH_PEPPER'],
      );
      const set = loadCompose({ COMPLIANCE_PHONE_HASH_PEPPER: 'p'.repeat(48) }).services;
      expect(set['bid'].environment?.['COMPLIANCE_PHONE_HASH_PEPPER']).toBe('p'.repeat(48));
    });

    it('should run migrations before serving', () => {
      for (const service of SERVICES) {
        expect(commandOf(services[service]).join(' ')).toContain('node main.js migrate && exec node main.js');
      }
    });
  });

  describe('Prometheus and Grafana (profile observe), provisioned from monitoring/', () => {
    it('should mount the scrape config, the rules, the provisioning and the dashboards', () => {
      expect(services['prometheus'].profiles).toEqual(['observe']);
      expect(services['grafana'].profiles).toEqual(['observe']);
      expect(services['prometheus'].volumes).toEqual(
        expect.arrayContaining([
          '../monitoring/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
          '../monitoring/prometheus/rules:/etc/prometheus/rules:ro',
        ]),
      );
      expect(services['grafana'].volumes).toEqual(
        expect.arrayContaining([
          '../monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
          '../monitoring/grafana/dashboards:/var/lib/grafana/dashboards/platform:ro',
        ]),
      );
      expect(commandOf(services['prometheus'])).toContain('--config.file=/etc/prometheus/prometheus.yml');
    });

    it('should mount only paths that exist, the dashboards where the provisioning looks for them', () => {
      for (const name of ['prometheus', 'grafana']) {
        for (const volume of services[name].volumes ?? []) {
          const source = String(volume).split(':')[0];
          if (source.startsWith('.'))
            expect([volume, existsSync(join(DOCKER_DIR, source))]).toEqual([volume, true]);
        }
      }
      const provider = read('monitoring/grafana/provisioning/dashboards/platform.yaml');
      const path = /^\s*path:\s*(\S+)/m.exec(provider)?.[1];
      const dashboards = (services['grafana'].volumes ?? []).find((v) =>
        String(v).startsWith('../monitoring/grafana/dashboards:'),
      );
      expect(String(dashboards).split(':')[1]).toBe(path);
      const ruleFiles = /rule_files:\s*\n\s*-\s*(\S+)/.exec(
        read('monitoring/prometheus/prometheus.yml'),
      )?.[1];
      expect(ruleFiles).toBe('rules/*.rules.yml'); // relative to /etc/prometheus, where the rules are mounted
    });

    it('should check the health of every long-running service that has an endpoint', () => {
      for (const name of ['postgres', 'redis', 'prometheus', 'grafana']) {
        expect(services[name].healthcheck?.test.length).toBeGreaterThan(1);
      }
    });
  });
});
