import fc from 'fast-check';

/**
 * An endpoint fuzzer for the four services as real processes: it discovers every REST route a service
 * registered (its OpenAPI document at `/docs/openapi.json` when it serves one, else the `Mapped {path,
 * METHOD} route` lines Nest logs at boot), then sends a bounded number of fast-check generated requests per
 * route: random and plausible path parameters, query strings and JSON bodies, malformed JSON, wrong content
 * types and oversized bodies, on loopback only. A response ≥ 500 is a failure (a 503 too: the stack is
 * healthy), and so is a 400 whose body does not name a field.
 */

/** One REST route: its method and a path template with `:name` parameters. */
export interface FuzzRoute {
  method: string;
  path: string;
  /** Body field names the route is known to read (from OpenAPI, or learned from a 400). */
  bodyFields: string[];
  /** Query parameter names the route is known to read. */
  queryFields: string[];
}

/** One request the fuzzer sends. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A response that breaks the rules, with what reproduces it. */
export interface FuzzFailure {
  service: string;
  route: string;
  status: number;
  why: string;
  request: FuzzRequest;
  response: string;
}

/** Counts per service. */
export interface FuzzCounts {
  requests: number;
  byClass: Record<string, number>;
  byStatus: Record<string, number>;
  routes: number;
  source: 'openapi' | 'route-log';
}

/** What a run saw. */
export interface FuzzReport {
  seed: number;
  perRoute: number;
  counts: Record<string, FuzzCounts>;
  failures: FuzzFailure[];
}

const MAPPED = /Mapped \{([^,]+), ([A-Z]+)\}/g;
/** Routes no caller input reaches, or that the platform suite owns (health turns red on purpose there). */
const SKIP = /^\/(health|metrics)(\/|$)|^\/docs(\/|$)/;

/** Routes Nest logged at boot (`Mapped {/bids/:id, GET} route`), deduplicated, health and docs left out. */
export function routesFromLog(output: string): FuzzRoute[] {
  const seen = new Map<string, FuzzRoute>();
  for (const match of output.matchAll(MAPPED)) {
    const [path, method] = [match[1].trim(), match[2]];
    if (SKIP.test(path) || method === 'ALL') continue;
    seen.set(`${method} ${path}`, { method, path, bodyFields: [], queryFields: [] });
  }
  return [...seen.values()];
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
}
interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: OpenApiSchema }> };
}
interface OpenApiSchema {
  $ref?: string;
  properties?: Record<string, unknown>;
}

/** Routes of an OpenAPI 3 document, with the body and query fields it declares. */
export function routesFromOpenApi(doc: OpenApiDocument): FuzzRoute[] {
  const resolve = (schema?: OpenApiSchema): OpenApiSchema | undefined =>
    schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop() ?? ''] : schema;
  const routes: FuzzRoute[] = [];
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    const nestPath = path.replace(/\{([^}]+)\}/g, ':$1');
    if (SKIP.test(nestPath)) continue;
    for (const [method, operation] of Object.entries(operations)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const body = resolve(operation.requestBody?.content?.['application/json']?.schema);
      routes.push({
        method: method.toUpperCase(),
        path: nestPath,
        bodyFields: Object.keys(body?.properties ?? {}),
        queryFields: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      });
    }
  }
  return routes;
}

/** The routes of the service at `baseUrl`: its OpenAPI document when it serves one, else its boot log. */
export async function discoverRoutes(
  baseUrl: string,
  bootLog: string,
): Promise<{ routes: FuzzRoute[]; source: 'openapi' | 'route-log' }> {
  const response = await fetch(`${baseUrl}/docs/openapi.json`).catch(() => undefined);
  if (response?.status === 200) {
    const routes = routesFromOpenApi((await response.json()) as OpenApiDocument);
    if (routes.length > 0) return { routes, source: 'openapi' };
  }
  const routes = routesFromLog(bootLog);
  if (routes.length === 0) {
    throw new Error(
      `${baseUrl}: no /docs/openapi.json and no "Mapped {…} route" lines in the boot log (LOG_LEVEL must be info or lower)`,
    );
  }
  return { routes, source: 'route-log' };
}

/** Values a real caller would send, keyed by what a field's name suggests. */
const plausible = (name: string): fc.Arbitrary<unknown> => {
  const lower = name.toLowerCase();
  const iso = fc
    .date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2030-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString());
  if (lower === 'id' || lower.endsWith('hash'))
    return fc.oneof(fc.uuid(), fc.stringMatching(/^[a-f0-9]{64}$/));
  if (lower.endsWith('id')) return fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
  if (lower.includes('state')) return fc.constantFrom('CA', 'TX', 'NY', 'ZZ', 'ca', ['CA', 'TX']);
  if (lower.includes('phone'))
    return fc.oneof(fc.stringMatching(/^\+1[2-9]\d{9}$/), fc.constant('+1 (415) 555-0100'));
  if (lower === 'hour')
    return fc.oneof(
      iso.map((s) => s.slice(0, 13)),
      fc.integer({ min: 0, max: 30 }).map(String),
    );
  if (lower === 'date' || lower === 'period') return iso.map((s) => s.slice(0, 10));
  if (/at$|from|to$|time$|effective/.test(lower)) return iso;
  if (/cents|limit|version|cap|calls|priority|seconds|attempts|hours/.test(lower))
    return fc.oneof(fc.integer({ min: -5, max: 20_000_000 }), fc.double());
  if (/active|activate|requires/.test(lower)) return fc.boolean();
  if (lower.includes('zone')) return fc.constantFrom('UTC', 'America/New_York', 'Mars/Base');
  if (lower === 'rules') return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }));
  return fc.jsonValue({ maxDepth: 2 });
};

/** Values no field should take quietly: wrong types, NULs, huge strings, coercion traps, deep nesting. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000`),
  fc.integer({ min: 10_000, max: 90_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom<unknown>(
    { valueOf: 1, toString: 1 },
    JSON.parse('{"__proto__":{"polluted":true}}'),
    JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
    Number.MAX_SAFE_INTEGER,
    -1,
    1e308,
    '',
    ' ',
    null,
    [],
    {},
    '../../etc/passwd',
    "'; DROP TABLE bids; --",
  ),
  fc.integer({ min: 30, max: 3000 }).map((depth) => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`)),
);

/** A path segment: plausible for the parameter, or hostile (encoded). */
const pathValue = (name: string): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 3, arbitrary: plausible(name).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) },
      {
        weight: 2,
        arbitrary: fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.constantFrom(
            '%00',
            '..',
            '%2e%2e',
            '%2F',
            '__proto__',
            'constructor',
            '%',
            '%ZZ',
            ' ',
            '-1',
            '0',
            '1e999',
          ),
          fc.integer({ min: 1000, max: 20_000 }).map((n) => 'a'.repeat(n)),
        ),
      },
    )
    .map((v) => (/^%|%[0-9A-Fa-f]{2}|^\.\.$/.test(v) ? v : encodeURIComponent(v)));

/** JSON text of `value` (an own `__proto__` key, as JSON.parse makes one, is kept). */
const toJson = (value: unknown): string => JSON.stringify(value) ?? 'null';

const FIELD_KEYS = ['__proto__', 'constructor', 'prototype', 'isAdmin', 'limit', 'state', ''];

/** `text` cut to 300 characters, saying how long it was. */
const clip = (text: string): string =>
  text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;

/** fast-check generator of requests for `route`. */
export function requestsFor(route: FuzzRoute, bodyLimitBytes: number): fc.Arbitrary<FuzzRequest> {
  const params = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  const path = fc
    .tuple(...params.map((name) => pathValue(name)))
    .map((values) => params.reduce((p, name, i) => p.replace(`:${name}`, values[i]), route.path));
  const queryKeys = [
    ...route.queryFields,
    'limit',
    'state',
    'from',
    'to',
    'period',
    'phoneNumber',
    'active',
    'status',
  ];
  const query = fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...queryKeys, ...FIELD_KEYS), fc.string({ maxLength: 10 })),
        fc.oneof(
          fc.constantFrom(...queryKeys).chain((k) => plausible(k)),
          hostile,
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => {
      const search = new URLSearchParams();
      for (const [k, v] of pairs) search.append(k, typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
      const text = search.toString();
      return text ? `?${text}` : '';
    });
  const fields = route.bodyFields.length > 0 ? route.bodyFields : ['id'];
  const shaped = fc
    .tuple(
      fc.record(Object.fromEntries(fields.map((f) => [f, plausible(f)])), { requiredKeys: [] }),
      fc.array(fc.tuple(fc.constantFrom(...fields, ...FIELD_KEYS), hostile), { maxLength: 2 }),
    )
    .map(([body, extra]) => {
      const out: Record<string, unknown> = { ...body };
      for (const [k, v] of extra)
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return toJson(out);
    });
  const json = { 'content-type': 'application/json' };
  const body = fc.oneof(
    { weight: 6, arbitrary: shaped.map((text) => ({ headers: json, body: text })) },
    { weight: 1, arbitrary: hostile.map((v) => ({ headers: json, body: toJson(v) })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{', '{"a":', '[1,', 'nul', '{"a":1}}', '\u0000', '{"a":"\\uZZZZ"}', '')
        .map((text) => ({ headers: json, body: text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
        )
        .chain((type) => shaped.map((text) => ({ headers: { 'content-type': type }, body: text }))),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: bodyLimitBytes + 1, max: bodyLimitBytes * 3 })
        .map((n) => ({ headers: json, body: `{"pad":"${'p'.repeat(n)}"}` })),
    },
  );
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  return fc
    .tuple(
      path,
      query,
      hasBody ? body : fc.constant({ headers: {} as Record<string, string>, body: undefined }),
    )
    .map(([p, q, b]) => ({ method: route.method, path: `${p}${q}`, headers: b.headers, body: b.body }));
}

/**
 * 400s about the request as a whole rather than a field: a URL that is not valid percent-encoding, a body
 * that is not JSON. There is no field to name; they are counted apart (`400 whole-request`) and reported.
 */
export const WHOLE_REQUEST_400_CODES = ['FST_ERR_BAD_URL', 'REQUEST.INVALID_JSON'];

/** Why `status` and `text` break the rules (undefined when they do not), and a 400's kind. */
export function judge(status: number, text: string): { why?: string; wholeRequest?: boolean } {
  if (status >= 500) return { why: `status ${status}` };
  // Every refusal of the caller's input names what it refused: 400s, and the body parsers' 413 and 415.
  if (status !== 400 && status !== 413 && status !== 415) return {};
  let body: { code?: unknown; fields?: { field?: unknown }[] };
  try {
    body = JSON.parse(text);
  } catch {
    return { why: '400 body is not JSON' };
  }
  const fields = body.fields;
  if (Array.isArray(fields) && fields.length > 0) {
    return fields.every((f) => typeof f?.field === 'string')
      ? {}
      : { why: `${status} body has a \`fields\` entry without a field name` };
  }
  if (status === 400 && WHOLE_REQUEST_400_CODES.includes(String(body.code))) return { wholeRequest: true };
  return { why: `${status} body names no field (code ${String(body.code)})` };
}

/** Sends one request (loopback only) and reads the whole answer. */
async function send(baseUrl: string, request: FuzzRequest): Promise<{ status: number; text: string }> {
  const url = new URL(request.path.startsWith('/') ? request.path : `/${request.path}`, baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing a non-loopback target: ${url.href}`);
  const response = await fetch(url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Learns a route's body fields from the 400 an empty body gets (`fields[].field`), when OpenAPI gave none. */
async function learnBodyFields(baseUrl: string, route: FuzzRoute): Promise<void> {
  if (route.bodyFields.length > 0 || !['POST', 'PUT', 'PATCH'].includes(route.method)) return;
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, 'x');
  const { status, text } = await send(baseUrl, {
    method: route.method,
    path,
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (status !== 400) return;
  try {
    const fields = (JSON.parse(text) as { fields?: { field: string }[] }).fields ?? [];
    route.bodyFields = [...new Set(fields.map((f) => f.field.split('.')[0]))].filter((f) => f !== '');
  } catch {
    // Not a field list: the generic shapes are used.
  }
}

/** A service to fuzz: its name, base URL and boot log. */
export interface FuzzTarget {
  name: string;
  baseUrl: string;
  bootLog: () => string;
}

/** Options of {@link fuzzServices}. */
export interface FuzzOptions {
  /** Requests per route. */
  perRoute: number;
  /** fast-check seed; the same seed and services replay the same requests. */
  seed: number;
  /** The body limit of the services (bodies past it must get 413, never 5xx). */
  bodyLimitBytes: number;
  /** Stop sending (and report what was sent) after this long. */
  deadlineMs: number;
  /** Progress lines; nothing when not given. */
  log?: (line: string) => void;
}

/** Fuzzes every route of every target in turn and reports counts and failures. */
export async function fuzzServices(targets: FuzzTarget[], options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { seed: options.seed, perRoute: options.perRoute, counts: {}, failures: [] };
  const deadline = Date.now() + options.deadlineMs;
  for (const [index, target] of targets.entries()) {
    const { routes, source } = await discoverRoutes(target.baseUrl, target.bootLog());
    const counts: FuzzCounts = { requests: 0, byClass: {}, byStatus: {}, routes: routes.length, source };
    report.counts[target.name] = counts;
    for (const [routeIndex, route] of routes.entries()) {
      await learnBodyFields(target.baseUrl, route);
      const requests = fc.sample(requestsFor(route, options.bodyLimitBytes), {
        numRuns: options.perRoute,
        // One seed per route, derived from the run's: a route's requests do not depend on the others.
        seed: (options.seed + index * 1000 + routeIndex) | 0,
      });
      for (const request of requests) {
        if (Date.now() > deadline)
          throw new Error(
            `fuzz run exceeded ${options.deadlineMs} ms at ${target.name} ${route.method} ${route.path}`,
          );
        let status: number;
        let text: string;
        try {
          ({ status, text } = await send(target.baseUrl, request));
        } catch (error) {
          status = 0;
          text = String(error);
        }
        counts.requests++;
        const cls = status === 0 ? 'error' : `${Math.floor(status / 100)}xx`;
        counts.byClass[cls] = (counts.byClass[cls] ?? 0) + 1;
        counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
        const verdict = status === 0 ? { why: `no response: ${text}` } : judge(status, text);
        if (verdict.wholeRequest)
          counts.byStatus['400 whole-request'] = (counts.byStatus['400 whole-request'] ?? 0) + 1;
        const why = verdict.why;
        if (why) {
          report.failures.push({
            service: target.name,
            route: `${route.method} ${route.path}`,
            status,
            why,
            request: { ...request, path: clip(request.path), body: request.body && clip(request.body) },
            response: text.slice(0, 500),
          });
        }
      }
      options.log?.(`${target.name} ${route.method} ${route.path}: ${requests.length} requests`);
    }
  }
  return report;
}

/** The report as the lines a person reads: counts per service, the seed, and each failure. */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `endpoint fuzz: seed ${report.seed}, ${report.perRoute} requests per route (replay: FUZZ_SEED=${report.seed})`,
  ];
  for (const [name, c] of Object.entries(report.counts)) {
    const classes = Object.entries(c.byClass)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const statuses = Object.entries(c.byStatus)
      .sort()
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
    lines.push(
      `  ${name.padEnd(10)} routes ${c.routes} (${c.source}), requests ${c.requests}: ${classes}  [${statuses}]`,
    );
  }
  lines.push(`  failures: ${report.failures.length}`);
  for (const f of report.failures.slice(0, 50)) {
    lines.push(
      `  - ${f.service} ${f.route}: ${f.why}\n      request ${JSON.stringify(f.request)}\n      response ${f.response}`,
    );
  }
  return lines.join('\n');
}
