import type { INestApplication, Type } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import Ajv from 'ajv';
import { getMetadataStorage } from 'class-validator';
import type { ServiceConfig } from '@platform/config';
import { READ_HTTP_METHODS } from '../../auth/auth.constants';
import { isPublicRoute, routeScopes } from '../../auth/route-scopes';
import { SERVICE_CONFIG } from '../../service-kit.constants';
import { OPENAPI_JSON_PATH } from '../openapi.setup';
import oasSchema from './oas-3.0.schema.json';

/** class-transformer's `@Type()` registry (not in its typed entry points): the nested DTO of a field. */
const typeRegistry = (
  require('class-transformer/cjs/storage') as {
    defaultMetadataStorage: {
      findTypeMetadata(target: Type, property: string): { typeFunction(): unknown } | undefined;
    };
  }
).defaultMetadataStorage;

/** A loosely typed OpenAPI document: the checks below read it defensively. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpenApiDocument = Record<string, any>;

/** A route the Nest application registered, read from its controllers' routing metadata. */
export interface RegisteredRoute {
  /** Upper-case HTTP method. */
  method: string;
  /** Express-style path, `/bids/:id`. */
  path: string;
  /** `BidController.get`, for messages. */
  handler: string;
  /** DTO classes of the handler's `@Param()`, `@Query()` and `@Body()` arguments (undefined without a class). */
  params?: Type;
  query?: Type;
  body?: Type;
  /** The handler takes `@Param('name')` / `@Query('name')` single values. */
  namedParams: string[];
  namedQuery: string[];
  /**
   * The scopes the auth guard requires of this route (`null` for `@Public()`); left out when the application
   * has no service config (a bare Nest app), so there is no service name to derive them from.
   */
  requiredScopes?: string[] | null;
}

/** The service's name when `app` was built by service-kit, else undefined. */
function serviceName(app: INestApplication): string | undefined {
  try {
    return app.get<ServiceConfig>(SERVICE_CONFIG, { strict: false }).name;
  } catch {
    return undefined;
  }
}

const joinPath = (...parts: string[]): string =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

const asArray = (value: string | string[] | undefined): string[] =>
  value === undefined ? [''] : Array.isArray(value) ? value : [value];

const isDtoClass = (type: unknown): type is Type =>
  typeof type === 'function' && ![String, Number, Boolean, Object, Array].includes(type as never);

/**
 * Every REST route of the application: each controller method with a request-mapping decorator, from
 * Nest's own routing metadata (the same `ModulesContainer` its router explores), with the DTO types of its
 * arguments. gRPC and Kafka handlers carry no HTTP path and are left out.
 */
export function registeredRoutes(app: INestApplication): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const seen = new Set<Type>();
  const service = serviceName(app);
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const prefixes = asArray(Reflect.getMetadata(PATH_METADATA, controller));
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name === 'constructor' || typeof proto[name] !== 'function') continue;
        const handler = proto[name] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (method === undefined || paths === undefined) continue;
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
          string,
          { index: number; data?: unknown }
        >;
        const types = (Reflect.getMetadata('design:paramtypes', proto, name) ?? []) as unknown[];
        const route: Omit<RegisteredRoute, 'method' | 'path'> = {
          handler: `${controller.name}.${name}`,
          namedParams: [],
          namedQuery: [],
        };
        for (const [key, arg] of Object.entries(args)) {
          const kind = Number(key.split(':')[0]);
          const type = types[arg.index];
          const named = typeof arg.data === 'string' ? arg.data : undefined;
          if (kind === RouteParamtypes.PARAM) {
            if (named) route.namedParams.push(named);
            else if (isDtoClass(type)) route.params = type;
          } else if (kind === RouteParamtypes.QUERY) {
            if (named) route.namedQuery.push(named);
            else if (isDtoClass(type)) route.query = type;
          } else if (kind === RouteParamtypes.BODY && isDtoClass(type)) {
            route.body = type;
          }
        }
        for (const prefix of prefixes) {
          for (const path of asArray(paths)) {
            const methods =
              method === RequestMethod.ALL
                ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
                : [RequestMethod[method] as string];
            for (const m of methods) {
              const targets = [handler, controller];
              const requiredScopes =
                service === undefined
                  ? undefined
                  : isPublicRoute(targets)
                    ? null
                    : routeScopes(service, targets, READ_HTTP_METHODS.has(m));
              routes.push({ ...route, method: m, path: joinPath(prefix, path), requiredScopes });
            }
          }
        }
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/**
 * Routes the HTTP framework itself does not know: each {@link registeredRoutes} entry is looked up in
 * Fastify's route table (`hasRoute`) or Express's router stack, so the list above is what actually serves.
 */
export function routesMissingFromServer(app: INestApplication, routes: RegisteredRoute[]): string[] {
  const adapter = app.getHttpAdapter();
  if (adapter.getType() === 'fastify') {
    const fastify: { hasRoute(route: { method: string; url: string }): boolean } = adapter.getInstance();
    return routes
      .filter((r) => !fastify.hasRoute({ method: r.method, url: r.path }))
      .map((r) => `${r.method} ${r.path}`);
  }
  const express: { router?: { stack: ExpressLayer[] }; _router?: { stack: ExpressLayer[] } } =
    adapter.getInstance();
  const stack = (express.router ?? express._router)?.stack ?? [];
  const served = new Set(
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route?.path}`)
        : [],
    ),
  );
  return routes.map((r) => `${r.method} ${r.path}`).filter((r) => !served.has(r));
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Reads the service's OpenAPI document from `/docs/openapi.json`, failing on anything but a 200 JSON. */
export async function fetchOpenApiDocument(httpUrl: string): Promise<OpenApiDocument> {
  const response = await fetch(`${httpUrl}${OPENAPI_JSON_PATH}`);
  if (response.status !== 200) throw new Error(`GET ${OPENAPI_JSON_PATH} answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
}

/** The vendored draft-04 OAS 3.0 schema in the form Ajv 8 (draft-07) reads: `$id`, numeric exclusive bounds. */
function draft07(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(draft07);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'id' || key === '$schema') continue;
    out[key] = draft07(value);
  }
  for (const bound of ['Minimum', 'Maximum'] as const) {
    const flag = out[`exclusive${bound}`];
    if (typeof flag === 'boolean' && typeof out[bound.toLowerCase()] === 'number') {
      if (flag) {
        out[`exclusive${bound}`] = out[bound.toLowerCase()];
        delete out[bound.toLowerCase()];
      } else delete out[`exclusive${bound}`];
    }
  }
  return out;
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Errors of `document` against the OpenAPI 3.0 JSON Schema (empty when valid). */
export function openApiSchemaErrors(document: OpenApiDocument): string[] {
  validator ??= new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
    draft07(oasSchema) as object,
  );
  if (validator(document)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
}

/** Properties class-validator checks on `type` (what the API accepts), in declaration order. */
const validatedProperties = (type: Type): string[] => [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(type, '', true, false)
      .map((m) => m.propertyName),
  ),
];

const resolve = (document: OpenApiDocument, schema: OpenApiDocument | undefined): OpenApiDocument => {
  let current = schema ?? {};
  for (let i = 0; i < 10 && typeof current['$ref'] === 'string'; i++) {
    const name = (current['$ref'] as string).replace('#/components/schemas/', '');
    current = document['components']?.['schemas']?.[name] ?? {};
  }
  return current;
};

/**
 * Problems with one DTO's schema: a validated property the schema does not describe (or describes with no
 * type), recursively into nested DTOs (`@ValidateNested` with `@Type`).
 */
function dtoSchemaProblems(
  document: OpenApiDocument,
  type: Type,
  schema: OpenApiDocument | undefined,
  where: string,
  depth = 0,
): string[] {
  const resolved = resolve(document, schema);
  const properties = (resolved['properties'] ?? {}) as Record<string, OpenApiDocument>;
  const problems: string[] = [];
  for (const name of validatedProperties(type)) {
    const property = properties[name];
    if (!property) {
      problems.push(`${where}: ${type.name}.${name} is not in the schema`);
      continue;
    }
    const target = resolve(document, property['items'] ?? property);
    if (!target['type'] && !target['properties'] && !target['enum'] && !target['oneOf'] && !target['allOf'])
      problems.push(`${where}: ${type.name}.${name} has no type`);
    const nested = typeRegistry.findTypeMetadata(type, name)?.typeFunction() as Type | undefined;
    if (nested && isDtoClass(nested) && depth < 8) {
      problems.push(
        ...dtoSchemaProblems(document, nested, property['items'] ?? property, `${where}.${name}`, depth + 1),
      );
    }
  }
  return problems;
}

const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * What `document` fails to say about `routes`; empty when every route is documented. Each route needs an
 * operation with a summary; each path parameter and each `@Query()` DTO property a parameter with a schema;
 * a POST/PUT/PATCH with a `@Body()` DTO a JSON request body whose schema lists every validated property
 * (nested DTOs too); a 2xx response (with a schema unless 204); and, when it takes any input, the 400 error
 * body. Routes with `security` must name the bearer scheme and a scope, and the scopes the auth guard
 * enforces on the route.
 */
export function routeDocumentationProblems(
  document: OpenApiDocument,
  routes: RegisteredRoute[],
  openRoutes = /^\/(health|metrics)(\/|$)/,
): string[] {
  const problems: string[] = [];
  for (const route of routes) {
    const where = `${route.method} ${route.path} (${route.handler})`;
    const operation = document['paths']?.[openApiPath(route.path)]?.[route.method.toLowerCase()] as
      OpenApiDocument | undefined;
    if (!operation) {
      problems.push(`${where}: no operation`);
      continue;
    }
    if (typeof operation['summary'] !== 'string' || operation['summary'].trim() === '')
      problems.push(`${where}: no summary`);
    const parameters = (operation['parameters'] ?? []) as OpenApiDocument[];
    const hasParameter = (location: string, name: string) =>
      parameters.some((p) => p['in'] === location && p['name'] === name && p['schema']);
    for (const [, name] of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
      if (!hasParameter('path', name)) problems.push(`${where}: path parameter ${name} undocumented`);
    }
    const queryNames = [...route.namedQuery, ...(route.query ? validatedProperties(route.query) : [])];
    for (const name of queryNames) {
      if (!hasParameter('query', name)) problems.push(`${where}: query parameter ${name} undocumented`);
    }
    if (['POST', 'PUT', 'PATCH'].includes(route.method) && route.body) {
      const schema = operation['requestBody']?.['content']?.['application/json']?.['schema'];
      if (!schema) problems.push(`${where}: no JSON request body schema`);
      else problems.push(...dtoSchemaProblems(document, route.body, schema, `${where}: body`));
    }
    const responses = (operation['responses'] ?? {}) as Record<string, OpenApiDocument>;
    const success = Object.keys(responses).filter((status) => /^2\d\d$/.test(status));
    if (success.length === 0) problems.push(`${where}: no success response`);
    for (const status of success) {
      if (status === '204') continue;
      const content = (responses[status]['content'] ?? {}) as Record<string, OpenApiDocument>;
      const schemas = Object.values(content).map((c) => c['schema']);
      if (schemas.length === 0 || schemas.some((s) => !s)) problems.push(`${where}: ${status} has no schema`);
    }
    const takesInput = route.path.includes(':') || route.query || route.body || route.namedQuery.length > 0;
    if (takesInput) {
      const bad = responses['400']?.['content']?.['application/json']?.['schema'];
      if (!bad) problems.push(`${where}: no 400 error response`);
    }
    const open = openRoutes.test(route.path);
    const security = (operation['security'] ?? []) as Record<string, string[]>[];
    if (!open) {
      if (!security.some((s) => 'bearer' in s)) problems.push(`${where}: no bearer security`);
      const scopes = (operation['x-required-scopes'] ?? []) as string[];
      if (scopes.length === 0) problems.push(`${where}: no required scope`);
      // What the docs promise is what the guard enforces.
      const enforced = route.requiredScopes;
      if (enforced !== undefined && enforced !== null) {
        const [documented, required] = [[...scopes].sort().join(','), [...enforced].sort().join(',')];
        if (documented !== required)
          problems.push(`${where}: documents scopes [${documented}] but the guard requires [${required}]`);
      }
    }
  }
  return problems;
}
