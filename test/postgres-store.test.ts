/**
 * The PostgreSQL backend (mock-server/store/postgres.ts) on a throwaway cluster
 * (test/setup/postgres-cluster.ts): the store contract every backend passes, and what only this one
 * does — migrations and their version guard.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresBackend, SCHEMA_VERSION } from '../mock-server/index.js';
import { CREATOR, json, newMock } from './helpers/mock.js';
import { closeAdmin, freshDatabase } from './helpers/postgres.js';
import { storeContract } from './store/contract.js';

let current = '';
storeContract('PostgreSQL', {
  create: async () => postgresBackend((current = await freshDatabase())),
  reopen: async () => postgresBackend(current),
});

afterAll(closeAdmin);

describe('PostgreSQL schema', () => {
  it('creates its tables on first open, at the version the code knows; a newer schema stops the start with a clear error', async () => {
    const url = await freshDatabase();
    const t = await newMock({ store: await postgresBackend(url) });
    const res = await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'https://m.example.com/pg' } });
    expect(res.status).toBe(200);
    await t.mock.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ v: number }>('SELECT max(version) AS v FROM wxpay_mock_schema');
      expect(rows[0].v).toBe(SCHEMA_VERSION);
      // A restart on the same database finds the write (and migrates nothing).
      const again = await newMock({ store: await postgresBackend(url) });
      expect(json(await again.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`)).notify_url).toBe('https://m.example.com/pg');
      await again.mock.close();
      await client.query('INSERT INTO wxpay_mock_schema (version) VALUES ($1)', [SCHEMA_VERSION + 1]);
    } finally {
      await client.end();
    }
    await expect(newMock({ store: await postgresBackend(url) })).rejects.toThrow(
      new RegExp(`schema is version ${SCHEMA_VERSION + 1}, newer than this wxpay-mock knows \\(${SCHEMA_VERSION}\\)`),
    );
  });

  it('an unreachable database stops the start with a message naming it (without its password)', async () => {
    await expect(newMock({ store: await postgresBackend('postgres://someone:secret@127.0.0.1:1/nowhere') })).rejects.toThrow(
      /PostgreSQL postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere: cannot connect/,
    );
  });
});
