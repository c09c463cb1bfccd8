/**
 * The PostgreSQL backend (mock-server/store/postgres.ts) on a throwaway cluster
 * (test/setup/postgres-cluster.ts): the store contract every backend passes, and what only this one
 * does — migrations and their version guard.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresBackend, SCHEMA_VERSION } from '../mock-server/index.js';
import { freezeAtNow, runningStock, sendOk, USER, USER2 } from './helpers/favor.js';
import { CREATOR, json, newMock } from './helpers/mock.js';
import { closeAdmin, freshDatabase } from './helpers/postgres.js';
import { storeContract } from './store/contract.js';

let current = '';
storeContract('PostgreSQL', {
  create: async () => postgresBackend((current = await freshDatabase())),
  reopen: async () => postgresBackend(current),
});

afterAll(closeAdmin);

describe('PostgreSQL compaction', () => {
  it('folds the log into the snapshot; a restart finds every write, and a replica far behind reloads the snapshot', async () => {
    const url = await freshDatabase();
    const options = { compactMinBytes: 4096, keepCommits: 5 };
    const a = await newMock({ store: await postgresBackend(url, options) });
    // A replica that hears of nothing (no LISTEN): it catches up only when asked, after the log it knew is gone.
    const quiet = await postgresBackend(url, options);
    const b = await newMock({ store: Object.assign(Object.create(quiet) as typeof quiet, { watch: undefined }) });
    try {
      await freezeAtNow(a);
      const stockId = await runningStock(a, { stock_use_rule: { max_coupons: 200, max_amount: 20000, max_coupons_per_user: 60 } });
      for (const openid of [USER, USER2]) await Promise.all(Array.from({ length: 40 }, () => sendOk(a, stockId, { openid })));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ seq: string; n: string }>(
          'SELECT (SELECT seq FROM wxpay_mock_snapshot) AS seq, (SELECT count(*) FROM wxpay_mock_commits) AS n',
        );
        expect(Number(rows[0].seq)).toBeGreaterThan(0);
        expect(Number(rows[0].n)).toBeLessThan(80);
      } finally {
        await client.end();
      }
      const stock = (t: typeof a) => t.call('GET', `/v3/marketing/favor/stocks/${stockId}?stock_creator_mchid=${CREATOR}`);
      expect(json(await stock(b)).distributed_coupons).toBe(80);
      const again = await newMock({ store: await postgresBackend(url, options) });
      expect(json(await stock(again)).distributed_coupons).toBe(80);
      await again.mock.close();
    } finally {
      await a.mock.close();
      await b.mock.close();
    }
  });
});

describe('PostgreSQL from the CLI', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawn(process.execPath, ['dist/mock-server/cli.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const output = (child: ReturnType<typeof cli>, until: RegExp) =>
    new Promise<{ text: string; code: number | null }>((resolve) => {
      let text = '';
      const on = (c: Buffer) => {
        text += c.toString();
        if (until.test(text)) resolve({ text, code: null });
      };
      child.stdout!.on('data', on);
      child.stderr!.on('data', on);
      child.once('exit', (code) => resolve({ text, code }));
    });

  it('WXPAY_MOCK_DATABASE_URL selects the database (the start line names it without its password); a bad --store is a usage error', async () => {
    const url = new URL(await freshDatabase());
    url.password = 'not-needed';
    const child = cli(['--port', '0', '--log', 'silent'], { WXPAY_MOCK_DATABASE_URL: url.href });
    try {
      const started = await output(child, /listening on \S+ \(data: [^)]*\)/);
      expect(started.text).toContain(`(data: ${url.href.replace('not-needed', '***')})`);
    } finally {
      child.kill('SIGKILL');
    }
    const refused = await output(cli(['--store', 'mysql://x/y']), /$^/);
    expect(refused.code).toBe(2);
    expect(refused.text).toContain('--store must be a PostgreSQL URL');
    const both = await output(cli(['--store', url.href, '--in-memory']), /$^/);
    expect(both.code).toBe(2);
    expect(both.text).toContain('--store excludes --data and --in-memory');
  });
});

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
