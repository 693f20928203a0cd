import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { ServiceConfig } from '@platform/config';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BEARER_SCHEME } from './api-endpoint.decorator';
import { FieldErrorSchema, ProblemSchema } from './problem.schema';

/** Where the Swagger UI is served. */
export const OPENAPI_UI_PATH = '/docs';
/** Where the OpenAPI 3 document is served as JSON. */
export const OPENAPI_JSON_PATH = '/docs/openapi.json';

/**
 * Whether `/docs` is served: `OPENAPI_ENABLED` (`true`/`false`, default `true`). Anything else fails the
 * boot, like every other malformed setting.
 */
export function openApiEnabled(config: Pick<ServiceConfig, 'vars'>): boolean {
  const raw = config.vars['OPENAPI_ENABLED']?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`OPENAPI_ENABLED must be true or false, got "${config.vars['OPENAPI_ENABLED']}"`);
}

/** The service's OpenAPI 3 document, built from the `@ApiEndpoint` / `@ApiProperty` decorators of its routes. */
export function buildOpenApiDocument(
  app: INestApplication,
  config: Pick<ServiceConfig, 'name'>,
): OpenAPIObject {
  const options = new DocumentBuilder()
    .setTitle(`${config.name} API`)
    .setDescription(
      `REST API of the ${config.name} service. Errors share one body (\`ProblemSchema\`): \`statusCode\`, a ` +
        'stable `code`, `message` and, for a 400, `fields` naming each rejected field. Routes other than ' +
        'health and metrics take a JWT bearer token with the scope each names ' +
        `(\`${config.name}:read\` / \`${config.name}:write\`).`,
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A JWT carrying the route’s scope',
      },
      BEARER_SCHEME,
    )
    .build();
  return SwaggerModule.createDocument(app, options, { extraModels: [ProblemSchema, FieldErrorSchema] });
}

/** The files of `swagger-ui-dist` the page loads. */
const UI_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};

const uiPage = (title: string): string => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="stylesheet" href="${OPENAPI_UI_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${OPENAPI_UI_PATH}/swagger-ui-bundle.js"></script>
<script src="${OPENAPI_UI_PATH}/swagger-ui-standalone-preset.js"></script>
<script src="${OPENAPI_UI_PATH}/swagger-ui-init.js"></script>
</body>
</html>
`;

const UI_INIT = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '${OPENAPI_JSON_PATH}',
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
    persistAuthorization: false,
  });
};
`;

/**
 * Serves the Swagger UI at {@link OPENAPI_UI_PATH} and the document at {@link OPENAPI_JSON_PATH}, the same
 * way on Fastify and Express, unless `OPENAPI_ENABLED=false`; returns whether it did. Call before `listen`.
 * The routes are plain framework routes outside Nest's router, so no interceptor (the HTTP cache included)
 * sees them and they keep the default `Cache-Control: no-store`. The UI's files are read from
 * `swagger-ui-dist` here rather than through `SwaggerModule.setup`, whose Fastify path needs
 * `@fastify/static` (an ES-module dependency Jest cannot load) and marks the files `public`.
 */
export function setupOpenApi(app: INestApplication, config: Pick<ServiceConfig, 'name' | 'vars'>): boolean {
  if (!openApiEnabled(config)) return false;
  const document = JSON.stringify(buildOpenApiDocument(app, config));
  // The UI build @nestjs/swagger itself depends on, resolved from it at run time (webpackIgnore: bundled,
  // `require.resolve` would become a module id).
  const fromSwagger = createRequire(require.resolve(/* webpackIgnore: true */ '@nestjs/swagger'));
  const assets = dirname(fromSwagger.resolve('swagger-ui-dist/package.json'));
  const adapter = app.getHttpAdapter();
  const serve = (path: string, contentType: string, body: () => string) => {
    let cached: string | undefined;
    adapter.get(path, (_request: unknown, response: unknown) => {
      adapter.setHeader(response, 'Content-Type', contentType);
      adapter.reply(response, (cached ??= body()), 200);
    });
  };
  serve(OPENAPI_JSON_PATH, 'application/json; charset=utf-8', () => document);
  serve(OPENAPI_UI_PATH, 'text/html; charset=utf-8', () => uiPage(`${config.name} API`));
  serve(`${OPENAPI_UI_PATH}/swagger-ui-init.js`, 'text/javascript; charset=utf-8', () => UI_INIT);
  for (const [file, type] of Object.entries(UI_ASSETS)) {
    serve(`${OPENAPI_UI_PATH}/${file}`, type, () => readFileSync(join(assets, file), 'utf8'));
  }
  return true;
}
