/**
 * Big bad requests cost bounded memory: echoed values are cut (contract/messages.ts echo: strings at
 * 1024 characters; request-checks.ts: undeclared-field lists at 100), oversized journal entries keep 20
 * bounded findings, and the journal is capped in bytes as well as entries (journal.ts). The journal,
 * the report and `wxpay-mock report` keep working after hundreds of megabytes of refused bodies.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, startMock, type RunningMock, type Signer } from '../mock-server/index.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'cli.js');
const STOCKS = '/v3/marketing/favor/coupon-stocks';
const MB = 1024 * 1024;

let mock: RunningMock;
let signer: Signer;
beforeAll(async () => {
  mock = await startMock();
  const m = mock.credentials.merchants[0];
  signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
});
afterAll(() => mock.close());

async function post(body: string) {
  const res = await fetch(mock.url + STOCKS, {
    method: 'POST',
    body,
    headers: { ...signer.headers('POST', STOCKS, body), 'Content-Type': 'application/json' },
  });
  return { status: res.status, json: await res.json() };
}

describe('bounded memory under big bad requests', () => {
  it('a 0.5 MB bad value is echoed cut, and 30 of them leave the heap (nearly) where it was', async () => {
    const huge = 'x'.repeat(0.5 * MB);
    const first = await post(JSON.stringify({ stock_name: huge }));
    expect(first.status).toBe(400);
    expect(JSON.stringify(first.json).length).toBeLessThan(4096);
    const before = heapAfterGc();
    for (let i = 0; i < 30; i++) expect((await post(JSON.stringify({ stock_name: `${i}${huge}` }))).status).toBe(400);
    // Kept whole, 30 values would hold ≥ 15 MB; cut, the journal holds a few hundred kilobytes.
    expect(heapAfterGc() - before).toBeLessThan(6 * MB);
  });

  it('a body with 30,000 undeclared fields: the reply names the first 100; the journal, the report and `wxpay-mock report` still answer', async () => {
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`field_${i}`, 'y'.repeat(10)])));
    for (let i = 0; i < 3; i++) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.json.code).toBe('PARAM_ERROR');
      expect(res.json.detail.value).toHaveLength(100);
    }
    const journal = await fetch(`${mock.url}/_mock/journal`);
    expect(journal.status).toBe(200);
    const answer = await journal.json();
    for (const entry of answer.entries) expect(JSON.stringify(entry).length).toBeLessThanOrEqual(16 * 1024);
    expect(answer.bytes).toBeLessThan(answer.max_bytes);
    expect((await fetch(`${mock.url}/_mock/report`)).status).toBe(200);
    // The CI gate: exit 1 (violations found), not 3 (no report).
    // (spawned asynchronously: this process serves the mock)
    const cli = spawn(process.execPath, [CLI, 'report', '--url', mock.url, '--format', 'json']);
    let stdout = '';
    cli.stdout.on('data', (d) => (stdout += d));
    const status = await new Promise((resolve) => cli.once('exit', resolve));
    expect(status).toBe(1);
    expect(JSON.parse(stdout).violations.length).toBeGreaterThan(0);
  });

  it("the journal's bytes are its entries' JSON text, exactly: plain, escaped and non-ASCII targets, refusals, findings", async () => {
    const fresh = await startMock();
    try {
      const get = (target: string, headers: Record<string, string> = signer.headers('GET', target)) =>
        new Promise<number>((resolve, reject) =>
          request(fresh.url + target, { headers }, (res) => resolve(res.resume().statusCode!))
            .on('error', reject)
            .end(),
        );
      const callbacks = `/v3/marketing/favor/callbacks?mchid=${signer.mchid}`;
      expect(await get(callbacks)).toBe(404); // signed, no notify URL yet
      expect(await get('/v3/marketing/favor/stocks/1/x"y\\z')).toBe(404); // a quote and a backslash in the raw target
      expect(await get('/v3/marketing/favor/stocks?offset=0&limit=10&stock_creator_mchid=%E4%B8%AD')).toBe(400);
      expect(
        await get(callbacks, {
          ...signer.headers('GET', callbacks),
          Authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1\\x",nonce_str="n",timestamp="1",serial_no="s",signature="x"',
        }),
      ).toBe(401);
      const body = JSON.stringify({ stock_name: '名字"\\' });
      const posted = await fetch(fresh.url + STOCKS, {
        method: 'POST',
        body,
        headers: { ...signer.headers('POST', STOCKS, body), 'Content-Type': 'application/json' },
      });
      expect(posted.status).toBe(400);
      const answer = await (await fetch(`${fresh.url}/_mock/journal`)).json();
      expect(answer.entries.length).toBeGreaterThanOrEqual(5);
      expect(answer.entries.some((e: { findings: unknown[] }) => e.findings.length > 0)).toBe(true);
      expect(answer.bytes).toBe(answer.entries.reduce((sum: number, e: unknown) => sum + JSON.stringify(e).length, 0));
    } finally {
      await fresh.close();
    }
  });

  it('the journal keeps at most journalBytes: the oldest entries go, the count of dropped ones says so', async () => {
    const small = await startMock({ journalBytes: 64 * 1024 });
    try {
      const body = JSON.stringify({ stock_name: 'z'.repeat(5000) });
      for (let i = 0; i < 40; i++)
        await fetch(small.url + STOCKS, {
          method: 'POST',
          body,
          headers: { ...signer.headers('POST', STOCKS, body), 'Content-Type': 'application/json' },
        });
      const answer = await (await fetch(`${small.url}/_mock/journal`)).json();
      expect(answer.max_bytes).toBe(64 * 1024);
      expect(answer.bytes).toBeLessThanOrEqual(64 * 1024);
      expect(answer.entries.reduce((sum: number, e: unknown) => sum + JSON.stringify(e).length, 0)).toBeLessThanOrEqual(64 * 1024);
      expect(answer.dropped).toBe(40 - answer.entries.length);
      expect(answer.entries.at(-1).seq).toBe(40);
    } finally {
      await small.close();
    }
  });
});
