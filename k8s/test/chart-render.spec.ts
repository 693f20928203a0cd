import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHART,
  K8sObject,
  PROFILES,
  RELEASE,
  ROOT,
  SERVICES,
  containersOf,
  forService,
  helm,
  kubeconform,
  ofKind,
  parseManifests,
  profileArgs,
  render,
  renderText,
} from './chart';

/**
 * Env names whose value is a credential: they may only ever come from a Secret reference. `<NAME>_FILE` is the
 * path of a mounted Secret file, not the secret (checked to point into a read-only Secret volume instead).
 */
const SECRETISH =
  /^(?!.*_FILE$).*(PASSWORD|PASSWD|SECRET|TOKEN|PEPPER|API_KEY|PRIVATE_KEY|CREDENTIAL|^DATABASE_URL$)/;

describe('platform chart', () => {
  describe.each(PROFILES)('profile %s', (profile) => {
    let text: string;
    let objects: K8sObject[];

    beforeAll(() => {
      text = renderText(profile);
      objects = parseManifests(text);
    });

    it('should pass helm lint --strict', () => {
      const r = helm(['lint', CHART, '--strict', ...profileArgs(profile)]);
      expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.status).toBe(0);
    });

    it('should render only documents that are valid against the Kubernetes API schemas', () => {
      const { run, report } = kubeconform(text);
      const bad = report.resources.filter((r) => r.status !== 'statusValid');
      expect(bad).toEqual([]);
      expect(report.summary).toEqual({ valid: objects.length, invalid: 0, errors: 0, skipped: 0 });
      expect(run.status).toBe(0);
    });

    it('should render one Deployment, Service, ConfigMap, NetworkPolicy and migration Job per service', () => {
      for (const kind of ['Deployment', 'Service', 'ConfigMap', 'NetworkPolicy']) {
        for (const service of SERVICES) expect(forService(objects, kind, service).kind).toBe(kind);
      }
      expect(
        ofKind(objects, 'Job')
          .map((j) => j.metadata.name)
          .sort(),
      ).toEqual(SERVICES.map((s) => `${RELEASE}-${s}-migrate`).sort());
      expect(ofKind(objects, 'Secret')).toEqual([]);
    });

    it('should probe /health/live for liveness and startup and /health/ready for readiness on the HTTP port', () => {
      for (const service of SERVICES) {
        const [container] = forService(objects, 'Deployment', service).spec.template.spec.containers;
        expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
        const http = container.ports.find((p: K8sObject) => p.name === 'http');
        expect(http.containerPort).toBe(Number(forService(objects, 'ConfigMap', service).data.HTTP_PORT));
      }
    });

    it('should run every container with the restricted security context and resource limits', () => {
      const all = containersOf(objects);
      expect(all).toHaveLength(SERVICES.length * 2);
      for (const { owner, container, pod } of all) {
        expect({ owner, pod: pod.securityContext }).toMatchObject({
          owner,
          pod: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        });
        expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
        expect({ owner, container: container.securityContext }).toEqual({
          owner,
          container: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
        });
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(container.resources.limits.memory).toMatch(/^[0-9]+(Mi|Gi)$/);
        expect(container.resources.requests.cpu).toBeDefined();
      }
    });

    it('should take secrets only by reference to an existing Secret, never as a value', () => {
      for (const { owner, container } of containersOf(objects)) {
        for (const env of container.env ?? []) {
          if (SECRETISH.test(env.name)) {
            expect({ owner, name: env.name, value: env.value }).toEqual({
              owner,
              name: env.name,
              value: undefined,
            });
            expect(env.valueFrom.secretKeyRef.name).toMatch(/^platform/);
            expect(env.valueFrom.secretKeyRef.key).toBeTruthy();
          }
        }
        const names = (container.env ?? []).map((e: K8sObject) => e.name);
        expect({ owner, hasDatabaseUrl: names.includes('DATABASE_URL') }).toEqual({
          owner,
          hasDatabaseUrl: true,
        });
      }
      for (const cm of ofKind(objects, 'ConfigMap')) {
        // A `<NAME>_FILE` holds the path of a mounted secret, not the secret.
        expect(Object.keys(cm.data ?? {}).filter((k) => SECRETISH.test(k) && !k.endsWith('_FILE'))).toEqual(
          [],
        );
      }
    });

    it('should run migrations as a pre-install/pre-upgrade hook Job before anything else', () => {
      const hooks = objects.filter((o) => o.metadata?.annotations?.['helm.sh/hook']);
      expect(hooks.map((h) => h.kind)).toEqual(SERVICES.map(() => 'Job'));
      for (const job of hooks) {
        const annotations = job.metadata.annotations;
        expect(annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        expect(annotations['helm.sh/hook-delete-policy']).toBe('before-hook-creation,hook-succeeded');
        expect(Number(annotations['helm.sh/hook-weight'])).toBeLessThan(0);
        const [container] = job.spec.template.spec.containers;
        expect(container.command).toEqual(['node', 'main.js', 'migrate']);
        expect(job.spec.template.spec.restartPolicy).toBe('Never');
        // A pre-install hook runs before the release's ConfigMaps exist: its environment must be inline.
        expect(container.envFrom).toBeUndefined();
        const service = job.metadata.name.replace(`${RELEASE}-`, '').replace('-migrate', '');
        const inline = Object.fromEntries(
          container.env.filter((e: K8sObject) => 'value' in e).map((e: K8sObject) => [e.name, e.value]),
        );
        expect(inline).toEqual(forService(objects, 'ConfigMap', service).data);
      }
    });

    it('should annotate pods with a checksum of their configuration', () => {
      for (const service of SERVICES) {
        const annotations = forService(objects, 'Deployment', service).spec.template.metadata.annotations;
        expect(annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      }
    });

    it('should point every peer address at the peer Service gRPC port', () => {
      const peers: Record<string, string[]> = { bid: ['routing', 'compliance'], analytics: ['routing'] };
      for (const [service, wanted] of Object.entries(peers)) {
        const data = forService(objects, 'ConfigMap', service).data;
        for (const peer of wanted) {
          const svc = forService(objects, 'Service', peer);
          const grpc = svc.spec.ports.find((p: K8sObject) => p.name === 'grpc');
          expect(data[`${peer.toUpperCase()}_GRPC_ADDRESS`]).toBe(`${svc.metadata.name}:${grpc.port}`);
        }
      }
    });

    it('should select each service pods by the same labels in Service, NetworkPolicy, PDB and HPA target', () => {
      for (const service of SERVICES) {
        const deployment = forService(objects, 'Deployment', service);
        const podLabels = deployment.spec.template.metadata.labels;
        expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels);
        expect(podLabels).toMatchObject(forService(objects, 'Service', service).spec.selector);
        expect(podLabels).toMatchObject(
          forService(objects, 'NetworkPolicy', service).spec.podSelector.matchLabels,
        );
        for (const pdb of ofKind(objects, 'PodDisruptionBudget').filter((p) =>
          p.metadata.name.endsWith(service),
        )) {
          expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
        }
        for (const hpa of ofKind(objects, 'HorizontalPodAutoscaler').filter((h) =>
          h.metadata.name.endsWith(service),
        )) {
          expect(hpa.spec.scaleTargetRef).toEqual({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: deployment.metadata.name,
          });
        }
      }
    });
  });

  describe('configuration', () => {
    it('should set only environment variables the services read, and every one their config loader requires', () => {
      // Names the code reads: every non-test TypeScript source under libs/ (config loaders, clients, features).
      const sources = listSources(join(ROOT, 'libs'))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      for (const profile of PROFILES) {
        const objects = render(profile);
        for (const service of SERVICES) {
          const data = forService(objects, 'ConfigMap', service).data;
          const unknown = Object.keys(data).filter(
            (name) => name !== 'NODE_OPTIONS' && !new RegExp(`['"\`]${name}['"\`]|\\b${name}:`).test(sources),
          );
          expect({ profile, service, unknown }).toEqual({ profile, service, unknown: [] });
          expect(data).toMatchObject({ HOST: '0.0.0.0', DB_SCHEMA: service });
          expect(data.KAFKA_BROKERS).toBeTruthy();
          expect(data.REDIS_URL).toMatch(/^redis:\/\//);
        }
      }
    });

    it('should change the checksum when the configuration changes, and only then', () => {
      const checksums = (extra: string[]) =>
        SERVICES.map(
          (s) =>
            forService(render('prod', extra), 'Deployment', s).spec.template.metadata.annotations[
              'checksum/config'
            ],
        );
      const base = checksums([]);
      expect(checksums(['--set', 'replicaCount=5'])).toEqual(base);
      const changed = checksums(['--set', 'config.logLevel=warn']);
      changed.forEach((sum, i) => expect(sum).not.toBe(base[i]));
      const onlyBid = checksums(['--set', 'services.bid.env.BID_WARM_TOP_BUYERS=7']);
      expect(onlyBid[0]).not.toBe(base[0]);
      expect(onlyBid.slice(1)).toEqual(base.slice(1));
    });

    it('dev: should run one replica each on standalone Redis, without HPA, PDB or ServiceMonitor', () => {
      const objects = render('dev');
      for (const service of SERVICES) {
        expect(forService(objects, 'Deployment', service).spec.replicas).toBe(1);
        expect(forService(objects, 'ConfigMap', service).data.CACHE_L2).toBe('standalone');
      }
      for (const kind of [
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'ServiceMonitor',
        'PrometheusRule',
      ]) {
        expect(ofKind(objects, kind)).toEqual([]);
      }
    });

    it('prod: should use Redis Cluster L2, a Kafka bootstrap list, >= 3 replicas, HPA on CPU and request rate, PDB', () => {
      const objects = render('prod');
      for (const service of SERVICES) {
        const data = forService(objects, 'ConfigMap', service).data;
        expect(data.CACHE_L2).toBe('cluster');
        expect(data.REDIS_CLUSTER_NODES.split(',').length).toBeGreaterThanOrEqual(3);
        expect(data.KAFKA_BROKERS.split(',').length).toBeGreaterThanOrEqual(3);
        expect(data.NODE_ENV).toBe('production');

        const deployment = forService(objects, 'Deployment', service);
        expect(deployment.spec.replicas).toBeUndefined(); // owned by the HPA
        expect(
          deployment.spec.template.spec.topologySpreadConstraints.map((c: K8sObject) => c.topologyKey),
        ).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);

        const hpa = forService(objects, 'HorizontalPodAutoscaler', service);
        expect(hpa.apiVersion).toBe('autoscaling/v2');
        expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
        expect(hpa.spec.metrics).toEqual([
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } },
          },
          {
            type: 'Pods',
            pods: {
              metric: { name: 'http_requests_per_second' },
              target: { type: 'AverageValue', averageValue: '200' },
            },
          },
        ]);
        expect(forService(objects, 'PodDisruptionBudget', service).spec.minAvailable).toBe(2);
        // The rules and dashboards group by `service` = the app name: keep the series' own label, and set it on
        // the others (kafka_*, outbox_*) instead of the operator's default, the Kubernetes Service name.
        expect(forService(objects, 'ServiceMonitor', service).spec.endpoints).toMatchObject([
          {
            port: 'http',
            path: '/metrics',
            honorLabels: true,
            relabelings: expect.arrayContaining([{ targetLabel: 'service', replacement: service }]),
          },
        ]);
      }
    });

    it('should let one service override replicas and resources', () => {
      const objects = render('dev', [
        '--set',
        'services.bid.replicaCount=2',
        '--set',
        'services.analytics.resources.limits.memory=2Gi',
      ]);
      const pod = (s: string) => forService(objects, 'Deployment', s).spec;
      expect(SERVICES.map((s) => pod(s).replicas)).toEqual([2, 1, 1, 1]);
      expect(SERVICES.map((s) => pod(s).template.spec.containers[0].resources.limits.memory)).toEqual([
        '768Mi',
        '768Mi',
        '768Mi',
        '2Gi',
      ]);
    });

    it('prod: should give the phone-hash pepper to bid and compliance only, by Secret reference', () => {
      const objects = render('prod');
      const pepper = (service: string) =>
        forService(objects, 'Deployment', service).spec.template.spec.containers[0].env.find(
          (e: K8sObject) => e.name === 'COMPLIANCE_PHONE_HASH_PEPPER',
        );
      expect(pepper('bid').valueFrom.secretKeyRef).toEqual({
        name: 'platform',
        key: 'COMPLIANCE_PHONE_HASH_PEPPER',
      });
      expect(pepper('compliance').valueFrom.secretKeyRef).toEqual({
        name: 'platform',
        key: 'COMPLIANCE_PHONE_HASH_PEPPER',
      });
      expect(pepper('routing')).toBeUndefined();
      expect(pepper('analytics')).toBeUndefined();
    });

    it('prod: should check tokens in every service (AUTH_MODE=jwt, issuer), the secret by Secret reference', () => {
      const objects = render('prod');
      for (const service of SERVICES) {
        expect(forService(objects, 'ConfigMap', service).data).toMatchObject({
          AUTH_MODE: 'jwt',
          AUTH_ISSUER: 'https://auth.example.com',
          AUTH_AUDIENCE: 'platform',
        });
        const secret = forService(objects, 'Deployment', service).spec.template.spec.containers[0].env.find(
          (e: K8sObject) => e.name === 'AUTH_JWT_SECRET',
        );
        expect(secret.valueFrom.secretKeyRef).toEqual({ name: 'platform', key: 'AUTH_JWT_SECRET' });
      }
      const off = render('prod', ['--set', 'config.authMode=off']);
      for (const service of SERVICES) {
        expect(forService(off, 'ConfigMap', service).data.AUTH_ISSUER).toBeUndefined();
        expect(forService(off, 'ConfigMap', service).data.AUTH_MODE).toBe('off');
      }
    });
  });

  describe('infrastructure credentials', () => {
    const CREDENTIALS = [
      ...['config.redisUsername=app', 'config.redisTls=true', 'config.databaseSslMode=verify-full'],
      ...['secrets.redisPasswordKey=REDIS_PASSWORD', 'secrets.databasePasswordKey=DATABASE_PASSWORD'],
      ...['tls.existingSecret=platform-tls', 'tls.redisCaKey=ca.crt', 'tls.redisCertKey=tls.crt'],
      ...['tls.redisKeyKey=tls.key', 'tls.databaseCaKey=ca.crt'],
    ].flatMap((value) => ['--set', value]);

    it('should mount the passwords and TLS files read-only and point the *_FILE variables at them', () => {
      const objects = render('prod', CREDENTIALS);
      for (const service of SERVICES) {
        expect(forService(objects, 'ConfigMap', service).data).toMatchObject({
          REDIS_USERNAME: 'app',
          REDIS_TLS: 'true',
          REDIS_PASSWORD_FILE: '/etc/platform/secrets/redis-password',
          REDIS_TLS_CA_FILE: '/etc/platform/tls/ca.crt',
          REDIS_TLS_CERT_FILE: '/etc/platform/tls/tls.crt',
          REDIS_TLS_KEY_FILE: '/etc/platform/tls/tls.key',
          DATABASE_SSL_MODE: 'verify-full',
          DATABASE_PASSWORD_FILE: '/etc/platform/secrets/database-password',
          DATABASE_SSL_CA_FILE: '/etc/platform/tls/ca.crt',
        });
      }
      // Services and migration Jobs alike (migrations connect to Postgres with the same credentials).
      for (const { owner, container, pod } of containersOf(objects)) {
        const mounts = Object.fromEntries((container.volumeMounts ?? []).map((m: K8sObject) => [m.name, m]));
        expect({ owner, secrets: mounts['secret-files'], tls: mounts['tls'] }).toEqual({
          owner,
          secrets: { name: 'secret-files', mountPath: '/etc/platform/secrets', readOnly: true },
          tls: { name: 'tls', mountPath: '/etc/platform/tls', readOnly: true },
        });
        const volumes = Object.fromEntries(pod.volumes.map((v: K8sObject) => [v.name, v]));
        expect(volumes['secret-files'].secret).toEqual({
          secretName: 'platform',
          defaultMode: 0o440,
          items: [
            { key: 'REDIS_PASSWORD', path: 'redis-password' },
            { key: 'DATABASE_PASSWORD', path: 'database-password' },
          ],
        });
        expect(volumes['tls'].secret).toEqual({ secretName: 'platform-tls', defaultMode: 0o440 });
        // The passwords never enter the environment, not even by Secret reference.
        const names = (container.env ?? []).map((e: K8sObject) => e.name);
        expect(names.filter((n: string) => /^(REDIS|DATABASE)_PASSWORD$/.test(n))).toEqual([]);
      }
      expect(kubeconform(renderText('prod', CREDENTIALS)).report.summary.invalid).toBe(0);
    });

    it('should mount nothing more when no credential is set', () => {
      for (const { container, pod } of containersOf(render('prod'))) {
        expect(container.volumeMounts.map((m: K8sObject) => m.name)).toEqual(['tmp']);
        expect(pod.volumes.map((v: K8sObject) => v.name)).toEqual(['tmp']);
      }
    });

    it.each([
      [
        'a Redis TLS file without config.redisTls',
        ['tls.existingSecret=t', 'tls.redisCaKey=ca.crt'],
        'redisTls',
      ],
      [
        'a Postgres CA with sslmode disable',
        ['tls.existingSecret=t', 'tls.databaseCaKey=ca.crt', 'config.databaseSslMode=disable'],
        'databaseSslMode',
      ],
      [
        'a TLS file key without tls.existingSecret',
        ['config.redisTls=true', 'tls.redisCaKey=ca.crt'],
        'tls.existingSecret is required',
      ],
    ])('should refuse %s', (_, values, message) => {
      const r = helm([
        'template',
        RELEASE,
        CHART,
        ...profileArgs('prod'),
        ...values.flatMap((value) => ['--set', value]),
      ]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(message);
    });
  });

  describe('Kafka credentials', () => {
    const secure = [
      ['--set', 'config.kafkaSaslMechanism=scram-sha-512'],
      ['--set', 'config.kafkaSaslUsername=platform'],
      ['--set', 'secrets.kafkaSaslPasswordKey=KAFKA_SASL_PASSWORD'],
      ['--set', 'config.kafkaTls=true'],
      ['--set', 'secrets.kafkaTlsCaSecret=kafka-ca'],
      ['--set', 'config.kafkaTlsServername=kafka.data.svc'],
    ].flat();

    it('prod: should mount the SASL password and the CA as files in every pod and migration Job, never as values', () => {
      const objects = render('prod', secure);
      for (const service of SERVICES) {
        expect(forService(objects, 'ConfigMap', service).data).toMatchObject({
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: 'platform',
          KAFKA_SASL_PASSWORD_FILE: '/var/run/secrets/platform/kafka-sasl/password',
          KAFKA_TLS: 'true',
          KAFKA_TLS_CA_FILE: '/var/run/secrets/platform/kafka-ca/ca.crt',
          KAFKA_TLS_SERVERNAME: 'kafka.data.svc',
        });
        const deployment = forService(objects, 'Deployment', service);
        const job = objects.find(
          (o) => o.kind === 'Job' && o.metadata?.name === `${deployment.metadata.name}-migrate`,
        );
        if (!job) throw new Error(`no migration Job for ${service}`);
        for (const workload of [deployment, job]) {
          const pod = workload.spec.template.spec;
          expect(pod.volumes).toEqual(
            expect.arrayContaining([
              {
                name: 'kafka-sasl',
                secret: {
                  secretName: 'platform',
                  defaultMode: 0o400,
                  items: [{ key: 'KAFKA_SASL_PASSWORD', path: 'password' }],
                },
              },
              {
                name: 'kafka-ca',
                secret: {
                  secretName: 'kafka-ca',
                  defaultMode: 0o444,
                  items: [{ key: 'ca.crt', path: 'ca.crt' }],
                },
              },
            ]),
          );
          expect(pod.containers[0].volumeMounts).toEqual(
            expect.arrayContaining([
              { name: 'kafka-sasl', mountPath: '/var/run/secrets/platform/kafka-sasl', readOnly: true },
              { name: 'kafka-ca', mountPath: '/var/run/secrets/platform/kafka-ca', readOnly: true },
            ]),
          );
          const env = (pod.containers[0].env ?? []).map((e: K8sObject) => e.name);
          expect(env).not.toContain('KAFKA_SASL_PASSWORD');
        }
      }
    });

    it('should connect in plaintext without SASL by default', () => {
      const objects = render('prod');
      for (const service of SERVICES) {
        const data = forService(objects, 'ConfigMap', service).data;
        expect(data.KAFKA_TLS).toBe('false');
        expect(data.KAFKA_SASL_MECHANISM).toBeUndefined();
        const volumes = forService(objects, 'Deployment', service).spec.template.spec.volumes;
        expect(volumes.map((v: K8sObject) => v.name)).toEqual(['tmp']);
      }
    });

    it('should refuse a mechanism without the password key, and an unknown mechanism', () => {
      expect(() =>
        render('prod', [
          '--set',
          'config.kafkaSaslMechanism=scram-sha-256',
          '--set',
          'config.kafkaSaslUsername=u',
        ]),
      ).toThrow(/secrets.kafkaSaslPasswordKey is required with config.kafkaSaslMechanism/);
      expect(() => render('prod', ['--set', 'config.kafkaSaslMechanism=gssapi'])).toThrow(
        /kafkaSaslMechanism/,
      );
    });
  });

  describe('limits', () => {
    it('prod: should limit each client, body and gRPC message sizes in every service; dev: no rate limit', () => {
      const prod = render('prod');
      for (const service of SERVICES) {
        expect(forService(prod, 'ConfigMap', service).data).toMatchObject({
          RATE_LIMIT_ENABLED: 'true',
          RATE_LIMIT_POINTS: '600',
          RATE_LIMIT_WINDOW_S: '60',
          RATE_LIMIT_REDIS_TIMEOUT_MS: '50',
          HTTP_TRUST_PROXY: 'false',
          HTTP_BODY_LIMIT_BYTES: '102400',
          GRPC_MAX_RECEIVE_MESSAGE_BYTES: '4194304',
          GRPC_MAX_SEND_MESSAGE_BYTES: '4194304',
        });
      }
      const tuned = render('prod', [
        '--set',
        'config.rateLimitPoints=50,config.rateLimitRedisTimeoutMs=20,config.httpTrustProxy=2,config.grpcMaxMessageBytes=1048576',
      ]);
      expect(forService(tuned, 'ConfigMap', 'bid').data).toMatchObject({
        RATE_LIMIT_POINTS: '50',
        RATE_LIMIT_REDIS_TIMEOUT_MS: '20',
        HTTP_TRUST_PROXY: '2',
        GRPC_MAX_RECEIVE_MESSAGE_BYTES: '1048576',
      });
      for (const service of SERVICES) {
        expect(forService(render('dev'), 'ConfigMap', service).data.RATE_LIMIT_ENABLED).toBe('false');
      }
    });
  });

  describe('monitoring', () => {
    it('prod: should ship every rule group of the repository rule files as one PrometheusRule', () => {
      const rules = render('prod').filter((o) => o.kind === 'PrometheusRule');
      expect(rules).toHaveLength(1);
      // The sources themselves, not the chart's symlinks: a rule file the chart does not reach fails here.
      const expected = RULE_DIRS.flatMap((dir) =>
        listFiles(join(ROOT, dir))
          .filter((f) => f.endsWith('.rules.yml'))
          .sort()
          .flatMap((f) => parseManifests(readFileSync(join(ROOT, dir, f), 'utf8'))[0].groups),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(rules[0].spec.groups).toEqual(expected);
      const alerts = rules[0].spec.groups
        .flatMap((g: K8sObject) => g.rules.map((r: K8sObject) => r.alert))
        .filter(Boolean);
      expect(alerts).toEqual(
        expect.arrayContaining(['LowCacheHitRate', 'HighEvictionRate', 'CacheLatencyHigh']),
      );
    });

    it('should ship every dashboard of monitoring/grafana/dashboards, and only those, for the Grafana sidecar', () => {
      const dir = join(ROOT, 'monitoring/grafana/dashboards');
      const onDisk = listFiles(dir).filter((f) => f.endsWith('.json'));
      for (const profile of PROFILES) {
        const cms = ofKind(render(profile), 'ConfigMap').filter(
          (c) => c.metadata.name === `${RELEASE}-dashboards`,
        );
        // No dashboard yet: no empty ConfigMap either (values-schema.spec.ts checks one with a dashboard).
        expect(cms).toHaveLength(onDisk.length > 0 ? 1 : 0);
        for (const cm of cms) {
          expect(cm.metadata.labels.grafana_dashboard).toBe('1');
          expect(Object.keys(cm.data).sort()).toEqual(onDisk.sort());
          for (const f of onDisk) expect(cm.data[f]).toBe(readFileSync(join(dir, f), 'utf8'));
        }
      }
    });
  });
});

/** Where the repository keeps Prometheus rule files, in the order the chart ships them. */
const RULE_DIRS = ['monitoring/prometheus/rules'];

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listSources(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|int-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
