import { Body, Controller, Get, Injectable, Module, Param, Put, UseInterceptors } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CacheModule, CachePut, Cacheable, CacheRoute, HttpCacheInterceptor } from '@platform/cache/nest';
import { grpcPackage, protoPath } from '@platform/proto';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { QueryCounter } from '@platform/database';
import { DB_QUERIES_METRIC, ServiceSpec } from '../src';
import { dropSchema, eventually, readJson, stackEnv, useTestService } from '../src/testing';

const SCHEMA = `cache_switch_${randomUUID().slice(0, 8)}`;

/** Items read from a real table, through the engine (`@Cacheable`) and through the HTTP cache. */
@Injectable()
class ItemsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Cacheable({ key: 'items:{id}' })
  async find(id: string): Promise<{ id: string; value: number }> {
    return this.select(id);
  }

  @CachePut({ key: 'items:{id}' })
  async update(id: string, value: number): Promise<{ id: string; value: number }> {
    await this.db.query(`UPDATE "${SCHEMA}".items SET value = $2 WHERE id = $1`, [id, value]);
    return { id, value };
  }

  async select(id: string): Promise<{ id: string; value: number }> {
    const rows: { value: number }[] = await this.db.query(
      `SELECT value FROM "${SCHEMA}".items WHERE id = $1`,
      [id],
    );
    return { id, value: rows[0]?.value ?? -1 };
  }
}

@Controller('items')
@UseInterceptors(HttpCacheInterceptor)
class ItemsController {
  constructor(private readonly items: ItemsService) {}

  @Get(':id')
  @CacheRoute({ key: 'item:{id}', ttl: { l1: '1m', l2: '1m', l3: '1m' } })
  route(@Param('id') id: string) {
    return this.items.select(id);
  }

  @Get(':id/engine')
  engine(@Param('id') id: string) {
    return this.items.find(id);
  }

  @Put(':id')
  update(@Param('id') id: string, @Body() body: { value: number }) {
    return this.items.update(id, body.value);
  }
}

@Module({
  imports: [
    CacheModule.forFeature({ namespace: 'items', ttl: { l1: '1m', l2: '1m' } }),
    CacheModule.forFeature({ namespace: 'item', ttl: { l1: '1m', l2: '1m' } }),
  ],
  controllers: [ItemsController],
  providers: [ItemsService],
})
class ItemsModule {}

const spec: ServiceSpec = {
  defaults: { name: 'cache-switch', httpPort: 0, grpcPort: 0, dbSchema: SCHEMA },
  features: [ItemsModule],
  database: { entities: [], migrations: [] },
  grpc: { package: grpcPackage.bid, protoPath: protoPath('bid') },
  kafka: { consumes: [], produces: [] },
};

/** `db_queries_total` of a service, read from its `/metrics` as the load bench reads it. */
async function scrapeQueries(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${DB_QUERIES_METRIC}{service="cache-switch"}`));
  if (line === undefined) throw new Error(`${DB_QUERIES_METRIC} is not on /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * `CACHE_ENABLED=false` and `db_queries_total` on a real service bootstrap over the real Postgres and Redis:
 * two instances share a schema and a cache prefix, one with its cache on and one with it off, as a fleet
 * switched over one pod at a time would.
 */
describe('CACHE_ENABLED and db_queries_total (real service bootstrap, Postgres, Redis)', () => {
  const databaseUrl = stackEnv()['DATABASE_URL'];
  const shared = {
    DB_SCHEMA: SCHEMA,
    CACHE_PREFIX: `cache-switch-${randomUUID().slice(0, 8)}:`,
    OUTBOX_RELAY_ENABLED: 'false',
  };
  const on = useTestService(spec, 'bid', shared);
  const off = useTestService(spec, 'bid', { ...shared, CACHE_ENABLED: 'false' });
  const sql = async (text: string, values: unknown[] = []) => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(text, values);
    } finally {
      await client.end();
    }
  };
  const setValue = (id: string, value: number) =>
    sql(
      `INSERT INTO "${SCHEMA}".items (id, value) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET value = $2`,
      [id, value],
    );
  // Read in process: a /metrics scrape itself probes Postgres (`dependency_up`), which the counter rightly counts.
  const queriesOf = (service: typeof on) => service.app.get(QueryCounter).total;
  const read = async (httpUrl: string, path: string) => {
    const response = await fetch(`${httpUrl}${path}`);
    expect(response.status).toBe(200);
    return { headers: response.headers, body: await readJson(response) };
  };

  beforeAll(() =>
    sql(`CREATE TABLE IF NOT EXISTS "${SCHEMA}".items (id text PRIMARY KEY, value int NOT NULL)`),
  );
  afterAll(() => dropSchema(databaseUrl, SCHEMA));

  it('should count each SQL statement once: a cached repeat read costs none', async () => {
    await setValue('counted', 1);
    const before = queriesOf(on);
    expect((await read(on.httpUrl, '/items/counted/engine')).body).toEqual({ id: 'counted', value: 1 });
    expect(queriesOf(on)).toBe(before + 1);
    await read(on.httpUrl, '/items/counted/engine');
    await read(on.httpUrl, '/items/counted');
    await read(on.httpUrl, '/items/counted');
    expect(queriesOf(on)).toBe(before + 2);
  });

  it('should serve the count as db_queries_total{service} on /metrics', async () => {
    const counted = queriesOf(on);
    expect(counted).toBeGreaterThan(0);
    // The scrape's own Postgres probe may or may not be counted by the time the counter is collected.
    expect([counted, counted + 1]).toContain(await scrapeQueries(on.httpUrl));
  });

  it('should serve every read from Postgres with the cache off, with no-store and no edge headers', async () => {
    await setValue('fresh', 1);
    const before = queriesOf(off);
    for (const path of ['/items/fresh', '/items/fresh/engine']) {
      const first = await read(off.httpUrl, path);
      expect(first.body).toEqual({ id: 'fresh', value: 1 });
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(first.headers.get('x-cache')).toBeNull();
      expect(first.headers.get('surrogate-key')).toBeNull();
    }
    await setValue('fresh', 2); // behind the service's back: only a cache could still answer 1
    expect((await read(off.httpUrl, '/items/fresh')).body).toEqual({ id: 'fresh', value: 2 });
    expect((await read(off.httpUrl, '/items/fresh/engine')).body).toEqual({ id: 'fresh', value: 2 });
    expect(queriesOf(off)).toBe(before + 4);
  });

  it('should evict what the cache-on instance holds when the cache-off instance writes', async () => {
    await setValue('shared', 1);
    expect((await read(on.httpUrl, '/items/shared/engine')).body).toEqual({ id: 'shared', value: 1 });
    const route = await read(on.httpUrl, '/items/shared');
    expect(route.headers.get('cache-control')).toContain('s-maxage=60');

    const written = await fetch(`${off.httpUrl}/items/shared`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: 2 }),
    });
    expect(written.status).toBe(200);
    await eventually(async () => (await read(on.httpUrl, '/items/shared/engine')).body.value === 2, 5000, 20);
  });
});
