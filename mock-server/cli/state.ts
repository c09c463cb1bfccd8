/**
 * Commands on a running mock's state, over HTTP:
 * - `wxpay-mock export FILE` / `wxpay-mock import FILE`: a snapshot (GET / PUT /_mock/snapshot);
 * - `wxpay-mock trigger coupon-use` (the `stripe trigger` experience): reuses or creates a running
 *   stock of the merchant, sends a coupon to a fixture user, uses it and prints the COUPON.USE
 *   delivery — exit 1 when it failed, timed out, or had nowhere to go (no notify URL).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createSigner, type Signer } from '../client/signer.js';
import { deliveryFailed, describeDelivery } from './delivery.js';
import type { DeliveryRecord } from '../callbacks/types.js';
import type { Credentials } from '../credentials.js';
import { unreachable } from './reach.js';
import { idText } from '../id-text.js';

type Write = (text: string) => void;

async function call(base: string, method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json', ...init.headers }, body: init.body });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const describeRefusal = (r: { status: number; json: any; text: string }) =>
  `HTTP ${r.status}${r.json?.code ? ` ${r.json.code} ${r.json.message ?? ''}` : ` ${r.text.slice(0, 200)}`}`.trim();

export async function exportCommand(args: { url: string; file: string }, out: Write, err: Write): Promise<number> {
  let res;
  try {
    res = await call(args.url, 'GET', '/_mock/snapshot');
  } catch (e) {
    err(`wxpay-mock export: ${unreachable(`${args.url}/_mock/snapshot`, e)}\n`);
    return 1;
  }
  if (res.status !== 200) {
    err(`wxpay-mock export: the mock refused (${describeRefusal(res)})\n`);
    return 1;
  }
  await writeFile(args.file, res.text);
  out(`exported the state of ${args.url} to ${args.file} (${res.text.length} bytes)\n`);
  return 0;
}

export async function importCommand(args: { url: string; file: string }, out: Write, err: Write): Promise<number> {
  let text: string;
  try {
    text = await readFile(args.file, 'utf8');
  } catch (e) {
    err(`wxpay-mock import: cannot read ${args.file}: ${(e as Error).message}\n`);
    return 1;
  }
  let res;
  try {
    res = await call(args.url, 'PUT', '/_mock/snapshot', { body: text });
  } catch (e) {
    err(`wxpay-mock import: ${unreachable(`${args.url}/_mock/snapshot`, e)}\n`);
    return 1;
  }
  if (res.status !== 200) {
    err(`wxpay-mock import: ${args.file} refused, the state is unchanged (${describeRefusal(res)})\n`);
    return 1;
  }
  out(`imported ${args.file} into ${args.url}\n`);
  return 0;
}

export interface TriggerArgs {
  url: string;
  event: string;
  mchid?: string;
  /** Set the merchant's notify URL first (a signed POST /v3/marketing/favor/callbacks). */
  notifyUrl?: string;
  wait: 'attempt' | 'settled';
  json: boolean;
}

const TRIGGER_STOCK_NAME = 'wxpay-mock trigger';

export async function triggerCommand(args: TriggerArgs, out: Write, err: Write): Promise<number> {
  if (args.event !== 'coupon-use') {
    err(`wxpay-mock trigger: unknown event "${args.event}" (the mock triggers coupon-use)\n`);
    return 2;
  }
  const base = args.url.replace(/\/+$/, '');
  let credentials: Credentials;
  try {
    const res = await call(base, 'GET', '/_mock/credentials');
    if (res.status !== 200) throw new Error(describeRefusal(res));
    credentials = res.json;
  } catch (e) {
    err(`wxpay-mock trigger: ${unreachable(`${base}/_mock/credentials`, e)}\n`);
    return 1;
  }
  const merchant = args.mchid ? credentials.merchants.find((m) => m.mchid === args.mchid) : credentials.merchants[0];
  if (!merchant) {
    err(`wxpay-mock trigger: no merchant ${idText(args.mchid)} in the fixture world\n`);
    return 2;
  }
  const mchid = merchant.mchid;
  const appid = credentials.appids.find((a) => a.mchids.includes(mchid))?.appid;
  const user = credentials.users.find((u) => u.appid === appid);
  if (!appid || !user) {
    err(`wxpay-mock trigger: merchant ${mchid} has no appid with a fixture user; pick another with --mchid\n`);
    return 2;
  }
  const signer: Signer = createSigner({
    mchid,
    serialNo: merchant.merchant_serial_no,
    privateKey: merchant.merchant_private_key,
    userAgent: 'wxpay-mock-trigger',
  });
  const api = (method: string, path: string, body?: unknown) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return call(base, method, path, { body: text, headers: { ...signer.headers(method, path, text) } });
  };
  const step = (what: string, r: { status: number; json: any; text: string }) => {
    if (r.status >= 200 && r.status < 300) return true;
    err(`wxpay-mock trigger: ${what} refused (${describeRefusal(r)})\n`);
    return false;
  };

  if (
    args.notifyUrl &&
    !step('setting the notify URL', await api('POST', '/v3/marketing/favor/callbacks', { mchid, notify_url: args.notifyUrl }))
  )
    return 1;
  const setting = await api('GET', `/v3/marketing/favor/callbacks?mchid=${mchid}`);
  if (setting.status !== 200) {
    err(
      `wxpay-mock trigger: merchant ${mchid} has no notify URL, so a COUPON.USE would go nowhere: pass --notify-url URL, or set one with POST /v3/marketing/favor/callbacks\n`,
    );
    return 1;
  }

  // A running stock of ours with room left, or a new one valid for 30 days of virtual time.
  const listed = await api('GET', `/v3/marketing/favor/stocks?offset=0&limit=10&stock_creator_mchid=${mchid}&status=running`);
  let stock = (listed.json?.data ?? []).find(
    (s: any) => s.stock_name === TRIGGER_STOCK_NAME && s.distributed_coupons < s.stock_use_rule.max_coupons,
  );
  if (!stock) {
    const clock = await call(base, 'GET', '/_mock/clock');
    const now = Number(clock.json?.now_ms ?? Date.now());
    const cst = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace(/\.\d+Z$/, '+08:00');
    const body = {
      stock_name: TRIGGER_STOCK_NAME,
      belong_merchant: mchid,
      available_begin_time: cst(now + 1000),
      available_end_time: cst(now + 30 * 86_400_000),
      stock_use_rule: {
        max_coupons: 1000,
        max_amount: 100000,
        max_coupons_per_user: 60,
        natural_person_limit: false,
        prevent_api_abuse: false,
      },
      coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 1000 }, available_merchants: [mchid] },
      no_cash: true,
      stock_type: 'NORMAL',
      out_request_no: `trigger${Date.now()}`,
    };
    const created = await api('POST', '/v3/marketing/favor/coupon-stocks', body);
    if (!step('creating a stock', created)) return 1;
    if (
      !step(
        'starting the stock',
        await api('POST', `/v3/marketing/favor/stocks/${created.json.stock_id}/start`, { stock_creator_mchid: mchid }),
      )
    )
      return 1;
    // The window opens a second after "now": wait for it on the virtual clock.
    await call(base, 'POST', '/_mock/clock/advance', { body: JSON.stringify({ by: 1000 }) });
    stock = { stock_id: created.json.stock_id };
  }
  const sent = await api('POST', `/v3/marketing/favor/users/${user.openid}/coupons`, {
    stock_id: stock.stock_id,
    out_request_no: `trigger${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    appid,
    stock_creator_mchid: mchid,
  });
  if (!step('sending a coupon', sent)) return 1;
  const couponId = sent.json.coupon_id as string;
  const used = await call(base, 'POST', `/_mock/favor/coupons/${couponId}/use`, { body: '{}' });
  if (!step('using the coupon', used)) return 1;
  const delivery = used.json?.delivery as DeliveryRecord | null;
  if (!delivery) {
    err(`wxpay-mock trigger: the use sent no COUPON.USE (merchant ${mchid} has no notify URL)\n`);
    return 1;
  }
  const waited = await call(base, 'GET', `/_mock/callbacks/${delivery.id}?wait=${args.wait}`);
  const record = (waited.json?.delivery ?? delivery) as DeliveryRecord;
  const timedOut = waited.json?.timed_out === true;
  if (args.json)
    out(`${JSON.stringify({ stock_id: stock.stock_id, coupon_id: couponId, delivery: record, timed_out: timedOut }, null, 2)}\n`);
  else {
    out(`coupon ${couponId} of stock ${stock.stock_id} sent to ${user.openid} and used\n`);
    for (const line of describeDelivery(record)) out(`${line}\n`);
    if (timedOut) out(`  (stopped waiting; GET ${base}/_mock/callbacks/${record.id} for the rest)\n`);
  }
  return deliveryFailed(record, timedOut) ? 1 : 0;
}
