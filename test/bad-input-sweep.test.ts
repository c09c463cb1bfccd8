/**
 * Bad input, swept from the contracts: every operation under contracts/ gets a valid, signed baseline
 * request (real resources created first, so a mutation reaches the handler's business checks, not
 * just a 404), then one mutation at a time of every declared body field (down to MAX_DEPTH), query
 * parameter (inside JSON-encoded ones too), path parameter and declared header — wrong types, empty
 * and 10k strings, 1e30 / -1 / 2^53+1 / 1.5, emoji/CJK/bidi, NUL/control characters and a lone
 * surrogate, 1000-level nesting, absence, Object.prototype names — and, for every non-GET, whole-body
 * replacements (`[]`, `"x"`, `null`, truncated JSON, 2000-level nesting, …). The standard:
 * - never a 5xx, never a hang (the one documented 5xx is named below);
 * - a 4xx is the JSON envelope `{code, message[, detail]}` with string code and message, unsigned, and
 *   the store is byte for byte what it was;
 * - what the contract refuses is refused before the handler: 400 PARAM_ERROR / INVALID_REQUEST;
 *   nothing the contract refuses is ever accepted;
 * - a key that names an Object.prototype member (`__proto__`, `constructor`, …) is answered exactly as
 *   an ordinary value of the same shape (differential), so store lookups by client-chosen ids are
 *   own-property lookups.
 * Accepted mutations (valid per contract, e.g. an emoji comment) are answered 2xx and rolled back.
 * Requests run in process (`mock.request`), one mock per family; families run concurrently and every
 * request is signed ahead in the thread pool (see signedHeaders), which keeps ~4000 requests near 10 s.
 */
import { createHash, createPrivateKey, randomBytes, sign as rsaSign, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContracts, type CompiledOperation } from '../mock-server/contract/registry.js';
import { decodeJsonQuery, queryObject } from '../mock-server/request-checks.js';
import { APP, USER, createStock, freezeAtNow, runningStock, sendOk, stockAction, stockBody } from './helpers/favor.js';
import { uploadBody } from './helpers/image-upload.js';
import { CREATOR, SAME_BRAND, json, newMock, stateOf, type TestMock } from './helpers/mock.js';
import { createActivity, createBody, uploadedImage } from './helpers/paygift.js';
import { PNG } from './helpers/images.js';

const OPERATIONS = loadContracts();

// ── the request a case sends ────────────────────────────────────────────────────────────────────

/** A valid request of one operation by CREATOR. */
interface Baseline {
  params: Record<string, string>;
  /** Values are sent as text; objects of `x-json` parameters as JSON text. */
  query: Record<string, unknown>;
  headers: Record<string, string>;
  /** JSON body (or the multipart `meta` JSON); undefined: none. */
  body?: unknown;
}

/** A request as sent: the body is raw text (JSON, or the multipart meta). */
interface Built {
  params: Record<string, string>;
  /** Raw (already encoded) query pairs. */
  query: [string, string][];
  headers: Record<string, string>;
  bodyText?: string;
}

/** A number literal JSON.stringify cannot write (2^53+1 rounds to 2^53 as a JS number). */
class Raw {
  constructor(readonly text: string) {}
}
const ABSENT = Symbol('absent');

const RAW_MARK = '\u0000raw:';
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v instanceof Raw ? RAW_MARK + v.text : v)).replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

/** Strict percent-encoding: the URL parser leaves every byte of it alone, so the signed target is the target received. */
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function built(b: Baseline): Built {
  const query: [string, string][] = Object.entries(b.query).map(([k, v]) => [enc(k), enc(typeof v === 'string' ? v : JSON.stringify(v))]);
  return { params: { ...b.params }, query, headers: { ...b.headers }, bodyText: b.body === undefined ? undefined : toJson(b.body) };
}

function targetOf(op: CompiledOperation, r: Built): string {
  const path = op.contract.path.replace(/\{(\w+)\}/g, (_, name: string) => r.params[name]);
  return r.query.length ? `${path}?${r.query.map(([k, v]) => `${k}=${v}`).join('&')}` : path;
}

// ── families: one mock each, resources made in beforeAll ─────────────────────────────────────────

interface Family {
  t: TestMock;
  baselines: Record<string, Baseline>;
  /** Cases of one family run one at a time (the store comparison needs it); families run in parallel. */
  queue: Promise<unknown>;
  /**
   * The state as the last case left it (its "after"), which is the next case's "before": nothing else
   * writes meanwhile (the cases run one at a time, the business clock is frozen). Undefined after a
   * restore, whose id sequences keep their larger values (snapshot.ts), so the next case takes its own.
   */
  state?: { snapshot: Snapshot; text: string };
}

type Snapshot = Awaited<ReturnType<TestMock['mock']['snapshot']>>;

/** The whole state through the public snapshot, and its text to compare. */
async function capture(t: TestMock): Promise<{ snapshot: Snapshot; text: string }> {
  const snapshot = await t.mock.snapshot();
  return { snapshot, text: JSON.stringify(snapshot.state) };
}

const BOUNDARY = 'sweep7e3b1c';

/** A request ready to go: target, method, signed headers, body bytes. */
interface Prepared {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

const keys = new Map<string, KeyObject>();
function merchantKey(t: TestMock, mchid: string): KeyObject {
  const m = t.mock.credentials.merchants.find((x) => x.mchid === mchid)!;
  if (!keys.has(mchid)) keys.set(mchid, createPrivateKey(m.merchant_private_key));
  return keys.get(mchid)!;
}

/**
 * The signer helper's headers (test/helpers/mock.ts → createSigner), with the RSA signature computed
 * in libuv's thread pool (crypto.sign with a callback): an operation's cases are all signed ahead, on
 * the second core, while the mock answers on this one — the signature is ~1.2 ms, most of a case. The
 * signed bytes are the helper's own `signer.message`; `sameAsSigner` checks the header it gives.
 */
function signedHeaders(
  t: TestMock,
  mchid: string,
  method: string,
  target: string,
  body: string | undefined,
  at?: { timestamp: string; nonce: string },
): Promise<Record<string, string>> {
  const timestamp = at?.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = at?.nonce ?? randomBytes(16).toString('hex').toUpperCase();
  const message = t.signer(mchid).message(method, target, body, { timestamp, nonce });
  const serial = t.mock.credentials.merchants.find((x) => x.mchid === mchid)!.merchant_serial_no;
  return new Promise((resolve, reject) =>
    rsaSign('sha256', message, merchantKey(t, mchid), (err, signature) => {
      if (err) return reject(err);
      resolve({
        Authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${mchid}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${serial}",signature="${signature.toString('base64')}"`,
        Accept: 'application/json',
        'User-Agent': 'wxpay-mock-signer/1.0',
        ...(body !== undefined && body !== '' ? { 'Content-Type': 'application/json' } : {}),
      });
    }),
  );
}

async function prepare(t: TestMock, op: CompiledOperation, r: Built, mchid = CREATOR): Promise<Prepared> {
  const method = op.contract.method;
  const target = targetOf(op, r);
  const headers = await signedHeaders(t, mchid, method, target, r.bodyText);
  let body: string | Uint8Array<ArrayBuffer> | undefined = r.bodyText;
  if (op.contract.request.bodyEncoding === 'multipart' && r.bodyText !== undefined) {
    // The signature covers the meta part only (protocol/multipart.ts), as the SDKs sign it.
    const upload = uploadBody(r.bodyText, PNG, 'logo.png', { boundary: BOUNDARY });
    headers['Content-Type'] = upload.contentType;
    body = new Uint8Array(upload.body);
  }
  return { method, target, headers: { ...headers, ...r.headers }, body };
}

/** In process (`mock.request`), with a 5 s limit: no answer is a hang. */
async function deliver(t: TestMock, p: Prepared): Promise<{ status: number; headers: Headers; text: string }> {
  const answer = (async () => {
    const res = await t.mock.request(p.target, { method: p.method, headers: p.headers, body: p.body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  })();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 5 s: the mock hung')), 5000)),
  );
  try {
    return await Promise.race([answer, hang]);
  } finally {
    clearTimeout(timer);
  }
}

const families: Record<string, Promise<Family>> = {};
const mocks: TestMock[] = [];

async function family(setup: (t: TestMock) => Promise<Record<string, Baseline>>): Promise<Family> {
  const t = await newMock();
  mocks.push(t);
  await freezeAtNow(t);
  return { t, baselines: await setup(t), queue: Promise.resolve() };
}

const reqNo = (s: string) => `SWEEP_${s}`;

beforeAll(() => {
  families.favor = family(async (t) => {
    const image = await uploadedImage(t);
    const unactivated = await createStock(t);
    const running = await runningStock(t);
    const paused = await runningStock(t);
    expect((await stockAction(t, paused, 'pause')).status).toBe(200);
    const coupon = await sendOk(t, running);
    expect(
      (
        await t.call('POST', '/v3/marketing/favor/callbacks', {
          body: { mchid: CREATOR, notify_url: 'https://merchant.example.com/notify' },
        })
      ).status,
    ).toBe(200);
    // Every optional part the rules allow together, so each field's mutation has something to replace.
    const richStock = stockBody({
      out_request_no: reqNo('STOCK'),
      stock_use_rule: { max_amount_by_day: 500 },
      pattern_info: {
        description: '满10元减1元',
        merchant_logo: image,
        merchant_name: '测试品牌',
        background_color: 'COLOR010',
        coupon_image: image,
        jump_target: 'MINI_PROGRAM',
        mini_program_appid: APP,
        mini_program_path: '/pages/index',
      },
      coupon_use_rule: {
        coupon_available_time: {
          fix_available_time: { available_week_day: [1, 2, 3], begin_time: 0, end_time: 3600 },
          second_day_available: false,
        },
        goods_tag: ['tag_1'],
        limit_pay: ['BANK_CARD'],
        limit_card: { name: '招商银行', bin: ['622588'] },
        trade_type: ['MICROAPP'],
        combine_use: true,
        available_items: ['ITEM001'],
      },
      ext_info: 'ext',
    });
    const sha256 = createHash('sha256').update(PNG).digest('hex');
    const action = (stock_id: string) => ({ params: { stock_id }, query: {}, headers: {}, body: { stock_creator_mchid: CREATOR } });
    const page = (stock_id: string) => ({
      params: { stock_id },
      query: { offset: '0', limit: '10', stock_creator_mchid: CREATOR },
      headers: {},
    });
    return {
      'favor.createStock': { params: {}, query: {}, headers: {}, body: richStock },
      'favor.startStock': action(unactivated),
      'favor.stopStock': action(unactivated),
      'favor.pauseStock': action(running),
      'favor.restartStock': action(paused),
      'favor.getStock': { params: { stock_id: running }, query: { stock_creator_mchid: CREATOR }, headers: {} },
      'favor.listStocks': {
        params: {},
        query: {
          offset: '0',
          limit: '10',
          stock_creator_mchid: CREATOR,
          create_start_time: '2026-03-01T00:00:00+08:00',
          create_end_time: '2026-12-31T00:00:00+08:00',
          status: 'running',
        },
        headers: {},
      },
      'favor.listStockMerchants': page(running),
      'favor.listStockItems': page(running),
      'favor.sendCoupon': {
        params: { openid: USER },
        query: {},
        headers: {},
        body: { stock_id: running, out_request_no: reqNo('SEND'), appid: APP, stock_creator_mchid: CREATOR },
      },
      'favor.getCoupon': { params: { openid: USER, coupon_id: coupon }, query: { appid: APP }, headers: {} },
      'favor.listUserCoupons': {
        params: { openid: USER },
        query: { appid: APP, creator_mchid: CREATOR, stock_id: running, status: 'SENDED', offset: '0', limit: '10' },
        headers: {},
      },
      'favor.setCallback': {
        params: {},
        query: {},
        headers: {},
        body: { mchid: CREATOR, notify_url: 'https://merchant.example.com/other', switch: true },
      },
      'favor.getCallback': { params: {}, query: { mchid: CREATOR }, headers: {} },
      'favor.uploadImage': { params: {}, query: {}, headers: {}, body: { filename: 'logo.png', sha256 } },
    };
  });

  // Bills exist from 10:00 the day after the stock ends: a used and refunded coupon, then the clock moved on.
  families.bills = family(async (t) => {
    const stock = await runningStock(t);
    const coupon = await sendOk(t, stock);
    await t.mock.useCoupon(coupon);
    await t.mock.refundCoupon(coupon);
    await t.mock.clock.freeze(Date.parse('2026-04-01T10:00:00+08:00'));
    const flow = await t.call('GET', `/v3/marketing/favor/stocks/${stock}/use-flow`);
    expect(flow.status).toBe(200);
    const token = new URL(json(flow).url).searchParams.get('token')!;
    return {
      'favor.useFlow': { params: { stock_id: stock }, query: {}, headers: {} },
      'favor.refundFlow': { params: { stock_id: stock }, query: {}, headers: {} },
      'billdownload.downloadFile': { params: {}, query: { token }, headers: {} },
    };
  });

  families.paygift = family(async (t) => {
    await t.mock.clock.freeze(Date.parse('2026-03-01T00:00:00+08:00'));
    const activity = await createActivity(t, await createBody(t, reqNo('PG_A')));
    const base = await createBody(t, reqNo('PG_BASE'));
    const id = (activity_id: string) => ({ params: { activity_id }, query: {}, headers: {} });
    return {
      'paygift.createActivity': { params: {}, query: {}, headers: {}, body: base },
      'paygift.getActivity': id(activity),
      'paygift.terminateActivity': id(activity),
      'paygift.listActivityMerchants': { ...id(activity), query: { offset: '0', limit: '10' } },
      'paygift.listActivityGoods': { ...id(activity), query: { offset: '0', limit: '10' } },
      'paygift.addActivityMerchants': { ...id(activity), body: { merchant_id_list: [SAME_BRAND], add_request_no: reqNo('ADD') } },
      'paygift.deleteActivityMerchants': { ...id(activity), body: { merchant_id_list: [SAME_BRAND], delete_request_no: reqNo('DEL') } },
      'paygift.listActivities': {
        params: {},
        query: { offset: '0', limit: '10', activity_name: '春季', activity_status: 'CREATE_ACT_STATUS', award_type: 'BUSIFAVOR' },
        headers: {},
      },
    };
  });

  families.partnerships = family(async (t) => {
    const toBuild = await runningStock(t);
    const built = await runningStock(t);
    const partnership = (stock_id: string) => ({
      partner: { type: 'MERCHANT', merchant_id: SAME_BRAND },
      authorized_data: { business_type: 'FAVOR_STOCK', stock_id },
    });
    const res = await t.call('POST', '/v3/marketing/partnerships/build', {
      body: partnership(built),
      headers: { 'Idempotency-Key': 'SWEEP-SETUP' },
    });
    expect(res.status).toBe(200);
    return {
      'partnerships.build': { params: {}, query: {}, headers: { 'Idempotency-Key': 'SWEEP-BUILD' }, body: partnership(toBuild) },
      'partnerships.terminate': { params: {}, query: {}, headers: { 'Idempotency-Key': 'SWEEP-TERMINATE' }, body: partnership(built) },
      'partnerships.list': {
        params: {},
        query: {
          authorized_data: { business_type: 'FAVOR_STOCK', stock_id: built },
          partner: { type: 'MERCHANT', merchant_id: SAME_BRAND },
          limit: '10',
          offset: '0',
        },
        headers: {},
      },
    };
  });

  families.certificates = family(async () => ({
    'certificates.list': { params: {}, query: { algorithm_type: 'RSA' }, headers: {} },
  }));
  return Promise.all(Object.values(families)).then(() => undefined);
}, 30_000);
afterAll(() => Promise.all(mocks.map((t) => t.mock.close())));

const familyOf = (operationId: string) =>
  ['favor.useFlow', 'favor.refundFlow', 'billdownload.downloadFile'].includes(operationId) ? 'bills' : operationId.split('.')[0];

// ── mutations ─────────────────────────────────────────────────────────────────────────────────────

const nested = (depth: number): unknown => {
  let v: unknown = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};
const nestedText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/**
 * Names of Object.prototype members, each with a same-shaped ordinary value it must be answered like.
 * `__proto__` reads Object.prototype itself, `constructor` a function: the two shapes such a lookup
 * takes (toString, valueOf, … are like constructor; the regressions below use toString too).
 */
const PROTOTYPE_KEYS: [string, string][] = [
  ['__proto__', '__qqqqq__'],
  ['constructor', 'qqqqqqqqqqq'],
];

/** JSON values for a body field (or a value inside a JSON query parameter). */
const JSON_MUTATIONS: [string, unknown][] = [
  ['number', 12345],
  ['numeric string', '12345'],
  ['object', { k: 'v' }],
  ['array', ['x']],
  ['null', null],
  ['boolean', true],
  ['empty string', ''],
  ['10k string', 'x'.repeat(10_000)],
  ['1e30', 1e30],
  ['-1', -1],
  ['2^53+1', new Raw('9007199254740993')],
  ['1.5', 1.5],
  ['emoji, CJK, bidi and zero-width', '😀测试🎉\u202e\u200b\ufeff'],
  ['NUL, control characters, a lone surrogate', 'a\u0000b\u0001\u0007\u001b\u007f\u0085\ud800'],
  ['1000-level object', nested(1000)],
  ['absent', ABSENT],
];

/** Scalars written as text that needs no encoding: the same values for a URL parameter and a header. */
const SCALAR_TEXTS: [string, string][] = [
  ['null', 'null'],
  ['boolean', 'true'],
  ['empty string', ''],
  ['10k string', 'x'.repeat(10_000)],
  ['1e30', '1e30'],
  ['-1', '-1'],
];

/** Raw (percent-encoded) text for a query or path parameter. */
const TEXT_MUTATIONS: [string, string | typeof ABSENT][] = [
  ['number', '12345'],
  ['object', enc('{"k":"v"}')],
  ['array', enc('["x"]')],
  ...SCALAR_TEXTS,
  ['2^53+1', '9007199254740993'],
  ['1.5', '1.5'],
  ['emoji, CJK, bidi and zero-width', enc('😀测试🎉\u202e\u200b\ufeff')],
  ['NUL and control characters', `a%00b${enc('\u0001\u0007\u001b\u007f\u0085')}`],
  ['invalid UTF-8 (a lone surrogate, 0xFF)', '%ED%A0%80%FF'],
  ['1000-level nesting', enc(nestedText(1000))],
  ['absent', ABSENT],
];

/** Header values (what `Headers` can carry: no NUL/CR/LF, Latin-1 only). */
const HEADER_MUTATIONS: [string, string | typeof ABSENT][] = [
  ['number', '12345'],
  ['object', '{"k":"v"}'],
  ['array', '["x"]'],
  ...SCALAR_TEXTS,
  ['1.5', '1.5'],
  ['Latin-1', 'clé-é'],
  ['control characters', 'a\u0001\u0007\u001b\u007fb'],
  ['1000-level nesting', nestedText(1000)],
  ['absent', ABSENT],
];

/** Whole-body replacements. */
function wholeBodies(baselineText: string): [string, string][] {
  return [
    ['[]', '[]'],
    ['"x"', '"x"'],
    ['null', 'null'],
    ['42', '42'],
    ['true', 'true'],
    ['{}', '{}'],
    ['empty body', ''],
    ['truncated JSON', baselineText.slice(0, Math.max(1, Math.floor(baselineText.length / 2)))],
    ['2000-level object', '{"a":'.repeat(2000) + '{}' + '}'.repeat(2000)],
    ['2000-level array', nestedText(2000)],
    ['an array of the valid body', `[${baselineText}]`],
  ];
}

type Json = Record<string, unknown>;

/**
 * Field depth swept: top-level fields, their fields and one level below (array items do not count as a
 * level: `/award_send_rule/award_list/0/stock_id` is depth 3). Deeper fields (createStock's
 * fix_available_time, createActivity's available_time entries) are left to their families' tests:
 * every request costs an RSA signature (~1.2 ms here), and the sweep has to stay fast.
 */
const MAX_DEPTH = 3;

/** Every declared property the baseline reaches (pointer), through objects and first array items. */
function fieldPointers(schema: unknown, value: unknown, pointer = '', depth = 1): string[] {
  const s = schema as Json | undefined;
  if (!s || typeof s !== 'object' || depth > MAX_DEPTH) return [];
  const out: string[] = [];
  for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, Json>)) {
    const at = `${pointer}/${name}`;
    out.push(at);
    const v = value && typeof value === 'object' ? (value as Json)[name] : undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...fieldPointers(sub, v, at, depth + 1));
    if (Array.isArray(v) && v.length && sub.items) {
      out.push(`${at}/0`);
      if (v[0] && typeof v[0] === 'object') out.push(...fieldPointers(sub.items, v[0], `${at}/0`, depth + 1));
    }
  }
  return out;
}

function withValue(root: unknown, pointer: string, value: unknown): unknown {
  const copy = structuredClone(root) as Json;
  const keys = pointer.split('/').slice(1);
  let node = copy as Json;
  for (const k of keys.slice(0, -1)) node = node[k] as Json;
  const last = keys.at(-1)!;
  if (value === ABSENT) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

interface Case {
  name: string;
  request: Built;
  /** For the prototype-key differential: the case it must be answered like. */
  twin?: Built;
  /** The one documented 5xx this case may get. */
  documented5xx?: { status: number; code: string; message: string };
}

/** FAQ 5 of the 代金券 guide, kept on purpose (the choices table of docs/reference/favor.md): a notify URL that is not an https URL → 500 SYSTEM_ERROR 系统繁忙. */
const NOTIFY_URL_NOT_HTTPS = { status: 500, code: 'SYSTEM_ERROR', message: '系统繁忙' };

function casesOf(op: CompiledOperation, base: Baseline): Case[] {
  const cases: Case[] = [];
  const start = built(base);
  const req = op.contract.request;
  const id = op.contract.operationId;

  // Body fields (the meta JSON for a multipart upload).
  if (req.body && base.body !== undefined) {
    for (const pointer of fieldPointers(req.body, base.body)) {
      const documented5xx = id === 'favor.setCallback' && pointer === '/notify_url' ? NOTIFY_URL_NOT_HTTPS : undefined;
      for (const [name, value] of JSON_MUTATIONS) {
        cases.push({
          name: `body ${pointer} = ${name}`,
          request: { ...start, bodyText: toJson(withValue(base.body, pointer, value)) },
          documented5xx,
        });
      }
      for (const [key, twin] of PROTOTYPE_KEYS) {
        cases.push({
          name: `body ${pointer} = "${key}"`,
          request: { ...start, bodyText: toJson(withValue(base.body, pointer, key)) },
          twin: { ...start, bodyText: toJson(withValue(base.body, pointer, twin)) },
          documented5xx,
        });
      }
    }
  }
  // Whole bodies, on every operation that takes one, and on body-less POSTs (a stray body).
  if (op.contract.method !== 'GET') {
    for (const [name, text] of wholeBodies(start.bodyText ?? '{}'))
      cases.push({ name: `whole body ${name}`, request: { ...start, bodyText: text } });
  }

  // Query parameters, declared ones; inside JSON-encoded ones too.
  const queryProps = (req.query?.properties ?? {}) as Record<string, Json>;
  const withQuery = (name: string, raw: string | typeof ABSENT, repeat = false): Built => {
    const others = start.query.filter(([k]) => k !== enc(name));
    const mine: [string, string][] =
      raw === ABSENT ? [] : repeat ? [[enc(name), raw], ...start.query.filter(([k]) => k === enc(name))] : [[enc(name), raw]];
    return { ...start, query: [...others, ...mine] };
  };
  for (const [name, schema] of Object.entries(queryProps)) {
    for (const [mutation, raw] of TEXT_MUTATIONS) cases.push({ name: `query ${name} = ${mutation}`, request: withQuery(name, raw) });
    cases.push({ name: `query ${name} repeated, a bad value first`, request: withQuery(name, enc('😀'), true) });
    for (const [key, twin] of PROTOTYPE_KEYS)
      cases.push({ name: `query ${name} = "${key}"`, request: withQuery(name, enc(key)), twin: withQuery(name, enc(twin)) });
    const value = base.query[name];
    if (schema['x-json'] && value && typeof value === 'object') {
      for (const pointer of fieldPointers(schema, value)) {
        for (const [mutation, v] of JSON_MUTATIONS)
          cases.push({
            name: `query ${name}${pointer} = ${mutation}`,
            request: withQuery(name, enc(toJson(withValue(value, pointer, v)))),
          });
        for (const [key, twin] of PROTOTYPE_KEYS) {
          cases.push({
            name: `query ${name}${pointer} = "${key}"`,
            request: withQuery(name, enc(toJson(withValue(value, pointer, key)))),
            twin: withQuery(name, enc(toJson(withValue(value, pointer, twin)))),
          });
        }
      }
    }
  }

  // Path parameters.
  for (const name of Object.keys((req.path?.properties ?? {}) as Json)) {
    const at = (raw: string): Built => ({ ...start, params: { ...start.params, [name]: raw } });
    for (const [mutation, raw] of TEXT_MUTATIONS) if (raw !== ABSENT) cases.push({ name: `path ${name} = ${mutation}`, request: at(raw) });
    for (const [key, twin] of PROTOTYPE_KEYS) cases.push({ name: `path ${name} = "${key}"`, request: at(enc(key)), twin: at(enc(twin)) });
  }

  // Declared headers.
  for (const name of Object.keys((req.headers?.properties ?? {}) as Json)) {
    const header = Object.keys(start.headers).find((h) => h.toLowerCase() === name) ?? name;
    const at = (value: string | typeof ABSENT): Built => {
      const headers = { ...start.headers };
      delete headers[header];
      return { ...start, headers: value === ABSENT ? headers : { ...headers, [header]: value } };
    };
    for (const [mutation, value] of HEADER_MUTATIONS) cases.push({ name: `header ${name} = ${mutation}`, request: at(value) });
    for (const [key, twin] of PROTOTYPE_KEYS) cases.push({ name: `header ${name} = "${key}"`, request: at(key), twin: at(twin) });
  }
  return cases;
}

// ── the contract's verdict on a request, independent of the app that answers it ───────────────────

/** 'reject' when the contract refuses the request; undefined when the request cannot reach the contract (unparsable, unrouted). */
function contractVerdict(op: CompiledOperation, r: Built): 'accept' | 'reject' | undefined {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.params)) {
    if (v === '') return undefined; // not routed to this operation at all
    try {
      params[k] = decodeURIComponent(v);
    } catch {
      return undefined;
    }
  }
  const query: Record<string, unknown> = queryObject(targetOf(op, r));
  decodeJsonQuery(op, query);
  const headers: Record<string, string> = {};
  for (const name of Object.keys((op.contract.request.headers?.properties ?? {}) as Json)) {
    const found = Object.entries(r.headers).find(([h]) => h.toLowerCase() === name);
    if (found) headers[name] = found[1];
  }
  let body: unknown;
  if (r.bodyText !== undefined && r.bodyText.trim() !== '') {
    try {
      body = JSON.parse(r.bodyText);
    } catch {
      return 'reject';
    }
  }
  if (!op.validateBody && op.contract.method !== 'GET' && body !== undefined) {
    // A body-less operation: `{}` means nothing, anything else is refused.
    const empty = body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0;
    if (!empty) return 'reject';
  }
  // Path, query and header validators coerce in place (text to numbers): they get copies. Body
  // validators do not coerce (and a 2000-level body is beyond structuredClone).
  const ok = (v: CompiledOperation['validateBody'], data: unknown) => !v || v(data);
  const copy = (o: object) => JSON.parse(JSON.stringify(o)) as object;
  return ok(op.validatePath, copy(params)) &&
    ok(op.validateQuery, copy(query)) &&
    ok(op.validateHeaders, copy(headers)) &&
    ok(op.validateBody, body)
    ? 'accept'
    : 'reject';
}

// ── running a case ────────────────────────────────────────────────────────────────────────────────

interface Outcome {
  status: number;
  code?: string;
  message?: string;
}

/** Sends `r`; checks the answer against the standard; rolls an accepted request back. Returns problems. */
async function judge(
  fx: Family,
  op: CompiledOperation,
  r: Built,
  signed: Promise<Prepared>,
  c: Case,
  problems: string[],
): Promise<Outcome> {
  const { t } = fx;
  // The whole state through the public snapshot: a refused request must leave it byte for byte.
  const current = fx.state ?? (await capture(t));
  const { snapshot, text: before } = current;
  fx.state = undefined;
  let res: Awaited<ReturnType<typeof deliver>>;
  try {
    res = await deliver(t, await signed);
  } catch (err) {
    problems.push(`${c.name}: ${(err as Error).message}`);
    return { status: 0 };
  }
  const now = await capture(t);
  const after = now.text;
  // Unchanged, the state after this case is the next one's state before it; changed, it is restored
  // below and the next case takes a snapshot of its own.
  if (after === before) fx.state = now;
  const head = `${c.name}: ${res.status} ${res.text.slice(0, 160)}`;
  const verdict = contractVerdict(op, r);

  if (res.status >= 200 && res.status < 300) {
    if (verdict === 'reject') problems.push(`${head} — accepted what the contract refuses`);
    if (after !== before) {
      await t.mock.restore(snapshot);
    }
    return { status: res.status };
  }
  // Unrouted (an empty path segment at the end): the real server's empty 404, as app.ts answers it.
  if (verdict === undefined && (res.status === 404 || res.status === 405) && res.text === '') {
    if (after !== before) problems.push(`${head} — the store changed`);
    return { status: res.status };
  }
  let env: { code?: unknown; message?: unknown; detail?: unknown } | undefined;
  try {
    env = JSON.parse(res.text);
  } catch {
    problems.push(`${head} — not a JSON envelope`);
    return { status: res.status };
  }
  const outcome = { status: res.status, code: String(env?.code), message: String(env?.message) };
  const documented =
    c.documented5xx &&
    res.status === c.documented5xx.status &&
    env?.code === c.documented5xx.code &&
    env?.message === c.documented5xx.message;
  if (res.status >= 500 && !documented) problems.push(`${head} — a 5xx`);
  if (res.status < 400) problems.push(`${head} — neither 2xx nor 4xx`);
  if (
    !env ||
    typeof env !== 'object' ||
    Array.isArray(env) ||
    typeof env.code !== 'string' ||
    typeof env.message !== 'string' ||
    !Object.keys(env).every((k) => ['code', 'message', 'detail'].includes(k))
  ) {
    problems.push(`${head} — not the {code, message, detail?} envelope`);
  }
  if (!/^application\/json\b/.test(res.headers.get('content-type') ?? ''))
    problems.push(`${head} — content type ${res.headers.get('content-type')}`);
  if (res.headers.get('wechatpay-signature')) problems.push(`${head} — an error reply is signed`);
  if (verdict === 'reject' && !(res.status === 400 && ['PARAM_ERROR', 'INVALID_REQUEST'].includes(outcome.code)))
    problems.push(`${head} — the contract refuses it: 400 PARAM_ERROR/INVALID_REQUEST expected`);
  if (after !== before) {
    problems.push(`${head} — a refused request changed the store`);
    await t.mock.restore(snapshot);
  }
  return outcome;
}

async function sweep(fx: Family, op: CompiledOperation): Promise<{ cases: number; problems: string[] }> {
  const base = fx.baselines[op.contract.operationId];
  const problems: string[] = [];
  fx.state = undefined; // taken afresh for each operation's cases
  const cases = casesOf(op, base);
  // Every request of the operation is signed ahead (thread pool), then sent one at a time.
  const sign = (r: Built) => prepare(fx.t, op, r);
  const signed = cases.map((c) => ({ request: sign(c.request), twin: c.twin && sign(c.twin) }));
  for (const s of signed) {
    s.request.catch(() => {});
    s.twin?.catch(() => {});
  }
  // The baseline itself is accepted: every mutation starts from a request that reaches the handler's success path.
  const ok = await judge(fx, op, built(base), sign(built(base)), { name: 'baseline', request: built(base) }, problems);
  if (ok.status < 200 || ok.status >= 300) problems.push(`baseline answered ${ok.status} ${ok.code} ${ok.message}`);
  for (const [i, c] of cases.entries()) {
    const got = await judge(fx, op, c.request, signed[i].request, c, problems);
    if (c.twin) {
      const like = await judge(fx, op, c.twin, signed[i].twin!, { ...c, name: `${c.name} (its ordinary twin)` }, problems);
      if (JSON.stringify(got) !== JSON.stringify(like))
        problems.push(`${c.name}: answered ${JSON.stringify(got)}, an ordinary value of the same shape ${JSON.stringify(like)}`);
    }
  }
  return { cases: cases.length + cases.filter((c) => c.twin).length + 1, problems };
}

let swept = 0;

describe('every contract operation, every declared input mutated: 4xx envelope or accepted, never a 5xx or a hang, a refusal changes nothing', () => {
  it('every operation loaded from contracts/ has a baseline here, and the baseline is the only thing a new contract needs', async () => {
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(30);
    const all = await Promise.all(Object.values(families));
    const covered = all.flatMap((fx) => Object.keys(fx.baselines)).sort();
    expect(covered).toEqual(OPERATIONS.map((o) => o.contract.operationId).sort());
  });

  it("the thread-pool signature is the signer helper's: the same headers for the same timestamp and nonce", async () => {
    const { t } = await families.favor;
    const at = { timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'SWEEPNONCE0123456789ABCDEF' };
    for (const [method, target, body] of [
      ['GET', '/v3/certificates?algorithm_type=RSA', undefined],
      ['POST', '/v3/marketing/favor/callbacks', '{"a":"😀"}'],
    ] as const) {
      expect(await signedHeaders(t, CREATOR, method, target, body, at)).toEqual(t.signer(CREATOR).headers(method, target, body, at));
    }
  });

  for (const op of OPERATIONS) {
    const id = op.contract.operationId;
    it.concurrent(`${id} (${op.contract.method} ${op.contract.path})`, async () => {
      const fx = await families[familyOf(id)];
      expect(fx.baselines[id], `no baseline for ${id}`).toBeDefined();
      const run = fx.queue.then(() => sweep(fx, op));
      fx.queue = run.catch(() => {});
      const { cases, problems } = await run;
      swept += cases;
      expect(problems).toEqual([]);
    });
  }

  afterAll(() => {
    console.log(`[bad-input-sweep] ${swept} requests over ${OPERATIONS.length} operations`);
  });
});

/**
 * What the sweep found, one named case per rule: store records are keyed by ids and request numbers
 * the client chooses, and a plain-object lookup of `constructor` / `__proto__` / `toString` read an
 * Object.prototype member (mock-server/store/records.ts now does every such lookup and write).
 */
describe('regressions: a client-chosen id or request number that names an Object.prototype member is an ordinary value', () => {
  let t: TestMock;
  let stock: string;
  const PROTO = ['constructor', '__proto__', 'toString'];
  const favorMsg = (res: { status: number; body: unknown }) => [res.status, json(res as never).code, json(res as never).message];

  beforeAll(async () => {
    t = await newMock();
    await freezeAtNow(t);
    stock = await runningStock(t);
  });
  afterAll(() => t.mock.close());

  it('GET …/stocks/{constructor|__proto__|toString}/use-flow and /refund-flow -> 404 RESOURCE_NOT_EXISTS 批次不存在 (was 500 SYSTEM_ERROR)', async () => {
    for (const id of PROTO) {
      for (const flow of ['use-flow', 'refund-flow']) {
        expect([id, flow, ...favorMsg(await t.call('GET', `/v3/marketing/favor/stocks/${id}/${flow}`))]).toEqual([
          id,
          flow,
          404,
          'RESOURCE_NOT_EXISTS',
          '批次不存在',
        ]);
      }
    }
  });

  it('POST …/stocks/{constructor|__proto__}/start|pause|restart|stop -> 404 RESOURCE_NOT_EXISTS 批次不存在 (was 400 PARAM_ERROR 非法的批次状态)', async () => {
    for (const id of PROTO) {
      for (const action of ['start', 'pause', 'restart', 'stop'] as const) {
        expect([id, action, ...favorMsg(await stockAction(t, id, action))]).toEqual([id, action, 404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
      }
    }
  });

  it('send a coupon of stock_id "constructor" -> 404 RESOURCE_NOT_EXISTS 批次不存在 (was 400 PARAM_ERROR 参数错误，请核对文档要求)', async () => {
    for (const id of PROTO) {
      const res = await t.call('POST', `/v3/marketing/favor/users/${USER}/coupons`, {
        body: { stock_id: id, out_request_no: reqNo(`P${PROTO.indexOf(id)}`), appid: APP, stock_creator_mchid: CREATOR },
      });
      expect([id, ...favorMsg(res)]).toEqual([id, 404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
    }
  });

  it('create a stock / send a coupon with out_request_no "constructor" or "__proto__" -> 200, and the same request again answers the same id (was 400 RESOURCE_ALREADY_EXISTS 创建请求重入…)', async () => {
    const stockIds = new Map<string, string>();
    for (const no of ['constructor', '__proto__']) {
      const body = stockBody({ out_request_no: no });
      const first = await t.call('POST', '/v3/marketing/favor/coupon-stocks', { body });
      expect([no, first.status]).toEqual([no, 200]);
      stockIds.set(no, json(first).stock_id);
      const again = await t.call('POST', '/v3/marketing/favor/coupon-stocks', { body });
      expect([no, again.status, json(again).stock_id]).toEqual([no, 200, json(first).stock_id]);
      const other = await t.call('POST', '/v3/marketing/favor/coupon-stocks', { body: { ...body, comment: '另一个' } });
      expect([no, ...favorMsg(other)]).toEqual([no, 400, 'RESOURCE_ALREADY_EXISTS', '创建请求重入，但本次请求与上次请求信息不一致']);

      const sendBody = { stock_id: stock, out_request_no: no, appid: APP, stock_creator_mchid: CREATOR };
      const sent = await t.call('POST', `/v3/marketing/favor/users/${USER}/coupons`, { body: sendBody });
      expect([no, sent.status]).toEqual([no, 200]);
      const resent = await t.call('POST', `/v3/marketing/favor/users/${USER}/coupons`, { body: sendBody });
      expect([no, resent.status, json(resent).coupon_id]).toEqual([no, 200, json(sent).coupon_id]);
    }
    // Stored as own entries: in the JSON the store writes (the snapshot), each with the id it answered — a
    // replaced prototype would not be in that JSON.
    const { create_requests } = (await stateOf(t.mock)).merchants[CREATOR].favor!;
    expect(Object.keys(create_requests)).toEqual(expect.arrayContaining(['constructor', '__proto__']));
    for (const no of ['constructor', '__proto__'])
      expect([no, Object.getOwnPropertyDescriptor(create_requests, no)?.value.id]).toEqual([no, stockIds.get(no)]);
  });

  it('an out_request_no "__proto__" survives a restart from the data file: the repeat still answers the first stock_id', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-sweep-')), 'data.json');
    const first = await newMock({ dataFile });
    await freezeAtNow(first);
    const body = stockBody({ out_request_no: '__proto__' });
    const created = await first.call('POST', '/v3/marketing/favor/coupon-stocks', { body });
    expect(created.status).toBe(200);
    await first.mock.close();
    const second = await newMock({ dataFile });
    try {
      const again = await second.call('POST', '/v3/marketing/favor/coupon-stocks', { body });
      expect([again.status, json(again).stock_id]).toEqual([200, json(created).stock_id]);
    } finally {
      await second.mock.close();
    }
  });

  it('GET /v3/billdownload/file?token=constructor -> 400 INVALID_REQUEST 下载链接已过期或无效，请重新获取', async () => {
    for (const token of PROTO) {
      expect([token, ...favorMsg(await t.call('GET', `/v3/billdownload/file?token=${token}`))]).toEqual([
        token,
        400,
        'INVALID_REQUEST',
        '下载链接已过期或无效，请重新获取',
      ]);
    }
  });

  it('control API: POST /_mock/favor/coupons/constructor/use -> 404 RESOURCE_NOT_EXISTS (was 500); mock.useCoupon("__proto__") rejects with RESOURCE_NOT_EXISTS', async () => {
    const res = await request(t.mock.listener).post('/_mock/favor/coupons/constructor/use').send({});
    expect([res.status, res.body.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    await expect(t.mock.useCoupon('__proto__')).rejects.toMatchObject({ code: 'RESOURCE_NOT_EXISTS' });
  });

  it('partnerships build on stock_id "constructor" -> 400 INVALID_REQUEST 查询代金券出错 (was 200: a partnership on a stock that does not exist)', async () => {
    for (const id of PROTO) {
      const res = await t.call('POST', '/v3/marketing/partnerships/build', {
        body: { partner: { type: 'MERCHANT', merchant_id: SAME_BRAND }, authorized_data: { business_type: 'FAVOR_STOCK', stock_id: id } },
        headers: { 'Idempotency-Key': `K-${PROTO.indexOf(id)}` },
      });
      expect([id, ...favorMsg(res)]).toEqual([id, 400, 'INVALID_REQUEST', '查询代金券出错']);
    }
    expect((await stateOf(t.mock)).merchants[CREATOR].partnerships).toBeUndefined();
  });

  it('Idempotency-Key "__proto__" / "constructor" on build and terminate -> 200; the same key and body answer the first reply, another body 400 RESOURCE_ALREADY_EXISTS (was 400 on first use)', async () => {
    const body = {
      partner: { type: 'MERCHANT', merchant_id: SAME_BRAND },
      authorized_data: { business_type: 'FAVOR_STOCK', stock_id: stock },
    };
    const post = (path: string, key: string, b: unknown) =>
      t.call('POST', `/v3/marketing/partnerships/${path}`, { body: b, headers: { 'Idempotency-Key': key } });
    for (const [path, key] of [
      ['build', '__proto__'],
      ['terminate', 'constructor'],
    ]) {
      const first = await post(path, key, body);
      expect([path, first.status]).toEqual([path, 200]);
      const again = await post(path, key, body);
      expect([path, again.status, json(again)]).toEqual([path, 200, json(first)]);
      const other = await post(path, key, { ...body, partner: { type: 'MERCHANT', merchant_id: '1900000003' } });
      expect([path, other.status, json(other).code]).toEqual([path, 400, 'RESOURCE_ALREADY_EXISTS']);
    }
  });

  describe('支付有礼', () => {
    let activity: string;
    beforeAll(async () => {
      await t.mock.clock.freeze(Date.parse('2026-03-01T00:00:00+08:00'));
      activity = await createActivity(t, await createBody(t, reqNo('REG')));
    });

    it('GET/POST …/activities/{constructor|__proto__|toString}[/merchants|/goods|/terminate|/merchants/add|/merchants/delete] -> 404 RESOURCE_NOT_EXISTS 活动不存在 (was 500, or 400 活动已过期…)', async () => {
      const base = '/v3/marketing/paygiftactivity/activities';
      for (const id of PROTO) {
        const answers = [
          await t.call('GET', `${base}/${id}`),
          await t.call('GET', `${base}/${id}/merchants`),
          await t.call('GET', `${base}/${id}/goods`),
          await t.call('POST', `${base}/${id}/terminate`),
          await t.call('POST', `${base}/${id}/merchants/add`, { body: { merchant_id_list: [SAME_BRAND], add_request_no: reqNo('A1') } }),
          await t.call('POST', `${base}/${id}/merchants/delete`, {
            body: { merchant_id_list: [SAME_BRAND], delete_request_no: reqNo('D1') },
          }),
        ];
        expect([id, answers.map(favorMsg)]).toEqual([id, Array(6).fill([404, 'RESOURCE_NOT_EXISTS', '活动不存在'])]);
      }
    });

    it('create with out_request_no "constructor" or "__proto__", merchants add/delete with request number "__proto__" -> 200 and idempotent, stored as own entries (was 500 / 400 RESOURCE_ALREADY_EXISTS)', async () => {
      for (const no of ['constructor', '__proto__']) {
        const body = await createBody(t, no);
        const first = await t.call('POST', '/v3/marketing/paygiftactivity/unique-threshold-activity', { body });
        expect([no, first.status]).toEqual([no, 200]);
        const again = await t.call('POST', '/v3/marketing/paygiftactivity/unique-threshold-activity', { body });
        expect([no, again.status, json(again).activity_id]).toEqual([no, 200, json(first).activity_id]);
      }
      for (const [action, field] of [
        ['add', 'add_request_no'],
        ['delete', 'delete_request_no'],
      ]) {
        const b = { merchant_id_list: [SAME_BRAND], [field]: '__proto__' };
        const path = `/v3/marketing/paygiftactivity/activities/${activity}/merchants/${action}`;
        const once = await t.call('POST', path, { body: b });
        expect([action, once.status]).toEqual([action, 200]);
        const twice = await t.call('POST', path, { body: b });
        expect([action, twice.status, json(twice)]).toEqual([action, 200, json(once)]);
      }
      // The snapshot is the JSON the store writes: own entries only.
      const state = (await stateOf(t.mock)).merchants[CREATOR].paygift!;
      expect([Object.keys(state.out_request_nos), Object.keys(state.add_requests), Object.keys(state.delete_requests)]).toEqual([
        expect.arrayContaining(['constructor', '__proto__']),
        ['__proto__'],
        ['__proto__'],
      ]);
    });
  });
});
