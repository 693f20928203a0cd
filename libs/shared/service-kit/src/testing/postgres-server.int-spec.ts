import { Client } from 'pg';
import { PostgresServerHandle, startPostgresServer } from './postgres-server';

const query = async (url: string, sql: string) => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

describe('startPostgresServer()', () => {
  let server: PostgresServerHandle;

  beforeAll(async () => {
    server = await startPostgresServer();
  }, 120000);

  afterAll(() => server?.destroy(), 60000);

  it('should refuse connections while stopped and keep the data across a restart', async () => {
    await query(server.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');

    await server.stop('immediate');
    await expect(query(server.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await server.start();
    expect(await query(server.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }]);
  }, 120000);
});
