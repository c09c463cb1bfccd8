/**
 * The validating proxy (mock-server/proxy/) in front of a second mock instance as the upstream: bytes
 * pass unchanged both ways (the upstream verifies the client's signature over the raw target and
 * body, the client verifies the reply's), requests are checked against the contracts with the same
 * findings the mock itself journals, and an upstream whose replies break the contract (a custom
 * handler registry, validateResponses off) is reported as response-contract drift while its bytes
 * still reach the client untouched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createVerify, randomBytes, X509Certificate } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  createSigner,
  fetchReport,
  startMock,
  startProxy,
  type Finding,
  type JournalEntry,
  type RunningMock,
  type RunningProxy,
} from '../mock-server/index.js';
import { handlers } from '../mock-server/operations/index.js';
import { axiosPluginClient, platformCertificate } from './helpers/axios-plugin.js';
import { NOW_MS, stockBody, STOCKS } from './helpers/favor.js';
import { uploadBody } from './helpers/image-upload.js';
import { unusedPort } from './helpers/ports.js';
import { PNG } from './helpers/images.js';

const CALLBACKS = '/v3/marketing/favor/callbacks';
const MCHID = '1900000001';

interface Exchange {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

function client(mock: RunningMock, mchid = MCHID) {
  const m = mock.credentials.merchants.find((x) => x.mchid === mchid)!;
  const signer = createSigner({ mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
  const platform = new X509Certificate(mock.credentials.platform_certificate).publicKey;
  return {
    signer,
    /** A signed request to `base` (the proxy or the upstream), body sent and signed byte for byte. */
    async call(
      base: string,
      method: string,
      target: string,
      body?: string | Buffer,
      headers: Record<string, string> = {},
    ): Promise<Exchange> {
      const res = await fetch(base + target, {
        method,
        body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body),
        headers: { ...signer.headers(method, target, body), ...headers },
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, body: bytes, text: bytes.toString('utf8') };
    },
    /** The client's own check of a reply: Wechatpay-Signature over timestamp, nonce and the body bytes received. */
    verifies(x: Exchange): boolean {
      const h = (n: string) => x.headers.get(n) ?? '';
      const message = Buffer.concat([Buffer.from(`${h('wechatpay-timestamp')}\n${h('wechatpay-nonce')}\n`), x.body, Buffer.from('\n')]);
      return createVerify('RSA-SHA256').update(message).verify(platform, h('wechatpay-signature'), 'base64');
    },
  };
}

async function proxyJournal(proxy: RunningProxy, query = ''): Promise<JournalEntry[]> {
  const res = await fetch(`${proxy.url}/_mock/journal${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: JournalEntry[] }).entries;
}

const last = <T>(xs: T[]) => xs[xs.length - 1];
const kinds = (e: JournalEntry) => e.findings.map((f) => f.kind);

describe('validating proxy in front of a mock', () => {
  let upstream: RunningMock;
  let proxy: RunningProxy;
  let c: ReturnType<typeof client>;

  beforeAll(async () => {
    upstream = await startMock({ validateResponses: true });
    proxy = await startProxy({ upstream: upstream.url });
    c = client(upstream);
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('listens on loopback only, and /_mock/health names its upstream', async () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await (await fetch(`${proxy.url}/_mock/health`)).json();
    expect(health).toMatchObject({ status: 'ok', role: 'proxy', upstream: upstream.url });
  });

  it('raw target and raw body go up unchanged (the upstream verifies the signature over them), the signed reply comes back unchanged (the client verifies it); no findings', async () => {
    // Escaped slashes and spaces: any re-serialisation on the way would break the signature.
    const body = `{"mchid": "${MCHID}", "notify_url": "https:\\/\\/merchant.example.com\\/wxpay\\/coupon-use"}`;
    const set = await c.call(proxy.url, 'POST', CALLBACKS, body);
    expect(set.status, set.text).toBe(200);
    expect(c.verifies(set)).toBe(true);
    expect(JSON.parse(set.text).notify_url).toBe('https://merchant.example.com/wxpay/coupon-use');

    await upstream.clock.freeze(NOW_MS);
    const created = await c.call(proxy.url, 'POST', STOCKS, JSON.stringify(stockBody(), null, 2));
    expect(created.status, created.text).toBe(200);
    expect(c.verifies(created)).toBe(true);

    // Percent-encoded query values that URL parsing would be tempted to normalise.
    const target = `/v3/marketing/favor/stocks?offset=0&limit=10&stock_creator_mchid=${MCHID}&create_start_time=2026-01-01T00%3A00%3A00%2B08%3A00`;
    const list = await c.call(proxy.url, 'GET', target);
    expect(list.status, list.text).toBe(200);
    expect(c.verifies(list)).toBe(true);
    expect(JSON.parse(list.text).data[0].stock_id).toBe(JSON.parse(created.text).stock_id);

    const seen = upstream.journal().slice(-3);
    expect(seen.map((e) => [e.target, e.status])).toEqual([
      [CALLBACKS, 200],
      [STOCKS, 200],
      [target, 200],
    ]);
    const journaled = (await proxyJournal(proxy)).slice(-3);
    expect(journaled.map((e) => [e.operation_id, e.target, e.status, e.mchid, e.findings])).toEqual([
      ['favor.setCallback', CALLBACKS, 200, MCHID, []],
      ['favor.createStock', STOCKS, 200, MCHID, []],
      ['favor.listStocks', target, 200, MCHID, []],
    ]);
    // The entry carries the upstream's Request-ID, so both journals can be joined.
    expect(journaled[2].request_id).toBe(list.headers.get('request-id'));
    expect(journaled[2].request_id).toBe(seen[2].request_id);
  });

  it('wechatpay-axios-plugin unmodified, pointed at the proxy, with automatic reply verification on', async () => {
    const m = upstream.credentials.merchants.find((x) => x.mchid === MCHID)!;
    const wxpay = axiosPluginClient(proxy.url, m, platformCertificate(upstream.credentials));
    const set = await wxpay.v3.marketing.favor.callbacks.post({ mchid: m.mchid, notify_url: 'https://merchant.example.com/sdk' });
    expect(set.status).toBe(200);
    const got = await wxpay.v3.marketing.favor.callbacks.get({ params: { mchid: m.mchid } });
    expect(got.data).toEqual({ notify_url: 'https://merchant.example.com/sdk', mchid: m.mchid });
    const entry = last(await proxyJournal(proxy, '?operation_id=favor.getCallback'));
    expect([entry.status, entry.findings]).toEqual([200, []]);
  });

  it('an undeclared body field: forwarded anyway, the upstream answers 400 PARAM_ERROR, and the proxy journals the same contract finding the mock does', async () => {
    const body = JSON.stringify({ mchid: MCHID, notify_url: 'https://merchant.example.com/n', callback_secret: 'x' });
    const res = await c.call(proxy.url, 'POST', CALLBACKS, body);
    expect([res.status, JSON.parse(res.text).message]).toEqual([400, '请求中含有未在API文档中定义的参数']);
    const ours = last(await proxyJournal(proxy));
    const theirs = last(upstream.journal());
    expect([ours.code, ours.message]).toEqual(['PARAM_ERROR', '请求中含有未在API文档中定义的参数']);
    expect(ours.findings).toEqual(theirs.findings.filter((f) => f.kind === 'contract'));
    expect(ours.findings[0]).toMatchObject({ kind: 'contract', location: 'body', field: '/callback_secret', value: 'x' });
    // A declared error in the documented envelope is not drift.
    expect(kinds(ours)).not.toContain('response-contract');
  });

  it('checks every location in one pass: a missing required query parameter and a bad path parameter are both recorded', async () => {
    const target = `/v3/marketing/favor/stocks/${'9'.repeat(30)}`; // stock_id over 20 characters, no stock_creator_mchid
    const res = await c.call(proxy.url, 'GET', target);
    expect(res.status).toBe(400);
    const entry = last(await proxyJournal(proxy));
    expect(entry.operation_id).toBe('favor.getStock');
    const contract = entry.findings.filter((f) => f.kind === 'contract');
    expect(contract.map((f) => [f.location, f.field])).toEqual([
      ['url', 'stock_id'],
      ['query', 'stock_creator_mchid'],
    ]);
  });

  it('a request the mock could not route is journaled as a protocol finding, its upstream answer relayed', async () => {
    const res = await c.call(proxy.url, 'DELETE', CALLBACKS);
    expect(res.status).toBe(405);
    const entry = last(await proxyJournal(proxy));
    expect([entry.operation_id, entry.status, entry.findings]).toEqual([
      null,
      405,
      [{ kind: 'protocol', issue: 'method not allowed on this path' }],
    ]);
  });

  it('a multipart image upload goes through byte for byte: the upstream verifies the signature over the meta part; a bad meta filename is a contract finding', async () => {
    const upload = async (filename: string, noBoundary = false) => {
      const meta = JSON.stringify({ filename, sha256: createHash('sha256').update(PNG).digest('hex') });
      const { body, contentType } = uploadBody(meta, PNG, filename, { boundary: randomBytes(16).toString('hex'), go: true });
      const path = '/v3/marketing/favor/media/image-upload';
      const res = await fetch(proxy.url + path, {
        method: 'POST',
        body,
        // wechatpayv3 (Python) sends no boundary parameter: the mock and the proxy read it from the body.
        headers: { ...c.signer.headers('POST', path, meta), 'Content-Type': noBoundary ? 'multipart/form-data' : contentType },
      });
      return { status: res.status, text: await res.text(), entry: last(await proxyJournal(proxy)) };
    };
    const ok = await upload('logo.png');
    expect(ok.status, ok.text).toBe(200);
    expect(JSON.parse(ok.text).media_url).toMatch(/\/_mock\/media\/\w+\.png$/);
    expect([ok.entry.operation_id, ok.entry.findings]).toEqual(['favor.uploadImage', []]);

    const bare = await upload('logo.png', true);
    expect(bare.status, bare.text).toBe(200);
    expect(bare.entry.findings).toEqual([
      expect.objectContaining({ kind: 'interop', field: 'Content-Type', value: 'multipart/form-data' }),
    ]);

    const bad = await upload('logo.gif');
    expect(bad.status).toBe(400);
    expect(bad.entry.findings).toEqual([
      expect.objectContaining({ kind: 'contract', location: 'body', field: '/filename', message: '文件名称必须以JPG、BMP、PNG为后缀' }),
    ]);
  });

  it("a refused signature: the upstream's SIGN_ERROR diagnosis is journaled as a signature finding", async () => {
    const target = `${CALLBACKS}?mchid=${MCHID}`;
    const res = await fetch(proxy.url + target, { headers: c.signer.headers('GET', `${CALLBACKS}?mchid=${MCHID}&other=1`) }); // signed over another target
    expect(res.status).toBe(401);
    const entry = last(await proxyJournal(proxy));
    expect(entry.code).toBe('SIGN_ERROR');
    expect(entry.findings).toEqual([
      expect.objectContaining({
        kind: 'signature',
        issue: '错误的签名，验签失败',
        detail: expect.objectContaining({ sign_information: expect.objectContaining({ url: target }) }),
      }),
    ]);
  });

  it("its own /_mock/ corner (journal, openapi.json with the proxy's URL); the rest of /_mock/ is relayed to the upstream and not journaled", async () => {
    const served = await (await fetch(`${proxy.url}/_mock/openapi.json`)).json();
    expect(served.servers[0].url).toBe(proxy.url);
    const before = (await proxyJournal(proxy)).length;
    await upstream.clock.freeze(NOW_MS);
    const clock = await fetch(`${proxy.url}/_mock/clock`);
    expect(await clock.json()).toEqual(expect.objectContaining({ frozen: true, now_ms: NOW_MS }));
    expect((await proxyJournal(proxy)).length).toBe(before);
    expect((await fetch(`${proxy.url}/_mock/journal`, { method: 'DELETE' })).status).toBe(200);
    expect(await proxyJournal(proxy)).toEqual([]);
    // Its journal query is checked by the control API's contract, as the mock's is.
    const bad = await fetch(`${proxy.url}/_mock/journal?limit=abc`);
    expect([bad.status, await bad.json()]).toEqual([
      400,
      {
        code: 'PARAM_ERROR',
        message: 'limit must be a non-negative integer',
        detail: expect.objectContaining({ field: 'limit', location: 'query' }),
      },
    ]);
    // Its document describes the WeChat Pay operations only: the upstream may be the real API, which has no /_mock/.
    expect(Object.keys(served.paths).filter((p) => p.startsWith('/_mock/'))).toEqual([]);
  });
});

describe('validating proxy in front of an upstream that breaks the contract', () => {
  let upstream: RunningMock;
  let proxy: RunningProxy;
  let c: ReturnType<typeof client>;
  // favor.getCallback's contract: {notify_url: string ≤ 256, mchid: string}, nothing else.
  const driftingBody = { notify_url: 42, mchid: MCHID, legacy_flag: true };

  beforeAll(async () => {
    upstream = await startMock({
      validateResponses: false,
      handlers: {
        ...handlers,
        'favor.getCallback': () => ({ body: driftingBody }),
        // 403 NOT_ENOUGH is no error of the notify-URL contract.
        'favor.setCallback': () => {
          throw new ApiError('NOT_ENOUGH', '批次预算不足');
        },
        // The contract declares 200 only.
        'favor.getStock': () => ({ status: 204 }),
      },
    });
    proxy = await startProxy({ upstream: upstream.url });
    c = client(upstream);
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('a 2xx body off its schema: the bytes reach the client unchanged (its signature verifies) and the drift is journaled as response-contract', async () => {
    const res = await c.call(proxy.url, 'GET', `${CALLBACKS}?mchid=${MCHID}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe(JSON.stringify(driftingBody));
    expect(c.verifies(res)).toBe(true);
    const entry = last(await proxyJournal(proxy));
    expect(entry.operation_id).toBe('favor.getCallback');
    const drift = entry.findings.filter((f: Finding) => f.kind === 'response-contract');
    expect(drift.map((f) => [f.location, f.field, f.value])).toEqual(
      expect.arrayContaining([
        ['body', '/notify_url', 42],
        ['body', '/legacy_flag', true],
      ]),
    );
    expect(drift.find((f) => f.field === '/notify_url')!.issue).toBe('/notify_url must be string');
    // Nothing was wrong with the request itself.
    expect(entry.findings.filter((f) => f.kind !== 'response-contract')).toEqual([]);
  });

  it('an error code the contract does not declare is drift (403 NOT_ENOUGH on setCallback), relayed as sent', async () => {
    const body = JSON.stringify({ mchid: MCHID, notify_url: 'https://merchant.example.com/n' });
    const res = await c.call(proxy.url, 'POST', CALLBACKS, body);
    expect([res.status, res.text]).toEqual([403, '{"code":"NOT_ENOUGH","message":"批次预算不足"}']);
    const entry = last(await proxyJournal(proxy));
    expect([entry.code, entry.message]).toEqual(['NOT_ENOUGH', '批次预算不足']);
    expect(entry.findings).toEqual([
      expect.objectContaining({
        kind: 'response-contract',
        field: '/code',
        value: 'NOT_ENOUGH',
        issue: 'error code NOT_ENOUGH (status 403) is not declared for favor.setCallback',
      }),
    ]);
  });

  it("the contract report over the proxy's journal (fetchReport on the proxy URL) fails on the drift", async () => {
    await c.call(proxy.url, 'GET', `${CALLBACKS}?mchid=${MCHID}`);
    await c.call(proxy.url, 'POST', CALLBACKS, JSON.stringify({ mchid: MCHID, notify_url: 'https://merchant.example.com/n' }));
    const report = await fetchReport(proxy.url);
    expect(report.ok).toBe(false);
    const drift = report.violations.filter((i) => i.kind === 'response-contract');
    expect(drift.map((i) => i.field)).toEqual(expect.arrayContaining(['/notify_url', '/legacy_flag', '/code']));
    expect(drift.find((i) => i.field === '/notify_url')!.summary).toContain(
      'GET /v3/marketing/favor/callbacks?mchid=1900000001 (favor.getCallback) → 200',
    );
  });

  it('a 2xx status the contract does not declare (204 for getStock) is drift', async () => {
    const res = await c.call(proxy.url, 'GET', `/v3/marketing/favor/stocks/123?stock_creator_mchid=${MCHID}`);
    expect(res.status).toBe(204);
    const entry = last(await proxyJournal(proxy));
    expect(entry.findings).toEqual([
      expect.objectContaining({ kind: 'response-contract', issue: 'reply status 204 is not declared by the contract (declared: 200)' }),
    ]);
  });
});

describe('validating proxy bounds', () => {
  it('an unreachable upstream: 502 with the envelope, journaled with the cause', async () => {
    const port = await unusedPort(); // nobody listens there
    const proxy = await startProxy({ upstream: `http://127.0.0.1:${port}` });
    try {
      const res = await fetch(`${proxy.url}${CALLBACKS}?mchid=${MCHID}`, { headers: { Accept: 'application/json', 'User-Agent': 't' } });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ code: 'SYSTEM_ERROR', message: expect.stringContaining('ECONNREFUSED') });
      const [entry] = proxy.journal();
      expect(entry.status).toBe(502);
      expect(entry.findings.map((f) => f.kind)).toContain('protocol');
      expect(entry.findings.find((f) => /upstream/.test(f.issue))!.issue).toContain('ECONNREFUSED');
    } finally {
      await proxy.close();
    }
  });

  it('a request body over the limit is refused with 413 and never reaches the upstream', async () => {
    const upstream = await startMock();
    const proxy = await startProxy({ upstream: upstream.url, bodyLimit: 1024 });
    try {
      const body = JSON.stringify({ mchid: MCHID, notify_url: `https://merchant.example.com/${'x'.repeat(2000)}` });
      const res = await client(upstream).call(proxy.url, 'POST', CALLBACKS, body);
      expect(res.status).toBe(413);
      expect(upstream.journal()).toEqual([]);
      expect(proxy.journal()[0]).toMatchObject({ operation_id: 'favor.setCallback', status: 413, findings: [{ kind: 'protocol' }] });
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('an upstream that does not answer in time: 502, journaled', async () => {
    const silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const proxy = await startProxy({ upstream: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, timeoutMs: 300 });
    try {
      const res = await fetch(`${proxy.url}${CALLBACKS}?mchid=${MCHID}`);
      expect(res.status).toBe(502);
      expect(proxy.journal()[0].findings.some((f) => /within 300 ms/.test(f.issue))).toBe(true);
    } finally {
      await proxy.close();
      silent.close();
    }
  });

  it('refuses an upstream with a path, query or other scheme (the signature covers the target)', async () => {
    for (const bad of ['http://127.0.0.1:1/prefix', 'http://127.0.0.1:1/?x=1', 'ftp://127.0.0.1', 'not a url']) {
      await expect(startProxy({ upstream: bad }), bad).rejects.toThrow(/upstream must be/);
    }
  });
});

describe('wxpay-mock proxy (the built CLI)', () => {
  const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'cli.js');

  it('prints an env block pointing at the proxy, forwards, serves its journal, exits 0 on SIGTERM', async () => {
    const upstream = await startMock();
    const child = spawn(process.execPath, [CLI, 'proxy', '--upstream', upstream.url, '--port', '0']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /^export WXPAY_MOCK_URL='([^']+)'$/m.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`proxy exited ${code}`)));
      });
      const res = await client(upstream).call(url, 'GET', `${CALLBACKS}?mchid=${MCHID}`);
      expect(res.status).toBe(404); // no notify URL set yet: the upstream's own answer
      const entries = ((await (await fetch(`${url}/_mock/journal`)).json()) as { entries: JournalEntry[] }).entries;
      expect(entries.map((e) => [e.operation_id, e.status, e.code])).toEqual([['favor.getCallback', 404, 'RESOURCE_NOT_EXISTS']]);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await upstream.close();
    }
  });

  it('without --upstream, or with a bad one: a message and exit 2', () => {
    for (const args of [['proxy'], ['proxy', '--upstream', 'http://127.0.0.1:1/v3']]) {
      const out = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000 });
      expect(out.status, args.join(' ')).toBe(2);
      expect(out.stderr).toMatch(/upstream/);
    }
  });
});
