import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import {
  DOCKER_DIR,
  REPO_ROOT,
  SERVICES,
  envOf,
  finalStage,
  parseDockerfile,
  read,
  startPorts,
  type Instruction,
} from './support';

// Each service's bundle lands where its webpack config says (`output: { path: join(appDir, '../../dist/apps', name) }`);
// the image copies it from there. Read, not required: the config builds Nx's webpack plugin, which needs a build.
function outputDir(service: string): string {
  const config = read('tools/webpack/service-webpack.config.js');
  const match = /output:\s*\{\s*path:\s*join\(appDir,\s*'([^']+)',\s*name\)/.exec(config);
  if (!match)
    throw new Error(
      'tools/webpack/service-webpack.config.js: no output.path of the form join(appDir, <dir>, name)',
    );
  return relative(REPO_ROOT, join(REPO_ROOT, 'apps', service, match[1], service));
}

const args = (instructions: Instruction[], keyword: string): string[] =>
  instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** `["a", "b"]` → ['a', 'b']; a shell-form string is returned as one element. */
const execForm = (text: string): string[] => {
  const json = text.replace(/^(?:--\S+\s+)*CMD\s+/, '').trim();
  return json.startsWith('[') ? (JSON.parse(json) as string[]) : [json];
};

const packageName = (request: string): string =>
  request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : request.split('/')[0];

describe.each(SERVICES.map((service) => [service]))('docker/%s.Dockerfile', (service) => {
  const path = join(DOCKER_DIR, `${service}.Dockerfile`);
  const all = parseDockerfile(path);
  const runtime = finalStage(path);
  const dist = outputDir(service);
  const http = startPorts('http')[service];
  const grpc = startPorts('grpc')[service];

  it('should build with Nx and copy the bundle from the webpack output directory', () => {
    expect(dist).toBe(`dist/apps/${service}`);
    expect(args(all, 'RUN')).toContain(`npx nx build ${service} --skip-nx-cache`);
    const copies = args(runtime, 'COPY').join('\n');
    expect(copies).toContain(
      `--from=build /workspace/${dist}/package.json /workspace/${dist}/package-lock.json ./`,
    );
    expect(copies).toContain(`--from=build /workspace/${dist}/ ./`);
    // The production dependencies come from the lock file the build generates, nothing else.
    expect(args(runtime, 'RUN').join('\n')).toMatch(/npm ci --omit=dev/);
  });

  it('should run on the Node version the workspace requires', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const [major, minor] = /^>=(\d+)\.(\d+)/.exec(engines)!.slice(1).map(Number);
    for (const from of args(all, 'FROM')) {
      const [imgMajor, imgMinor] = /^node:(\d+)\.(\d+)/.exec(from)!.slice(1).map(Number);
      expect(imgMajor === major ? imgMinor >= minor : imgMajor > major).toBe(true);
    }
  });

  it('should serve on the ports the stack and npm start use, on all interfaces', () => {
    const env = envOf(runtime);
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      HTTP_PORT: `${http}`,
      GRPC_PORT: `${grpc}`,
    });
    expect(args(runtime, 'EXPOSE')).toEqual([`${http} ${grpc}`]);
  });

  it('should run as a non-root user given by number', () => {
    const users = args(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const [uid, gid] = users[users.length - 1].split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(Number(gid)).toBeGreaterThan(0);
    // Nothing after USER runs as root again (a RUN there would, with the user's rights, fail to install).
    const lastUser = runtime.map((i) => i.keyword).lastIndexOf('USER');
    expect(runtime.slice(lastUser).filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  it('should check its liveness on /health/live at HTTP_PORT, in exec form', () => {
    const [healthcheck] = args(runtime, 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    const command = execForm(healthcheck);
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain("'http://127.0.0.1:'+process.env.HTTP_PORT+'/health/live'");
    // …which is the route the service kit serves.
    const health = read('libs/shared/service-kit/src/lib/health/health.controller.ts');
    expect(health).toMatch(/@Controller\('health'\)[\s\S]*@Get\('live'\)/);
  });

  it('should start with node main.js, the bundle the build writes, with the flags bench:http measures', () => {
    // The flag is NODE_RUNTIME_FLAGS of libs/cache/bench/common.ts: bench:http measures what the images run.
    expect(args(runtime, 'CMD').map(execForm)).toEqual([['node', '--max-semi-space-size=32', 'main.js']]);
    const builtPackage = join(REPO_ROOT, dist, 'package.json');
    expect(existsSync(builtPackage)).toBe(true);
    expect((JSON.parse(readFileSync(builtPackage, 'utf8')) as { main: string }).main).toBe('main.js');
    expect(read('libs/shared/service-kit/src/lib/bootstrap/run-service.ts')).toContain("'migrate'");
  });

  it('should install every package the bundle loads at run time (npm ci --omit=dev of the built lock file)', () => {
    const bundle = readFileSync(join(REPO_ROOT, dist, 'main.js'), 'utf8');
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, dist, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const requested = new Set(
      [...bundle.matchAll(/\brequire(?:\.resolve)?\((?:\/\*[^*]*\*\/\s*)?["']([^"'./][^"']*)["']\)/g)]
        .map((m) => packageName(m[1]))
        .filter((name) => !name.startsWith('node:') && !builtinModules.includes(name)),
    );
    expect(requested.size).toBeGreaterThan(10);
    const installed = (name: string) =>
      lock.packages[`node_modules/${name}`] && !lock.packages[`node_modules/${name}`].dev;
    expect([...requested].filter((name) => !installed(name))).toEqual([]);
  });

  it('should resolve runtime files with Node, not with webpack module ids (which readFileSync takes for fds)', () => {
    const bundle = readFileSync(join(REPO_ROOT, dist, 'main.js'), 'utf8');
    expect(bundle.match(/.*\/\*require\.resolve\*\/.*/g) ?? []).toEqual([]);
  });

  it('should ship the .proto files its gRPC server loads', () => {
    expect(existsSync(join(REPO_ROOT, dist, 'proto', service, 'v1', `${service}.proto`))).toBe(true);
  });
});

describe('the analytics image', () => {
  it('should ship Chart.js, which the dashboard page serves from node_modules', () => {
    const lock = JSON.parse(read('dist/apps/analytics/package-lock.json')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    expect(lock.packages['node_modules/chart.js']).toBeDefined();
    expect(lock.packages['node_modules/chart.js'].dev).toBeUndefined();
    expect(read('dist/apps/analytics/main.js')).toMatch(
      /\brequire\.resolve\((?:\/\*[^*]*\*\/\s*)?'chart\.js'\)/,
    );
  });
});

describe('what the bundles resolve from node_modules at run time', () => {
  // Each `require.resolve('<pkg…>')` left in a bundle, resolved by Node from the bundle's directory, as in
  // the image (/app/main.js with /app/node_modules; here the workspace's node_modules stand in for it).
  const resolved = SERVICES.flatMap((service) =>
    [
      ...read(`dist/apps/${service}/main.js`).matchAll(
        /\brequire\.resolve\((?:\/\*[^*]*\*\/\s*)?'([^'.][^']*)'\)/g,
      ),
    ].map((m) => [service, m[1]] as const),
  );

  it("should include the dashboard page's Chart.js", () => {
    expect(resolved).toContainEqual(['analytics', 'chart.js']);
  });

  it.each(resolved)('%s: Node should resolve %s (package exports allow it)', (service, request) => {
    const out = execFileSync(process.execPath, ['-p', `require.resolve(${JSON.stringify(request)})`], {
      cwd: join(REPO_ROOT, 'dist/apps', service),
      encoding: 'utf8',
    });
    expect(existsSync(out.trim())).toBe(true);
  });
});
