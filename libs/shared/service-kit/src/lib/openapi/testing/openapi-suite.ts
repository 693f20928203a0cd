import type { INestApplication } from '@nestjs/common';
import { OPENAPI_JSON_PATH, OPENAPI_UI_PATH } from '../openapi.setup';
import {
  fetchOpenApiDocument,
  openApiSchemaErrors,
  registeredRoutes,
  routeDocumentationProblems,
  routesMissingFromServer,
  type OpenApiDocument,
} from './openapi-coverage';

/** A started service, read lazily (the object `useTestService` returns). */
export interface DocumentedService {
  readonly app: INestApplication;
  readonly httpUrl: string;
}

/**
 * Registers the tests every service's OpenAPI document must pass, against `service` (started by the caller,
 * e.g. with `useTestService`): valid OpenAPI 3.0, every route Nest registered is one the HTTP framework
 * serves and is documented (`routeDocumentationProblems`), and the UI answers at `/docs` with `no-store`.
 * `minRoutes` guards against a discovery that silently finds nothing.
 */
export function itServesADocumentedApi(service: DocumentedService, minRoutes: number): void {
  let document: OpenApiDocument | undefined;
  const read = async () => (document ??= await fetchOpenApiDocument(service.httpUrl));

  it(`should serve a valid OpenAPI 3.0 document at ${OPENAPI_JSON_PATH}`, async () => {
    const doc = await read();
    expect(doc['openapi']).toMatch(/^3\.0\./);
    expect(openApiSchemaErrors(doc)).toEqual([]);
  });

  it('should document every REST route the service registered', async () => {
    const routes = registeredRoutes(service.app);
    expect(routes.length).toBeGreaterThanOrEqual(minRoutes);
    expect(routesMissingFromServer(service.app, routes)).toEqual([]);
    expect(routeDocumentationProblems(await read(), routes)).toEqual([]);
  });

  it(`should serve the Swagger UI at ${OPENAPI_UI_PATH} without letting a cache store it`, async () => {
    const page = await fetch(`${service.httpUrl}${OPENAPI_UI_PATH}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('swagger-ui');
    const asset = await fetch(`${service.httpUrl}${OPENAPI_UI_PATH}/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('no-store');
    const json = await fetch(`${service.httpUrl}${OPENAPI_JSON_PATH}`);
    expect(json.headers.get('cache-control')).toBe('no-store');
  });
}
