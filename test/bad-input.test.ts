/**
 * Bad input through a real port (startMock): every request carries a valid signature, so each answer
 * is about the input itself. Each gets a JSON envelope `{code, message[, detail]}` with a 4xx status —
 * never a 500, never a hang — and leaves the store as it was.
 */
import { request as httpRequest } from 'node:http';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSigner, startMock, type RunningMock, type Signer } from '../mock-server/index.js';

const CREATOR = '1900000001';
const CALLBACKS = '/v3/marketing/favor/callbacks';
const LIMIT = 1024 * 1024;

let running: RunningMock;
let signer: Signer;
let before: string;

beforeAll(async () => {
  running = await startMock({ validateResponses: true });
  const m = running.credentials.merchants.find((x) => x.mchid === CREATOR)!;
  signer = createSigner({ mchid: CREATOR, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
});
afterAll(() => running.close());
beforeEach(async () => {
  await running.reset();
  before = await stateText();
});

/** The whole state as the public snapshot API exports it, as text: equal text, nothing changed. */
const stateText = async () => JSON.stringify((await running.mock.snapshot()).state);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaderNames: string[];
  body: Buffer;
}

interface SendOptions {
  method?: string;
  /** Sent verbatim as the request target, and signed verbatim. */
  path: string;
  body?: string | Buffer;
  /** Send the body in this many chunks with Transfer-Encoding: chunked (no Content-Length). */
  chunks?: number;
  headers?: Record<string, string | undefined>;
}

/** A signed request with node:http: the path goes out exactly as given (no URL normalisation). */
function send({ method = 'POST', path, body, chunks, headers = {} }: SendOptions): Promise<Answer> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const all: Record<string, string | undefined> = { ...signer.headers(method, path, payload), ...headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: running.port, method, path, agent: false, headers: {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          rawHeaderNames: res.rawHeaders.filter((_, i) => i % 2 === 0),
          body: Buffer.concat(parts),
        }),
      );
      res.on('error', reject);
    });
    // The server may answer (and stop reading) before a large body is written: only a missing answer is a failure.
    req.on('error', (err) => setTimeout(() => reject(err), 200));
    req.setTimeout(4000, () => req.destroy(new Error('no answer: the mock hung')));
    for (const [k, v] of Object.entries(all)) if (v !== undefined) req.setHeader(k, v);
    if (payload === undefined) return void req.end();
    if (chunks) {
      req.setHeader('Transfer-Encoding', 'chunked');
      const size = Math.ceil(payload.length / chunks);
      for (let i = 0; i < payload.length; i += size) req.write(payload.subarray(i, i + size));
      req.end();
    } else {
      req.setHeader('Content-Length', String(payload.length));
      req.end(payload);
    }
  });
}

/** Raw bytes over a socket, for what node:http would refuse to send. */
function sendRaw(text: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(running.port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.setTimeout(4000, () => socket.destroy(new Error('no answer: the mock hung')));
    socket.on('data', (c: Buffer) => parts.push(c));
    socket.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), head, body: rest.join('\r\n\r\n') });
    });
    socket.on('error', reject);
    socket.write(text);
  });
}

/** A JSON envelope with `status` and `code` (and `message`, if given); no signature headers; the store untouched. */
async function expectEnvelope(res: Answer, status: number, code: string, message?: string) {
  const text = res.body.toString('utf8');
  expect([res.status, text.slice(0, 200)]).toEqual([status, expect.any(String)]);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(text);
  expect(Object.keys(body).every((k) => ['code', 'message', 'detail'].includes(k))).toBe(true);
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  if (message !== undefined) expect(body.message).toBe(message);
  expect(res.rawHeaderNames.filter((n) => /^wechatpay-/i.test(n))).toEqual([]);
  expect(await stateText()).toBe(before);
  return body as { code: string; message: string; detail?: Record<string, unknown> };
}

/** The notify URL as the signed GET …/favor/callbacks answers it; undefined when none is set (404). */
async function storedNotifyUrl(): Promise<string | undefined> {
  const res = await send({ method: 'GET', path: `${CALLBACKS}?mchid=${CREATOR}` });
  const body = JSON.parse(res.body.toString('utf8'));
  if (res.status === 404) {
    expect(body.code).toBe('RESOURCE_NOT_EXISTS');
    return undefined;
  }
  expect(res.status).toBe(200);
  return body.notify_url;
}

const GOOD = JSON.stringify({ mchid: CREATOR, notify_url: 'https://merchant.example.com/notify' });

describe('request bodies', () => {
  it('the baseline: the same request, well-formed, is accepted and stored', async () => {
    const res = await send({ path: CALLBACKS, body: GOOD });
    expect(res.status).toBe(200);
    expect(await storedNotifyUrl()).toBe('https://merchant.example.com/notify');
  });

  it('malformed JSON -> 400 INVALID_REQUEST 请求体不是合法的JSON格式', async () => {
    for (const body of [
      '{"mchid":"1900000001","notify_url":',
      "{'mchid':'1900000001'}",
      '{"mchid":"1900000001",}',
      '{mchid:1}',
      'undefined',
      '{"a":1}{"b":2}',
      '{"a":NaN}',
    ]) {
      const res = await send({ path: CALLBACKS, body });
      const env = await expectEnvelope(res, 400, 'INVALID_REQUEST', '请求体不是合法的JSON格式');
      expect(env.detail).toEqual({ field: '', value: null, issue: expect.any(String), location: 'body' });
    }
  });

  it('wrong or missing Content-Type -> 400 INVALID_REQUEST with the header in detail', async () => {
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      undefined,
    ]) {
      const res = await send({ path: CALLBACKS, body: GOOD, headers: { 'Content-Type': contentType } });
      const env = await expectEnvelope(res, 400, 'INVALID_REQUEST', 'Content-Type不正确，请使用application/json');
      expect(env.detail).toMatchObject({ field: 'Content-Type', value: contentType ?? null, location: 'header' });
    }
    // Parameters and case do not matter.
    for (const contentType of ['application/json; charset=utf-8', 'Application/JSON;charset=UTF-8']) {
      const res = await send({ path: CALLBACKS, body: GOOD, headers: { 'Content-Type': contentType } });
      expect([contentType, res.status]).toEqual([contentType, 200]);
    }
  });

  it('a body over 1 MiB -> 400 INVALID_REQUEST, with Content-Length and chunked; exactly 1 MiB is read', async () => {
    const over = JSON.stringify({ mchid: CREATOR, notify_url: 'https://merchant.example.com/' + 'a'.repeat(LIMIT) });
    expect(Buffer.byteLength(over)).toBeGreaterThan(LIMIT);
    const message = `请求体超过大小限制（${LIMIT}字节）`;
    await expectEnvelope(await send({ path: CALLBACKS, body: over }), 400, 'INVALID_REQUEST', message);
    await expectEnvelope(await send({ path: CALLBACKS, body: over, chunks: 20 }), 400, 'INVALID_REQUEST', message);
    // A declared length above the limit is refused before reading; a lie below it is caught while reading.
    const head = `{"mchid":"${CREATOR}","notify_url":"https://merchant.example.com/`;
    const exact = head + 'a'.repeat(LIMIT - head.length - 2) + '"}';
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    const atLimit = await send({ path: CALLBACKS, body: exact, chunks: 16 });
    // Read in full: now the contract speaks (notify_url is at most 256 bytes).
    const notifyUrl = JSON.parse(exact).notify_url as string;
    await expectEnvelope(
      atLimit,
      400,
      'PARAM_ERROR',
      `输入源“/body/notify_url”映射到值字段“通知地址”字符串规则校验失败，字节数 ${notifyUrl.length}，大于最大值 256`,
    );
    // The mock is still answering afterwards.
    expect((await send({ path: CALLBACKS, body: GOOD })).status).toBe(200);
  });

  it('invalid UTF-8 bytes (signed as they are) -> 400 INVALID_REQUEST 请求体不是合法的UTF-8编码', async () => {
    const head = Buffer.from(`{"mchid":"${CREATOR}","notify_url":"https://merchant.example.com/`);
    for (const bad of [
      [0xff, 0xfe],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xe4, 0xb8],
    ]) {
      const body = Buffer.concat([head, Buffer.from(bad), Buffer.from('"}')]);
      const env = await expectEnvelope(await send({ path: CALLBACKS, body }), 400, 'INVALID_REQUEST', '请求体不是合法的UTF-8编码');
      expect(env.detail).toMatchObject({ location: 'body' });
    }
  });

  it('a JSON array, string, number, null or an empty body instead of an object -> 400 PARAM_ERROR', async () => {
    for (const body of ['[]', `[${GOOD}]`, '"text"', '42', 'null', 'true', '']) {
      const res = await send({ path: CALLBACKS, body, headers: { 'Content-Type': 'application/json' } });
      const env = await expectEnvelope(res, 400, 'PARAM_ERROR');
      expect([body, env.message]).toEqual([body, '无法将传入参数“请求体”转换为object类型。']);
      expect(env.detail).toEqual({ field: '', value: body === '' ? null : JSON.parse(body), issue: 'must be object', location: 'body' });
    }
  });

  it('deeply nested or long JSON where a string is due -> 400 PARAM_ERROR that echoes a bounded value, never a 500', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    for (const [body, message] of [
      [deep(200_000), '无法将传入参数“请求体”转换为object类型。'],
      [`{"mchid":"${CREATOR}","notify_url":${deep(200_000)}}`, '无法将传入参数“通知地址”转换为string/bytes类型。'],
    ]) {
      const env = await expectEnvelope(await send({ path: CALLBACKS, body }), 400, 'PARAM_ERROR', message);
      expect(env.detail).toMatchObject({ value: null, location: 'body' });
    }
    // A long but flat value comes back as its JSON text, cut to 256 characters.
    const numbers = Array.from({ length: 1000 }, (_, i) => i);
    const env = await expectEnvelope(
      await send({ path: CALLBACKS, body: JSON.stringify({ mchid: CREATOR, notify_url: numbers }) }),
      400,
      'PARAM_ERROR',
      '无法将传入参数“通知地址”转换为string/bytes类型。',
    );
    expect(env.detail).toEqual({
      field: '/notify_url',
      value: `${JSON.stringify(numbers).slice(0, 256)}…`,
      issue: 'must be string',
      location: 'body',
    });
    // A short one is echoed as sent.
    const short = await expectEnvelope(
      await send({ path: CALLBACKS, body: JSON.stringify({ mchid: CREATOR, notify_url: [1, 2] }) }),
      400,
      'PARAM_ERROR',
    );
    expect(short.detail?.value).toEqual([1, 2]);
  });
});

describe('the HTTP layer', () => {
  it('a 100 KB header -> 400 INVALID_REQUEST HTTP请求头过大 (Node answers through server.ts)', async () => {
    const target = `${CALLBACKS}?mchid=${CREATOR}`;
    const headers = Object.entries(signer.headers('GET', target))
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const res = await sendRaw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}X-Padding: ${'p'.repeat(100 * 1024)}\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(res.head).toMatch(/\r\nContent-Type: application\/json; charset=utf-8\r\n/);
    expect(res.head).not.toMatch(/wechatpay-/i);
    expect(JSON.parse(res.body)).toEqual({ code: 'INVALID_REQUEST', message: 'HTTP请求头过大' });
    // The same through node:http, and many medium headers adding up to the same size.
    const many: Record<string, string> = {};
    for (let i = 0; i < 100; i++) many[`X-Pad-${i}`] = 'q'.repeat(1024);
    const viaHttp = await send({ method: 'GET', path: target, headers: many });
    expect([viaHttp.status, JSON.parse(viaHttp.body.toString())]).toEqual([400, { code: 'INVALID_REQUEST', message: 'HTTP请求头过大' }]);
    expect(await stateText()).toBe(before);
  });

  it('a malformed request line or header -> 400 INVALID_REQUEST HTTP请求格式错误', async () => {
    for (const text of [
      'GARBAGE\r\n\r\n',
      `GET ${CALLBACKS} HTTP/9.9\r\nHost: x\r\n\r\n`,
      `POST ${CALLBACKS} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`,
      `GET ${CALLBACKS} HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n`,
    ]) {
      const res = await sendRaw(text);
      expect([JSON.stringify(text), res.status, JSON.parse(res.body)]).toEqual([
        JSON.stringify(text),
        400,
        { code: 'INVALID_REQUEST', message: 'HTTP请求格式错误' },
      ]);
    }
  });

  it("a body shorter than its Content-Length, then EOF -> 400 envelope; journaled as the client's fault, not a 500", async () => {
    const headers = Object.entries(signer.headers('POST', CALLBACKS, GOOD))
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = createConnection(running.port, '127.0.0.1');
      const parts: Buffer[] = [];
      socket.setTimeout(4000, () => socket.destroy(new Error('no answer: the mock hung')));
      socket.on('data', (c: Buffer) => parts.push(c));
      socket.on('end', () => {
        const [head, body] = Buffer.concat(parts).toString('utf8').split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), body });
      });
      socket.on('error', reject);
      socket.end(`POST ${CALLBACKS} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Content-Length: ${GOOD.length + 50}\r\n\r\n${GOOD}`);
    });
    expect([res.status, JSON.parse(res.body)]).toEqual([400, { code: 'INVALID_REQUEST', message: 'HTTP请求格式错误' }]);
    await vi.waitFor(() =>
      expect(running.journal().at(-1)).toMatchObject({
        target: CALLBACKS,
        status: 400,
        code: 'INVALID_REQUEST',
        message: '请求体不完整，连接已中断',
      }),
    );
    expect(await stateText()).toBe(before);
  });

  it('a bad Host header -> 400 envelope', async () => {
    const res = await send({ method: 'GET', path: `${CALLBACKS}?mchid=${CREATOR}`, headers: { Host: 'bad host:x' } });
    await expectEnvelope(res, 400, 'INVALID_REQUEST', '请求的URL或Host格式不正确');
  });
});

describe('paths with encoded tricks', () => {
  // Each is signed over exactly the bytes sent, so only the path itself is at fault.
  const tricks: [string, string][] = [
    ['encoded dot segment', '/v3/marketing/favor/x/%2e%2e/callbacks'],
    ['encoded dot segment, upper case', '/v3/marketing/favor/x/%2E%2E/callbacks'],
    ['half-encoded dot segment', '/v3/marketing/favor/x/.%2e/callbacks'],
    ['literal dot segment', '/v3/marketing/favor/x/../callbacks'],
    ['single dot segment', '/v3/marketing/./favor/callbacks'],
    ['encoded slash', '/v3/marketing%2Ffavor/callbacks'],
    ['encoded slash, lower case', '/v3/marketing%2ffavor%2fcallbacks'],
    ['encoded NUL', '/v3/marketing/favor/callbacks%00'],
    ['encoded control character', '/v3/marketing/favor/call%0abacks'],
    ['double slash', '/v3//marketing/favor/callbacks'],
    ['leading double slash', '//v3/marketing/favor/callbacks'],
    ['backslash', '/v3/marketing/favor\\callbacks'],
    ['encoded backslash', '/v3/marketing/favor%5Ccallbacks'],
    ['broken percent-encoding', '/v3/marketing/favor/callbacks%zz'],
  ];

  it('POST to each -> 400 INVALID_REQUEST envelope, nothing stored (even where URL parsing would land on the real operation)', async () => {
    for (const [name, path] of tricks) {
      const res = await send({ path, body: GOOD });
      const env = await expectEnvelope(res, 400, 'INVALID_REQUEST', '请求的URL或Host格式不正确');
      expect([name, env.code]).toEqual([name, 'INVALID_REQUEST']);
    }
    expect(await storedNotifyUrl()).toBeUndefined();
    // The journal says why.
    expect(running.journal({ code: 'INVALID_REQUEST' }).at(-1)).toMatchObject({
      method: 'POST',
      target: tricks.at(-1)![1],
      status: 400,
      findings: [{ kind: 'protocol', issue: 'malformed percent-encoding in the path' }],
    });
    expect(running.journal().find((e) => e.target === tricks[0][1])?.findings).toEqual([
      { kind: 'protocol', issue: 'dot segment in the path' },
    ]);
  });

  it('GET to each -> 400 INVALID_REQUEST envelope, also with a query', async () => {
    for (const [name, path] of tricks) {
      const res = await send({ method: 'GET', path: `${path}?mchid=${CREATOR}` });
      expect([name, res.status]).toEqual([name, 400]);
      await expectEnvelope(res, 400, 'INVALID_REQUEST', '请求的URL或Host格式不正确');
    }
  });

  it('what stays allowed: encoded characters in the query, an encoded unreserved character, a trailing slash (404)', async () => {
    const query = await send({ method: 'GET', path: `${CALLBACKS}?mchid=${CREATOR}&x=%2e%2e%2F%00%5C` });
    expect([query.status, JSON.parse(query.body.toString()).code]).toEqual([404, 'RESOURCE_NOT_EXISTS']); // verified and routed; no URL set yet
    const unreserved = await send({ path: '/v3/marketing/favor/%63allbacks', body: GOOD });
    expect(unreserved.status).toBe(200);
    await running.reset();
    before = await stateText();
    const trailing = await send({ path: `${CALLBACKS}/`, body: GOOD });
    expect([trailing.status, trailing.body.length]).toEqual([404, 0]);
    expect(await stateText()).toBe(before);
  });
});
