/**
 * Records one real exchange per operation — the request a client sent and the mock's 2xx reply — into
 * contracts/examples/exchanges.json, which the OpenAPI export shows as the operations' examples (so
 * `prism mock` on the export answers what the mock answers, not `"stock_id": "string"`).
 *
 * The mock runs in process (in memory, `validateResponses` on, base URL http://127.0.0.1:8750) on a
 * frozen business clock, driven through 代金券, 支付有礼 and 委托营销 in the order a merchant would.
 * A run gives the same file but for what is random by design (bill tokens, media ids, the certificate
 * list's ciphertext); signatures are not kept.
 * Run `npm run examples` after changing an operation; test/openapi.test.ts checks every example
 * against its contract and that every operation has one.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlOperations } from '../mock-server/control/operations.js';
import type { MockApp } from '../mock-server/app.js';
import { exchangesFile, type RecordedExchange } from '../mock-server/contract/openapi.js';
import { createApp, createSigner } from '../mock-server/index.js';
import { DEFAULT_CONTRACTS_DIR, PACKAGE_ROOT } from '../mock-server/paths.js';

const BASE_URL = 'http://127.0.0.1:8750';
const CREATOR = '1900000001';
const APPID = 'wx1a2b3c4d5e6f7001';
const OPENID = 'od3htb2NrLTEtdXNlci0xX19fX19';
const PARTNER = '1900000003';
/** The merchant whose stocks are reviewed (`stock_review`), for the control API's approve / reject. */
const REVIEWED = '1900000006';
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

type Exchange = RecordedExchange;

async function record(): Promise<Record<string, Exchange>> {
  const app = await createApp({ baseUrl: BASE_URL, validateResponses: true });
  const m = app.credentials.merchants.find((x) => x.mchid === CREATOR)!;
  const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
  const exchanges: Record<string, Exchange> = {};
  const byOperation = new Map<string, string>(); // "METHOD /path" → operationId, from the journal

  const keep = (ex: Exchange) => {
    const entry = app.journal({ limit: 1 }).at(-1);
    if (!entry?.operation_id) throw new Error(`${ex.method} ${ex.target}: not an operation`);
    if (ex.status >= 300) throw new Error(`${entry.operation_id}: ${ex.status} ${JSON.stringify(ex.reply)}`);
    exchanges[entry.operation_id] ??= ex;
    byOperation.set(`${ex.method} ${ex.target}`, entry.operation_id);
    return ex.reply as any;
  };
  const call = async (method: string, target: string, body?: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const res = await app.request(target, { method, body: text, headers: { ...signer.headers(method, target, text), ...headers } });
    const raw = await res.text();
    const json = /json/.test(res.headers.get('content-type') ?? '');
    return keep({
      method,
      target,
      ...(Object.keys(headers).length ? { headers } : {}),
      ...(body === undefined ? {} : { body }),
      status: res.status,
      reply: json ? JSON.parse(raw) : raw,
    });
  };
  const upload = async () => {
    const target = '/v3/marketing/favor/media/image-upload';
    const meta = { filename: 'logo.png', sha256: createHash('sha256').update(PNG).digest('hex') };
    const form = new FormData();
    form.append('meta', JSON.stringify(meta));
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'logo.png');
    const { 'Content-Type': _json, ...headers } = signer.headers('POST', target, JSON.stringify(meta));
    const res = await app.request(target, { method: 'POST', body: form, headers });
    return keep({ method: 'POST', target, body: meta, status: res.status, reply: await res.json() });
  };
  const clock = (time: string) => app.clock.freeze(new Date(time));

  await clock('2026-03-02T10:00:00+08:00');
  await call('GET', '/v3/certificates');
  await call('POST', '/v3/marketing/favor/callbacks', { mchid: CREATOR, notify_url: 'https://shop.example.com/wxpay/notify' });
  await call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`);

  // 代金券: a stock through its states, a coupon sent, used and refunded, the flow files.
  const stock = (out_request_no: string, name = '满10元减1元') => ({
    stock_name: name,
    comment: '春季促销',
    belong_merchant: CREATOR,
    available_begin_time: '2026-03-02T10:00:00+08:00',
    available_end_time: '2026-03-31T23:59:59+08:00',
    stock_use_rule: { max_coupons: 100, max_amount: 10000, max_coupons_per_user: 3, natural_person_limit: false, prevent_api_abuse: false },
    pattern_info: { description: '满10元减1元，每人限领3张' },
    coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 1000 }, available_merchants: [CREATOR] },
    no_cash: true,
    stock_type: 'NORMAL',
    out_request_no,
  });
  const { stock_id } = await call('POST', '/v3/marketing/favor/coupon-stocks', stock('20260302-STOCK-1'));
  await call('POST', `/v3/marketing/favor/stocks/${stock_id}/start`, { stock_creator_mchid: CREATOR });
  await call('POST', `/v3/marketing/favor/stocks/${stock_id}/pause`, { stock_creator_mchid: CREATOR });
  await call('POST', `/v3/marketing/favor/stocks/${stock_id}/restart`, { stock_creator_mchid: CREATOR });
  const other = await call('POST', '/v3/marketing/favor/coupon-stocks', stock('20260302-STOCK-2', '满20元减2元'));
  await call('POST', `/v3/marketing/favor/stocks/${other.stock_id}/stop`, { stock_creator_mchid: CREATOR });
  const { coupon_id } = await call('POST', `/v3/marketing/favor/users/${OPENID}/coupons`, {
    stock_id,
    out_request_no: '20260302-SEND-1',
    appid: APPID,
    stock_creator_mchid: CREATOR,
  });
  await call('GET', `/v3/marketing/favor/stocks/${stock_id}?stock_creator_mchid=${CREATOR}`);
  await call('GET', `/v3/marketing/favor/stocks?offset=0&limit=10&stock_creator_mchid=${CREATOR}&status=running`);
  await call('GET', `/v3/marketing/favor/stocks/${stock_id}/merchants?offset=0&limit=10&stock_creator_mchid=${CREATOR}`);
  await call('GET', `/v3/marketing/favor/stocks/${stock_id}/items?offset=0&limit=10&stock_creator_mchid=${CREATOR}`);
  await call('GET', `/v3/marketing/favor/users/${OPENID}/coupons/${coupon_id}?appid=${APPID}`);
  await app.useCoupon(coupon_id, { transaction_id: '4200000000202603021234567890' });
  await call('GET', `/v3/marketing/favor/users/${OPENID}/coupons?appid=${APPID}&creator_mchid=${CREATOR}&stock_id=${stock_id}`);
  await app.refundCoupon(coupon_id, { refund_id: '50300000000000000000000000000001' });
  await clock('2026-04-01T10:00:00+08:00'); // the day after the stock ended, from 10:00: the files exist
  const useFlow = await call('GET', `/v3/marketing/favor/stocks/${stock_id}/use-flow`);
  await call('GET', `/v3/marketing/favor/stocks/${stock_id}/refund-flow`);
  await call('GET', new URL(useFlow.url).pathname + new URL(useFlow.url).search);

  // 支付有礼: an uploaded logo, an activity, its sending merchants, terminate.
  await clock('2026-03-01T00:00:00+08:00');
  const { media_url } = await upload();
  const PAYGIFT = '/v3/marketing/paygiftactivity';
  const activity = (out_request_no: string) => ({
    activity_base_info: {
      activity_name: '春季满额送',
      activity_second_title: '满100送券',
      merchant_logo_url: media_url,
      background_color: 'COLOR010',
      begin_time: '2026-04-01T00:00:00+08:00',
      end_time: '2026-05-01T00:00:00+08:00',
      out_request_no,
      delivery_purpose: 'JUMP_MINI_APP',
      mini_programs_appid: APPID,
      mini_programs_path: '/pages/index/index',
    },
    award_send_rule: {
      transaction_amount_minimum: 10000,
      send_content: 'SINGLE_COUPON',
      award_type: 'BUSIFAVOR',
      award_list: [{ stock_id: '1212000000000001', original_image_url: media_url, thumbnail_url: media_url }],
      merchant_option: 'MANUAL_INPUT_MERCHANT',
      merchant_id_list: [CREATOR],
    },
    advanced_setting: { delivery_user_category: 'DELIVERY_ALL_PERSON', goods_tags: ['spring'] },
  });
  const { activity_id } = await call('POST', `${PAYGIFT}/unique-threshold-activity`, activity('20260301-PG-1'));
  await call('GET', `${PAYGIFT}/activities/${activity_id}`);
  await call('POST', `${PAYGIFT}/activities/${activity_id}/merchants/add`, {
    merchant_id_list: ['1900000002'],
    add_request_no: '20260301-ADD-1',
  });
  await call('POST', `${PAYGIFT}/activities/${activity_id}/merchants/delete`, {
    merchant_id_list: ['1900000002'],
    delete_request_no: '20260301-DEL-1',
  });
  await call('GET', `${PAYGIFT}/activities/${activity_id}/merchants?offset=0&limit=10`);
  await call('GET', `${PAYGIFT}/activities/${activity_id}/goods?offset=0&limit=10`);
  await clock('2026-04-02T00:00:00+08:00');
  await call('GET', `${PAYGIFT}/activities?offset=0&limit=10&activity_status=ONGOING_ACT_STATUS`);
  await call('POST', `${PAYGIFT}/activities/${activity_id}/terminate`);

  // 委托营销: build, list, terminate a partnership on the running stock.
  await clock('2026-03-02T10:00:00+08:00');
  const relation = { partner: { type: 'MERCHANT', merchant_id: PARTNER }, authorized_data: { business_type: 'FAVOR_STOCK', stock_id } };
  await call('POST', '/v3/marketing/partnerships/build', relation, { 'Idempotency-Key': 'build-20260302-1' });
  const q = (v: unknown) => encodeURIComponent(JSON.stringify(v));
  await call(
    'GET',
    `/v3/marketing/partnerships?authorized_data=${q(relation.authorized_data)}&partner=${q(relation.partner)}&offset=0&limit=10`,
  );
  await call('POST', '/v3/marketing/partnerships/terminate', relation, { 'Idempotency-Key': 'terminate-20260302-1' });

  // Two activities not yet begun, for the control API's pause / recover / fail.
  for (const n of [2, 3]) await call('POST', `${PAYGIFT}/unique-threshold-activity`, activity(`20260301-PG-${n}`));
  await recordControl(app, exchanges, call);

  await app.close();
  const control = [...controlOperations().keys()];
  const missing = [...app.operations.map((o) => o.contract.operationId), ...control].filter((id) => !exchanges[id]);
  if (missing.length) throw new Error(`no example recorded for ${missing.join(', ')}`);
  return Object.fromEntries(
    Object.keys(exchanges)
      .sort()
      .map((id) => [id, exchanges[id]]),
  );
}

/** Long texts (PEM keys, certificates) cut and this machine's paths made relative: an example, not a key store. */
function trimmed(value: unknown): unknown {
  if (typeof value === 'string') {
    const text = value.split(PACKAGE_ROOT).join('.');
    return text.length > 120 ? `${text.slice(0, 60)}…` : text;
  }
  if (Array.isArray(value)) return value.map(trimmed);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimmed(v)]));
  return value;
}

/**
 * The control API (contracts/_mock/): one exchange per operation, on the state the API walk left, each
 * reply checked against its contract here. Long replies are cut where the example would only repeat
 * (credentials: the first merchant; the OpenAPI document: without its paths).
 */
async function recordControl(
  app: MockApp,
  exchanges: Record<string, Exchange>,
  call: (method: string, target: string, body?: unknown) => Promise<any>,
): Promise<void> {
  const operations = controlOperations();
  const ctl = async (operationId: string, method: string, target: string, body?: unknown, cut = (r: unknown) => r) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const res = await app.request(target, { method, body: text, headers: text ? { 'Content-Type': 'application/json' } : {} });
    let reply: unknown;
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      // The journal stream never ends: its first event is the example.
      const reader = res.body!.getReader();
      const { value } = await reader.read();
      await reader.cancel();
      reply = new TextDecoder().decode(value);
    } else reply = /json/.test(res.headers.get('content-type') ?? '') ? await res.json() : await res.text();
    if (res.status >= 300) throw new Error(`${operationId}: ${res.status} ${JSON.stringify(reply)}`);
    const op = operations.get(operationId)!;
    const pattern = new RegExp(`^${op.contract.path.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (op.contract.method !== method || !pattern.test(target.split('?')[0])) throw new Error(`${operationId}: not ${method} ${target}`);
    const validate = op.validateResponse.get(res.status);
    if (typeof reply !== 'string' && validate && !validate(reply))
      throw new Error(`${operationId}: the reply breaks its contract: ${JSON.stringify(validate.errors)}`);
    exchanges[operationId] = { method, target, ...(body === undefined ? {} : { body }), status: res.status, reply: cut(reply) };
    return reply as any;
  };

  // A receiver for the handler check: answers 200 at once.
  const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wxpay/notify`;

  await ctl('control.health', 'GET', '/_mock/health', undefined, (r: any) => ({ ...r, uptime_ms: 120034 }));
  await ctl('control.clockSet', 'POST', '/_mock/clock/set', { time: '2026-03-02T10:00:00+08:00', freeze: true });
  await ctl('control.clockAdvance', 'POST', '/_mock/clock/advance', { by: '1h' });
  await ctl('control.clockFreeze', 'POST', '/_mock/clock/freeze', { time: '2026-03-02T10:00:00+08:00' });
  await ctl('control.clock', 'GET', '/_mock/clock');
  await ctl('control.credentials', 'GET', '/_mock/credentials', undefined, (r: any) =>
    trimmed({ ...r, merchants: r.merchants.slice(0, 1) }),
  );
  await ctl('control.openapi', 'GET', '/_mock/openapi.json', undefined, (r: any) => ({ ...r, paths: {}, components: {}, webhooks: {} }));
  await ctl('control.report', 'GET', '/_mock/report');
  // The page as an example: its head (the rest is the same kind of markup).
  await ctl('control.dashboard', 'GET', '/_mock/ui', undefined, (html) => `${String(html).split('<body')[0]}<body>…</body></html>\n`);

  // 代金券: a coupon of the running stock used and refunded as a checkout would; a stock in review.
  const { stock_id } = await call('GET', `/v3/marketing/favor/stocks?offset=0&limit=10&stock_creator_mchid=${CREATOR}&status=running`).then(
    (r: any) => r.data[0],
  );
  const { coupon_id } = await call('POST', `/v3/marketing/favor/users/${OPENID}/coupons`, {
    stock_id,
    out_request_no: '20260302-SEND-2',
    appid: APPID,
    stock_creator_mchid: CREATOR,
  });
  await ctl('control.callbackFaultsAdd', 'POST', '/_mock/faults/callbacks', { id: 'chaos-1', mchid: CREATOR, duplicate: 2, times: 1 });
  const used = await ctl('control.favorUseCoupon', 'POST', `/_mock/favor/coupons/${coupon_id}/use`, {
    transaction_id: '4200000000202603021234567891',
  });
  await ctl('control.favorRefundCoupon', 'POST', `/_mock/favor/coupons/${coupon_id}/refund`, {
    refund_id: '50300000000000000000000000000002',
  });
  const review = await reviewableStocks(app);
  await ctl('control.favorApproveStock', 'POST', `/_mock/favor/stocks/${review[0]}/approve`);
  await ctl('control.favorRejectStock', 'POST', `/_mock/favor/stocks/${review[1]}/reject`);

  // COUPON.USE: the delivery of that use, replayed; a raw trigger; the handler check.
  const id = used.delivery.id as string;
  await ctl('control.callbacks', 'GET', `/_mock/callbacks?mchid=${CREATOR}&limit=1`);
  await ctl('control.callback', 'GET', `/_mock/callbacks/${id}`);
  await ctl('control.callbackReplay', 'POST', `/_mock/callbacks/${id}/replay`, {});
  const [{ plaintext }] = (await ctl('control.stateDeliveries', 'GET', '/_mock/state/deliveries?limit=1')).deliveries;
  await ctl('control.callbackCouponUse', 'POST', '/_mock/callbacks/coupon-use', { coupon: plaintext, creator_mchid: CREATOR });
  await ctl('control.handlerCheck', 'POST', '/_mock/callbacks/handler-check', { mchid: CREATOR, url: receiverUrl });
  await ctl('control.handlerChecks', 'GET', '/_mock/callbacks/handler-checks');
  await ctl('control.callbackFaults', 'GET', '/_mock/faults/callbacks');
  await ctl('control.callbackFaultsGet', 'GET', '/_mock/faults/callbacks/chaos-1');
  await ctl('control.callbackFaultsLog', 'GET', '/_mock/faults/callbacks/log');
  await ctl('control.callbackFaultsRemove', 'DELETE', '/_mock/faults/callbacks/chaos-1');
  await ctl('control.callbackFaultsClear', 'DELETE', '/_mock/faults/callbacks');

  // Fault rules.
  await ctl('control.faultsAdd', 'POST', '/_mock/faults', {
    id: 'send-down',
    operation_id: 'favor.sendCoupon',
    code: 'SYSTEM_ERROR',
    times: 1,
  });
  await ctl('control.faults', 'GET', '/_mock/faults');
  await ctl('control.faultsGet', 'GET', '/_mock/faults/send-down');
  await ctl('control.faultsRemove', 'DELETE', '/_mock/faults/send-down');
  await ctl('control.faultsClear', 'DELETE', '/_mock/faults');

  // 支付有礼: the statuses the merchant platform reaches.
  const activities = (await ctl('control.stateActivities', 'GET', '/_mock/state/activities')).activities as any[];
  const fresh = activities.filter((a) => a.status === 'CREATE_ACT_STATUS').map((a) => a.activity_id as string);
  await ctl('control.paygiftPauseActivity', 'POST', `/_mock/paygift/activities/${fresh[0]}/pause`);
  await ctl('control.paygiftRecoverActivity', 'POST', `/_mock/paygift/activities/${fresh[0]}/recover`);
  await ctl('control.paygiftFailActivity', 'POST', `/_mock/paygift/activities/${fresh[1]}/fail`);

  // State views, the journal, snapshots and scenarios, reset.
  await ctl('control.stateMerchants', 'GET', '/_mock/state/merchants');
  await ctl('control.stateStocks', 'GET', '/_mock/state/stocks');
  await ctl('control.stateCoupons', 'GET', `/_mock/state/coupons?openid=${OPENID}&status=SENDED&limit=1`);
  await ctl('control.statePartnerships', 'GET', '/_mock/state/partnerships');
  await ctl('control.journal', 'GET', '/_mock/journal?operation_id=favor.sendCoupon&limit=1');
  await ctl('control.journalStream', 'GET', '/_mock/journal/stream?operation_id=favor.sendCoupon&limit=1');
  await ctl('control.journalClear', 'DELETE', '/_mock/journal');
  await ctl('control.reset', 'POST', '/_mock/reset');
  const snapshot = await ctl('control.snapshotExport', 'GET', '/_mock/snapshot');
  await ctl('control.snapshotImport', 'PUT', '/_mock/snapshot', snapshot);
  await ctl('control.scenario', 'POST', '/_mock/scenario', {
    scenario: 'wxpay-mock-scenario',
    version: 1,
    as: CREATOR,
    steps: [
      { clock: { freeze: '2026-03-02T10:00:00+08:00' } },
      { op: 'favor.setCallback', body: { mchid: CREATOR, notify_url: 'https://shop.example.com/wxpay/notify' } },
    ],
  });
  await ctl('control.clockUnfreeze', 'POST', '/_mock/clock/unfreeze', undefined, (r: any) => ({ ...r, offset_ms: 0 }));
  await ctl('control.clockReset', 'POST', '/_mock/clock/reset', undefined, (r: any) => ({
    ...r,
    now: '2026-03-02T02:00:00.000Z',
    now_ms: Date.parse('2026-03-02T02:00:00.000Z'),
  }));
  receiver.close();
}

/** Two stocks in review (merchant 1900000006 has `stock_review`), made through the API. */
async function reviewableStocks(app: MockApp): Promise<string[]> {
  const m = app.credentials.merchants.find((x) => x.mchid === REVIEWED)!;
  const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
  const ids: string[] = [];
  for (const n of [1, 2]) {
    const target = '/v3/marketing/favor/coupon-stocks';
    const text = JSON.stringify({
      stock_name: '审核中的批次',
      belong_merchant: REVIEWED,
      available_begin_time: '2026-03-03T00:00:00+08:00',
      available_end_time: '2026-03-31T23:59:59+08:00',
      stock_use_rule: { max_coupons: 10, max_amount: 1000, max_coupons_per_user: 1, natural_person_limit: false, prevent_api_abuse: false },
      coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 1000 }, available_merchants: [REVIEWED] },
      no_cash: true,
      stock_type: 'NORMAL',
      out_request_no: `20260302-REVIEW-${n}`,
    });
    const res = await app.request(target, { method: 'POST', body: text, headers: signer.headers('POST', target, text) });
    if (res.status !== 200) throw new Error(`a stock to review: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { stock_id: string }).stock_id);
  }
  return ids;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const exchanges = await record();
  const file = exchangesFile(DEFAULT_CONTRACTS_DIR);
  writeFileSync(
    file,
    JSON.stringify(
      {
        $comment:
          'Generated by scripts/record-examples.ts (npm run examples): one real exchange per operation, the reply as the mock gave it.',
        exchanges,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`recorded ${Object.keys(exchanges).length} operations → ${file}\n`);
}
