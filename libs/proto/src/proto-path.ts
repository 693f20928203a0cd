import { existsSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';

/** The gRPC services defined in this library; each has one `<svc>/v1/<svc>.proto` file. */
export type ProtoService = 'bid' | 'routing' | 'compliance' | 'analytics';

/** Every service name, in a stable order (handy for tests and for copying assets). */
export const protoServices: readonly ProtoService[] = ['bid', 'routing', 'compliance', 'analytics'];

/** gRPC package name per service, for Nest's `Transport.GRPC` `package` option. */
export const grpcPackage = {
  bid: 'bid.v1',
  routing: 'routing.v1',
  compliance: 'compliance.v1',
  analytics: 'analytics.v1',
} as const satisfies Record<ProtoService, string>;

/**
 * proto-loader options matching the generated types: camelCase fields, numeric enums, proto3 defaults filled in
 * (so a non-optional `int32 limit` arrives as 0, not undefined) while unset `optional` fields stay undefined.
 */
export const grpcLoaderOptions = { keepCase: false, defaults: true } as const;

/** Path of a service's .proto file relative to a proto root directory (e.g. `bid/v1/bid.proto`). */
export function protoRelativePath(service: ProtoService): string {
  return join(service, 'v1', `${service}.proto`);
}

/** Nearest ancestor of `start` (inclusive) that contains `nx.json`, or undefined when there is none. */
function findWorkspaceRoot(start: string): string | undefined {
  let dir = resolve(start);
  const { root } = parse(dir);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dir === root) return undefined;
    dir = dirname(dir);
  }
}

/** Absolute path of a service's .proto: `$PROTO_DIR`, else `<bundle dir>/proto/`, else `libs/proto/` in the workspace. */
export function protoPath(service: ProtoService): string {
  const rel = protoRelativePath(service);

  // 1. Explicit override, e.g. in a container image that keeps the protos elsewhere.
  const envDir = process.env['PROTO_DIR'];
  if (envDir) return resolve(envDir, rel);

  // 2. Copied next to the bundle as a webpack asset: dist/apps/<app>/proto/<svc>/v1/<svc>.proto.
  const bundleDirs = [require.main?.filename ? dirname(require.main.filename) : undefined, __dirname];
  const tried: string[] = [];
  for (const dir of bundleDirs) {
    if (!dir) continue;
    const candidate = join(dir, 'proto', rel);
    if (existsSync(candidate)) return candidate;
    tried.push(candidate);
  }

  // 3. Source checkout: <workspace root>/libs/proto/<svc>/v1/<svc>.proto.
  const workspaceRoot = findWorkspaceRoot(process.cwd());
  if (workspaceRoot) {
    const candidate = join(workspaceRoot, 'libs', 'proto', rel);
    if (existsSync(candidate)) return candidate;
    tried.push(candidate);
  }

  throw new Error(
    `Cannot find ${rel}; set PROTO_DIR or copy the .proto files to <app dist>/proto. Tried: ${tried.join(', ')}`,
  );
}
