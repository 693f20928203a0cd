import {
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  Param,
  Post,
  Query,
  type INestApplication,
} from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { createHttpApp } from '../bootstrap/http-app';
import { createValidationPipe } from '../pipes/validation.pipe';
import { ApiEndpoint } from './api-endpoint.decorator';
import { ApiEntityId } from './api-property.decorators';
import { OPENAPI_JSON_PATH, openApiEnabled, setupOpenApi } from './openapi.setup';
import {
  fetchOpenApiDocument,
  openApiSchemaErrors,
  registeredRoutes,
  routeDocumentationProblems,
  routesMissingFromServer,
} from './testing/openapi-coverage';

class ThingBody {
  @ApiEntityId()
  @IsInt()
  id!: string;

  @Min(1)
  @Max(9)
  undocumented!: number;
}

class ThingView {
  @ApiProperty()
  id!: string;
}

class ThingQuery {
  @IsOptional()
  @IsInt()
  page?: number;
}

@Controller('things')
class ThingController {
  @Post()
  @HttpCode(200)
  @ApiEndpoint({ summary: 'Make a thing', scope: 'thing:write', body: true, response: ThingView })
  make(@Body() body: ThingBody): ThingView {
    return { id: body.id };
  }

  @Get(':id')
  @ApiEndpoint({ summary: 'A thing', scope: 'thing:read', response: ThingView, errors: [404] })
  get(@Param('id') id: string): ThingView {
    return { id };
  }

  @Get()
  list(@Query() query: ThingQuery): ThingView[] {
    return [{ id: String(query.page) }];
  }
}

@Module({ controllers: [ThingController] })
class ThingModule {}

async function startThings(adapter: 'fastify' | 'express', vars: Record<string, string> = {}) {
  const app = await createHttpApp({ module: ThingModule, imports: [] }, adapter);
  app.useGlobalPipes(createValidationPipe());
  setupOpenApi(app, { name: 'things', vars });
  await app.listen(0, '127.0.0.1');
  return { app, httpUrl: await app.getUrl().then((url) => url.replace('[::1]', '127.0.0.1')) };
}

describe('setupOpenApi', () => {
  describe.each(['fastify', 'express'] as const)('on %s', (adapter) => {
    let app: INestApplication;
    let httpUrl: string;
    beforeAll(async () => ({ app, httpUrl } = await startThings(adapter)));
    afterAll(() => app.close());

    it('should serve a document that validates against the OpenAPI 3.0 schema', async () => {
      expect(openApiSchemaErrors(await fetchOpenApiDocument(httpUrl))).toEqual([]);
    });

    it('should find every route the framework serves', () => {
      const routes = registeredRoutes(app).map((r) => `${r.method} ${r.path}`);
      expect(routes).toEqual(['GET /things', 'POST /things', 'GET /things/:id']);
      expect(routesMissingFromServer(app, registeredRoutes(app))).toEqual([]);
    });

    it('should report the undocumented route and the undocumented body field, nothing else', async () => {
      const problems = routeDocumentationProblems(await fetchOpenApiDocument(httpUrl), registeredRoutes(app));
      expect(problems).toEqual([
        'GET /things (ThingController.list): no summary',
        'GET /things (ThingController.list): query parameter page undocumented',
        'GET /things (ThingController.list): 200 has no schema',
        'GET /things (ThingController.list): no 400 error response',
        'GET /things (ThingController.list): no bearer security',
        'GET /things (ThingController.list): no required scope',
        'POST /things (ThingController.make): body: ThingBody.undocumented is not in the schema',
      ]);
    });

    it('should declare the bearer scheme, the scope and the error body on a documented route', async () => {
      const doc = await fetchOpenApiDocument(httpUrl);
      const get = doc['paths']['/things/{id}']['get'];
      expect(doc['components']['securitySchemes']['bearer']).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(get['security']).toEqual([{ bearer: [] }]);
      expect(get['x-required-scopes']).toEqual(['thing:read']);
      expect(Object.keys(get['responses']).sort()).toEqual(['200', '400', '401', '403', '404', '429', '503']);
      expect(get['responses']['400']['content']['application/json']['schema']).toEqual({
        $ref: '#/components/schemas/ProblemSchema',
      });
      const post = doc['paths']['/things']['post'];
      expect(Object.keys(post['responses'])).toEqual(expect.arrayContaining(['413', '415']));
    });

    it('should keep the default Cache-Control: no-store on the UI, its files and the document', async () => {
      for (const path of ['/docs', '/docs/swagger-ui-bundle.js', OPENAPI_JSON_PATH]) {
        const response = await fetch(`${httpUrl}${path}`);
        expect({
          path,
          status: response.status,
          cacheControl: response.headers.get('cache-control'),
        }).toEqual({
          path,
          status: 200,
          cacheControl: 'no-store',
        });
      }
    });
  });

  it('should serve nothing at /docs with OPENAPI_ENABLED=false', async () => {
    const { app, httpUrl } = await startThings('fastify', { OPENAPI_ENABLED: 'false' });
    try {
      expect((await fetch(`${httpUrl}${OPENAPI_JSON_PATH}`)).status).toBe(404);
      expect((await fetch(`${httpUrl}/docs`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('should refuse a malformed OPENAPI_ENABLED', () => {
    expect(openApiEnabled({ vars: {} })).toBe(true);
    expect(openApiEnabled({ vars: { OPENAPI_ENABLED: 'false' } })).toBe(false);
    expect(() => openApiEnabled({ vars: { OPENAPI_ENABLED: 'maybe' } })).toThrow(/OPENAPI_ENABLED/);
  });
});
