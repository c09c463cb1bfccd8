/**
 * The rules audit (issue 13): every documented rule of the three families and the common protocol —
 * each field limit (required, length, pattern, range, enum), each business rule, each documented error
 * code and message — as one row of test/data/rules.json with its source, and here one case per row that
 * sends the violating request, signed, to the running mock and asserts the documented status, code and
 * message (`message: null`: the docs give none for that rule, any text passes). docs/reference/rules.md
 * is the same table with the count.
 *
 * A row names a request (`request`), what must exist first (`setup`: stocks, coupons, activities,
 * partnerships, clock moves) and the answer (`expect`). Bodies start from a valid one (`base`) with
 * `set` applied by dotted path ("$delete" removes a field). "$name" in a string is a value from the setup
 * or a fixture constant. A row with `gap` is a rule the mock does not honour yet: its case is expected to
 * fail (`it.fails`), so fixing the gap turns it red until the row loses its `gap`.
 * One app for the table, one with the strict profile's opt-in checks (rate limits, the notify-URL probe,
 * the stock images' pixel sizes) for the rows that need them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createSigner, type MockApp, type Signer } from '../mock-server/index.js';
import { rulesDoc } from '../scripts/rules-doc.js';
import { stockBody } from './helpers/favor.js';
import { uploadBody } from './helpers/image-upload.js';
import { PNG } from './helpers/images.js';

interface Expect {
  status: number;
  code?: string;
  /** The documented text; null when the docs give none (any non-empty text passes). */
  message?: string | null;
  /** For 200: the reply's value at each dotted path. */
  is?: Record<string, unknown>;
  /** For 200: the reply has nothing at this dotted path (absent or an empty array). */
  none?: string;
  /** The reply has no body at all (an unknown path). */
  empty?: boolean;
  /** For 200: the reply's `field` equals the setup value at the dotted path `equals` (idempotent replays). */
  field?: string;
  equals?: string;
}

interface RequestSpec {
  method?: string;
  path?: string;
  /** Path and query from a URL a setup reply gave (dotted path into the setup values, e.g. `flow.url`). */
  fromUrl?: string;
  query?: string;
  base?: keyof typeof BASES;
  body?: unknown;
  set?: Record<string, unknown>;
  /** Raw body text, sent and signed as it is. */
  raw?: string;
  mchid?: string;
  headers?: Record<string, string | null>;
  /** Sign with this certificate serial instead of the merchant's. */
  serial?: string;
  /** `bad-signature`: sign another body; `none`: no Authorization. */
  sign?: 'bad-signature' | 'none';
  /** An image upload (multipart): the file and meta to send. */
  upload?: { filename?: string; file?: ImageKind | 'gif' | 'big' | 'none'; sha256?: string; meta?: 'none' };
  /** Send the same request this many times first (rate limits). */
  repeat?: number;
}

interface Step {
  do: 'stock' | 'fill' | 'send' | 'use' | 'advance' | 'activity' | 'build' | 'callback' | 'upload' | 'call';
  as?: string;
  set?: Record<string, unknown>;
  state?: 'unactivated' | 'running' | 'paused' | 'stoped';
  mchid?: string;
  stock?: string;
  openid?: string;
  appid?: string;
  times?: number;
  coupon?: string;
  by?: string;
  body?: unknown;
  request?: RequestSpec;
  options?: Record<string, unknown>;
  file?: ImageKind;
}

/** Images a row uploads: a 1×1 PNG, a 1×1 BMP, a PNG of just over 1 MB. */
type ImageKind = 'png' | 'bmp' | 'large';

export interface Rule {
  id: string;
  rule: string;
  source: string;
  setup?: Step[];
  request: RequestSpec;
  expect: Expect;
  /** Needs the app with the strict profile's opt-in checks (rate limits, notify-URL probe, image pixel sizes). */
  strict?: boolean;
  gap?: string;
  note?: string;
}

const table = JSON.parse(readFileSync(new URL('./data/rules.json', import.meta.url), 'utf8')) as { rules: Rule[] };

const NOW_MS = Date.parse('2026-03-02T10:00:00+08:00');
const CONST: Record<string, string> = {
  CREATOR: '1900000001',
  SAME_BRAND: '1900000002',
  UNRELATED: '1900000003',
  POOR: '1900000004',
  REVIEWED: '1900000006',
  APP: 'wx1a2b3c4d5e6f7001',
  APP2: 'wx1a2b3c4d5e6f7002',
  BRANCH_APP: 'wx1a2b3c4d5e6f7003',
  UNBOUND_APP: 'wx1a2b3c4d5e6f7005',
  USER: 'od3htb2NrLTEtdXNlci0xX19fX19',
  USER2: 'od3htb2NrLTEtdXNlci0yX19fX19',
  SAME_PERSON: 'od3htb2NrLTItdXNlci0xX19fX19',
  BRANCH_USER: 'od3htb2NrLTMtdXNlci0xX19fX19',
  RISKY_USER: 'od3htb2NrLTEtcmlza3ktMV9fX19',
  LIVE_USER: 'od3htb2NrLTUtdXNlci0xX19fX19', // UNBOUND_APP (the live-room mini program)
};
const GIF = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');
/** A 1×1 24-bit BMP. */
const BMP = Buffer.from('Qk06AAAAAAAAADYAAAAoAAAAAQAAAAEAAAABABgAAAAAAAQAAAATCwAAEwsAAAAAAAAAAAAA////AA==', 'base64');

/** A valid stock of `creator` (10 × 1 CNY… 100 coupons, 3 per user) starting at the virtual now ("$NOW"). */
const newStock = (creator = CONST.CREATOR) =>
  stockBody({ available_begin_time: '$NOW', stock_use_rule: { max_coupons: 100, max_amount: 10000, max_coupons_per_user: 3 } }, creator);

/** Epoch ms → RFC 3339 in +08:00, as the API writes times. */
const beijing = (ms: number) => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;

let seq = 0;
const requestNo = () => `RULES${Date.now()}${++seq}`;

/** Valid bodies the rows start from. */
const BASES = {
  createStock: () => newStock(),
  sendCoupon: () => ({ stock_id: '$stock', out_request_no: requestNo(), appid: '$APP', stock_creator_mchid: '$CREATOR' }),
  stockAction: () => ({ stock_creator_mchid: '$CREATOR' }),
  setCallback: () => ({ mchid: '$CREATOR', notify_url: 'https://pay.example.com/wxpay/coupon-use' }),
  createActivity: () => ({
    activity_base_info: {
      activity_name: '春季满额送',
      activity_second_title: '满100送券',
      merchant_logo_url: '$logo',
      background_color: 'COLOR010',
      begin_time: '2026-04-01T00:00:00+08:00',
      end_time: '2026-05-01T00:00:00+08:00',
      available_periods: {
        available_time: [{ begin_time: '2026-04-01T00:00:00+08:00', end_time: '2026-05-01T00:00:00+08:00' }],
        available_day_time: [{ begin_day_time: '110000', end_day_time: '135959' }],
      },
      out_request_no: requestNo(),
      delivery_purpose: 'JUMP_MINI_APP',
      mini_programs_appid: '$APP',
      mini_programs_path: '/pages/index/index',
    },
    award_send_rule: {
      transaction_amount_minimum: 10000,
      send_content: 'SINGLE_COUPON',
      award_type: 'BUSIFAVOR',
      award_list: [{ stock_id: '1212000000000001', original_image_url: '$logo', thumbnail_url: '$logo' }],
      merchant_option: 'MANUAL_INPUT_MERCHANT',
      merchant_id_list: ['1900000001', '1900000002'],
    },
    advanced_setting: { delivery_user_category: 'DELIVERY_ALL_PERSON', goods_tags: ['spring'] },
  }),
  activityMerchants: () => ({ merchant_id_list: ['1900000002'], add_request_no: requestNo() }),
  deleteMerchants: () => ({ merchant_id_list: ['1900000002'], delete_request_no: requestNo() }),
  partnership: () => ({
    partner: { type: 'MERCHANT', merchant_id: '$SAME_BRAND' },
    authorized_data: { business_type: 'FAVOR_STOCK', stock_id: '$stock' },
  }),
};

/** "$name" → the value (a whole-string match keeps the value's type), "…$name…" → interpolated. */
function resolve(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
    if (whole && whole[1] in vars) return vars[whole[1]];
    return value.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, vars)]));
  return value;
}

/** Dotted paths ("a.b.0.c"); "$delete" removes the field. */
function setPath(target: any, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) {
    if (node[k] === undefined || node[k] === null || typeof node[k] !== 'object') node[k] = {};
    node = node[k];
  }
  const last = keys[keys.length - 1];
  if (value === '$delete') {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
}

interface Harness {
  mock: MockApp;
  signer(mchid: string, serial?: string): Signer;
}

async function harness(options: Record<string, unknown>): Promise<Harness> {
  const mock = await createApp({ ...options });
  const signers = new Map<string, Signer>();
  return {
    mock,
    signer(mchid, serial) {
      const id = `${mchid}/${serial ?? ''}`;
      if (!signers.has(id)) {
        const m = mock.credentials.merchants.find((x) => x.mchid === mchid);
        // An mchid the fixtures do not hold signs with the creator's key (the mock must refuse the mchid).
        const key = m ?? mock.credentials.merchants[0];
        signers.set(id, createSigner({ mchid, serialNo: serial ?? key.merchant_serial_no, privateKey: key.merchant_private_key }));
      }
      return signers.get(id)!;
    },
  };
}

interface Reply {
  status: number;
  body: any;
}

async function send(h: Harness, spec: RequestSpec, vars: Record<string, unknown>): Promise<Reply> {
  const method = (spec.method ?? 'GET').toUpperCase();
  const mchid = String(resolve(spec.mchid ?? '$CREATOR', vars));
  const query = spec.query === undefined ? '' : `?${resolve(spec.query, vars) as string}`;
  let target = `${resolve(spec.path ?? '', vars) as string}${query}`;
  if (spec.fromUrl) {
    const url = new URL(spec.fromUrl.split('.').reduce<any>((v, k) => v?.[k], vars));
    target = `${url.pathname}${url.search}`;
  }
  let payload: Buffer | string | undefined;
  let signed: string | undefined;
  let contentType: string | undefined;
  if (spec.upload) {
    const u = spec.upload;
    const files = {
      png: PNG,
      bmp: BMP,
      gif: GIF,
      large: Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]),
      big: Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]),
      none: undefined,
    };
    const file = files[u.file ?? 'png'];
    const filename = u.filename ?? 'logo.png';
    const meta = JSON.stringify({
      filename,
      sha256:
        u.sha256 ??
        createHash('sha256')
          .update(file ?? PNG)
          .digest('hex'),
    });
    const framed = uploadBody(u.meta === 'none' ? '' : meta, file, filename);
    payload = framed.body;
    if (u.meta === 'none')
      payload = Buffer.from(
        framed.body
          .toString('latin1')
          .replace(/^--[^\r]+\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application\/json\r\n\r\n\r\n/, ''),
        'latin1',
      );
    signed = meta;
    contentType = framed.contentType;
  } else if (spec.raw !== undefined) {
    payload = signed = spec.raw;
  } else if (spec.base || spec.body !== undefined) {
    const body: any = structuredClone(spec.body ?? BASES[spec.base!]());
    for (const [path, value] of Object.entries(spec.set ?? {})) setPath(body, path, value);
    payload = signed = JSON.stringify(resolve(body, vars));
  }
  const signer = spec.serial ? h.signer(mchid, spec.serial) : h.signer(mchid);
  const headers: Record<string, string> = signer.headers(method, target, spec.sign === 'bad-signature' ? `${signed ?? ''} ` : signed);
  if (contentType) headers['Content-Type'] = contentType;
  if (spec.sign === 'none') delete headers.Authorization;
  // 委托营销 writes need an Idempotency-Key: a fresh one unless the row sends its own (or none).
  if (method === 'POST' && target.startsWith('/v3/marketing/partnerships/') && !('Idempotency-Key' in (spec.headers ?? {})))
    headers['Idempotency-Key'] = requestNo();
  for (const [k, v] of Object.entries(spec.headers ?? {})) {
    const name = Object.keys(headers).find((x) => x.toLowerCase() === k.toLowerCase()) ?? k;
    if (v === null) delete headers[name];
    else headers[name] = String(resolve(v, vars));
  }
  const init: RequestInit = { method, headers, body: Buffer.isBuffer(payload) ? new Uint8Array(payload) : payload };
  for (let i = 0; i < (spec.repeat ?? 0); i++) await h.mock.request(target, init);
  const res = await h.mock.request(target, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: asserted as such below */
  }
  return { status: res.status, body };
}

async function ok(h: Harness, spec: RequestSpec, vars: Record<string, unknown>): Promise<any> {
  const reply = await send(h, spec, vars);
  if (reply.status !== 200) throw new Error(`setup ${spec.method ?? 'GET'} ${spec.path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

async function uploadedLogo(h: Harness, file: ImageKind = 'png'): Promise<string> {
  const upload = { file, filename: file === 'bmp' ? 'logo.bmp' : 'logo.png' };
  return (await ok(h, { method: 'POST', path: '/v3/marketing/favor/media/image-upload', upload }, { ...CONST })).media_url;
}

async function runSetup(h: Harness, steps: Step[], vars: Record<string, unknown>) {
  for (const s of steps) {
    const mchid = s.mchid ?? '$CREATOR';
    switch (s.do) {
      case 'stock': {
        const creator = resolve(mchid, vars) as string;
        const body = newStock(creator);
        for (const [path, value] of Object.entries(s.set ?? {})) setPath(body, path, value);
        const { stock_id } = await ok(h, { method: 'POST', path: '/v3/marketing/favor/coupon-stocks', body, mchid }, vars);
        const action = (a: string) =>
          ok(
            h,
            { method: 'POST', path: `/v3/marketing/favor/stocks/${stock_id}/${a}`, body: { stock_creator_mchid: creator }, mchid },
            vars,
          );
        const state = s.state ?? 'running';
        if (state !== 'unactivated') await action(state === 'stoped' ? 'stop' : 'start');
        if (state === 'paused') await action('pause');
        vars[s.as ?? 'stock'] = stock_id;
        break;
      }
      case 'fill': {
        // `times` running copies of a stock, put in through the public snapshot API (creating them one by one is slow).
        const snapshot = await h.mock.snapshot();
        const favor = snapshot.state.merchants[CONST.CREATOR].favor!;
        const template = favor.stocks[resolve(s.stock, vars) as string];
        for (let i = 0; i < (s.times ?? 1); i++) favor.stocks[`copy${i}`] = { ...structuredClone(template), stock_id: `copy${i}` };
        await h.mock.restore(snapshot);
        break;
      }
      case 'send':
        for (let i = 0; i < (s.times ?? 1); i++) {
          const reply = await ok(
            h,
            {
              method: 'POST',
              path: `/v3/marketing/favor/users/${s.openid ?? '$USER'}/coupons`,
              base: 'sendCoupon',
              set: { stock_id: s.stock ?? '$stock', ...(s.appid ? { appid: s.appid } : {}) },
              mchid,
            },
            vars,
          );
          vars[s.as ?? 'coupon'] = reply.coupon_id;
        }
        break;
      case 'use':
        await h.mock.useCoupon(resolve(s.coupon ?? '$coupon', vars) as string, resolve(s.options ?? {}, vars) as never);
        break;
      case 'advance': {
        const res = await h.mock.request('/_mock/clock/advance', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ by: s.by }),
        });
        if (res.status !== 200) throw new Error(`clock advance: ${res.status} ${await res.text()}`);
        break;
      }
      case 'activity': {
        vars.logo ??= await uploadedLogo(h);
        const reply = await ok(
          h,
          { method: 'POST', path: '/v3/marketing/paygiftactivity/unique-threshold-activity', base: 'createActivity', set: s.set, mchid },
          vars,
        );
        vars[s.as ?? 'activity'] = reply.activity_id;
        break;
      }
      case 'build':
        await ok(h, { method: 'POST', path: '/v3/marketing/partnerships/build', base: 'partnership', set: s.set, mchid }, vars);
        break;
      case 'callback':
        await ok(h, { method: 'POST', path: '/v3/marketing/favor/callbacks', base: 'setCallback', set: s.set, mchid }, vars);
        break;
      case 'upload':
        vars[s.as ?? 'image'] = await uploadedLogo(h, s.file);
        break;
      case 'call': {
        const reply = await ok(h, s.request!, vars);
        if (s.as) vars[s.as] = reply;
        break;
      }
    }
  }
}

let plain: Harness;
let strict: Harness;
beforeAll(async () => {
  [plain, strict] = await Promise.all([
    harness({}),
    harness({ fidelityOverrides: { rateLimits: 'enforce', notifyUrl: 'https-reachable', imageSizes: 'documented' } }),
  ]);
});
afterAll(async () => {
  await plain?.mock.close();
  await strict?.mock.close();
});

let strictRuns = 0;
async function check(rule: Rule) {
  const h = rule.strict ? strict : plain;
  await h.mock.reset();
  // Rate counters outlive a reset (they are not state): each strict row gets its own minute of virtual time.
  const now = rule.strict ? NOW_MS + ++strictRuns * 120_000 : NOW_MS;
  await h.mock.clock.freeze(now);
  const vars: Record<string, unknown> = { ...CONST, NOW: beijing(now) };
  if (rule.setup) await runSetup(h, rule.setup, vars);
  if (rule.request.base === 'createActivity') vars.logo ??= await uploadedLogo(h);
  const reply = await send(h, rule.request, vars);
  const e = rule.expect;
  const text = JSON.stringify(reply.body);
  expect(reply.status, text).toBe(e.status);
  if (e.empty) expect(reply.body).toBe('');
  for (const [path, value] of Object.entries(e.is ?? {}))
    expect(
      path.split('.').reduce<any>((v, k) => v?.[k], reply.body),
      `${path} in ${text}`,
    ).toEqual(value);
  if (e.none) {
    const keys = e.none.split('.');
    const parent = keys.slice(0, -1).reduce<any>((v, k) => v?.[k], reply.body);
    expect(parent, text).toBeTypeOf('object'); // the path leads somewhere: only its last field is empty
    expect(parent[keys[keys.length - 1]] ?? [], text).toEqual([]);
  }
  if (e.code !== undefined) expect(reply.body.code, text).toBe(e.code);
  if (e.message === null) expect(typeof reply.body.message === 'string' && reply.body.message.length > 0, text).toBe(true);
  else if (e.message !== undefined) expect(reply.body.message, text).toBe(e.message);
  if (e.field) expect(reply.body[e.field], text).toBe(e.equals!.split('.').reduce<any>((v, k) => v?.[k], vars));
}

describe('documented rules (test/data/rules.json)', () => {
  for (const rule of table.rules) {
    const name = `${rule.id} ${rule.rule} → ${rule.expect.status} ${rule.expect.code ?? ''} ${rule.expect.message ?? ''}`.trim();
    if (rule.gap) it.fails(`${name} [gap: ${rule.gap}]`, () => check(rule));
    else it(name, () => check(rule));
  }

  it('the table numbers its rules once each and names a source for every one', () => {
    const ids = table.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of table.rules) expect(r.source, r.id).toMatch(/§|seed|observed/);
  });

  it('docs/reference/rules.md is the table as the rows and gaps stand (else: npx tsx scripts/docs-rules.ts)', () => {
    const doc = readFileSync(new URL('../docs/reference/rules.md', import.meta.url), 'utf8');
    expect(doc === rulesDoc(table.rules), 'docs/reference/rules.md is stale: run npx tsx scripts/docs-rules.ts').toBe(true);
    // fidelity.md's summary quotes the same count.
    const enforced = table.rules.filter((r) => !r.gap).length;
    const fidelity = readFileSync(new URL('../docs/reference/fidelity.md', import.meta.url), 'utf8');
    const percent = ((100 * enforced) / table.rules.length).toFixed(1);
    expect(fidelity).toMatch(new RegExp(`\\*\\*${enforced} of ${table.rules.length}\\s[^*]*\\(${percent}%\\)\\*\\*`));
  });
});
