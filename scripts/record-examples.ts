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
import { exchangesFile, type RecordedExchange } from '../mock-server/contract/openapi.js';
import { createApp, createSigner } from '../mock-server/index.js';
import { DEFAULT_CONTRACTS_DIR } from '../mock-server/paths.js';

const BASE_URL = 'http://127.0.0.1:8750';
const CREATOR = '1900000001';
const APPID = 'wx1a2b3c4d5e6f7001';
const OPENID = 'od3htb2NrLTEtdXNlci0xX19fX19';
const PARTNER = '1900000003';
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
  const { activity_id } = await call('POST', `${PAYGIFT}/unique-threshold-activity`, {
    activity_base_info: {
      activity_name: '春季满额送',
      activity_second_title: '满100送券',
      merchant_logo_url: media_url,
      background_color: 'COLOR010',
      begin_time: '2026-04-01T00:00:00+08:00',
      end_time: '2026-05-01T00:00:00+08:00',
      out_request_no: '20260301-PG-1',
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

  await app.close();
  const missing = app.operations.map((o) => o.contract.operationId).filter((id) => !exchanges[id]);
  if (missing.length) throw new Error(`no example recorded for ${missing.join(', ')}`);
  return Object.fromEntries(
    Object.keys(exchanges)
      .sort()
      .map((id) => [id, exchanges[id]]),
  );
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
