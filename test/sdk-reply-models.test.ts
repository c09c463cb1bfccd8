/**
 * wechatpay-go's typed reply models are satisfied (issue 13): every operation the SDK has a typed
 * service for is called through real HTTP, and each 2xx reply carries every field the model's
 * MarshalJSON requires, at every depth — a reply without one reads fine but fails `json.Marshal` of the
 * typed value (as `stock_use_rule.max_amount_by_day` did). The models are facts read from the SDK
 * (test/data/wechatpay-go-reply-models.json); the SDK itself is driven by hand (docs/guides/go.md).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { APP, FAVOR, NOW_MS, STOCKS, USER, bodyText, requestNo, stockBody, stockPath } from './helpers/favor.js';
import { uploadBody } from './helpers/image-upload.js';
import { CREATOR, SAME_BRAND, json, sharedMock } from './helpers/mock.js';
import { CREATE, PAYGIFT, createBody } from './helpers/paygift.js';
import { PNG } from './helpers/images.js';

interface Model {
  required: string[];
  nested?: Record<string, string>;
}
const GO = JSON.parse(readFileSync(new URL('./data/wechatpay-go-reply-models.json', import.meta.url), 'utf8')) as {
  roots: Record<string, string>;
  models: Record<string, Model>;
};

/** The JSON paths a reply lacks for `model`: required fields absent or null (Go reads both as nil). */
function missing(model: string, value: unknown, path = ''): string[] {
  const m = GO.models[model];
  if (!m || typeof value !== 'object' || value === null) return [];
  const v = value as Record<string, unknown>;
  const out = m.required.filter((f) => v[f] === undefined || v[f] === null).map((f) => `${path}/${f}`);
  for (const [field, type] of Object.entries(m.nested ?? {})) {
    if (v[field] === undefined) continue;
    const name = type.replace('[]', '');
    if (!type.endsWith('[]')) out.push(...missing(name, v[field], `${path}/${field}`));
    else if (!Array.isArray(v[field])) out.push(`${path}/${field} (not an array)`);
    else (v[field] as unknown[]).forEach((item, i) => out.push(...missing(name, item, `${path}/${field}/${i}`)));
  }
  return out;
}

const t = sharedMock(NOW_MS);

/** Signed 2xx replies by operation id, checked against the operation's Go model at the end of a walk. */
function recorder() {
  const replies = new Map<string, unknown[]>();
  return {
    async record(operationId: string, pending: Promise<request.Response>) {
      const res = await pending;
      expect(res.status, `${operationId}: ${bodyText(res)}`).toBe(200);
      t.verifyReply(res);
      const body = json(res);
      replies.set(operationId, [...(replies.get(operationId) ?? []), body]);
      return body;
    },
    check(family: string) {
      const ops = Object.keys(GO.roots).filter((id) => id.startsWith(family));
      expect(ops.filter((id) => !replies.has(id))).toEqual([]); // every typed operation of the family was called
      for (const id of ops)
        for (const [i, reply] of replies.get(id)!.entries()) expect(missing(GO.roots[id], reply), `${id} reply ${i}`).toEqual([]);
    },
  };
}

describe('wechatpay-go reply models (v0.2.21)', () => {
  it('the check finds a required field missing at any depth (Stock.stock_use_rule.max_amount_by_day, a Coupon in a list)', () => {
    const rule = { max_coupons: 10, max_amount: 1000, max_coupons_per_user: 1 };
    expect(missing('StockUseRule', rule)).toEqual(['/max_amount_by_day']);
    expect(missing('Stock', { stock_use_rule: rule })).toContain('/stock_use_rule/max_amount_by_day');
    expect(missing('CouponCollection', { total_count: 1, limit: 10, offset: 0, data: [{ stock_id: '1' }] })).toContain(
      '/data/0/singleitem',
    );
    expect(missing('GetActDetailResponse', { award_send_rule: { full_send_rule: { award_list: [{}] } } })).toContain(
      '/award_send_rule/full_send_rule/award_list/0/original_image_url',
    );
  });

  it('代金券 and certificates: every typed service reply carries what its model requires (use, refund and bills included)', async () => {
    const r = recorder();
    const q = `stock_creator_mchid=${CREATOR}`;
    await r.record('certificates.list', t.call('GET', '/v3/certificates'));
    await r.record(
      'favor.setCallback',
      t.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: 'https://merchant.example.com/notify' } }),
    );
    await r.record('favor.getCallback', t.call('GET', `${FAVOR}/callbacks?mchid=${CREATOR}`));
    const meta = JSON.stringify({ filename: 'logo.png', sha256: createHash('sha256').update(PNG).digest('hex') });
    const upload = uploadBody(meta, PNG, 'logo.png', { boundary: 'sdkmodels' });
    await r.record(
      'favor.uploadImage',
      t.call('POST', `${FAVOR}/media/image-upload`, {
        rawBody: upload.body,
        headers: { ...t.signer().headers('POST', `${FAVOR}/media/image-upload`, meta), 'Content-Type': upload.contentType },
      }),
    );

    // A whole-shop stock without a daily cap and a single-item one with it, through their lifecycle.
    const plain = (await r.record('favor.createStock', t.call('POST', STOCKS, { body: stockBody() }))).stock_id;
    const single = (
      await r.record(
        'favor.createStock',
        t.call('POST', STOCKS, {
          body: stockBody({
            stock_use_rule: { max_amount_by_day: 500 },
            coupon_use_rule: { available_items: ['goods-0001'], goods_tag: ['tag1'] },
          }),
        }),
      )
    ).stock_id;
    for (const id of [plain, single])
      await r.record('favor.startStock', t.call('POST', stockPath(id, 'start'), { body: { stock_creator_mchid: CREATOR } }));
    for (const id of [plain, single]) {
      await r.record('favor.getStock', t.call('GET', `${stockPath(id)}?${q}`));
      await r.record('favor.listStockMerchants', t.call('GET', `${stockPath(id, 'merchants')}?offset=0&limit=10&${q}`));
      await r.record('favor.listStockItems', t.call('GET', `${stockPath(id, 'items')}?offset=0&limit=10&${q}`));
    }
    const sent: string[] = [];
    for (const id of [plain, single]) {
      const body = { stock_id: id, out_request_no: requestNo('SEND'), appid: APP, stock_creator_mchid: CREATOR };
      sent.push((await r.record('favor.sendCoupon', t.call('POST', `${FAVOR}/users/${USER}/coupons`, { body }))).coupon_id as string);
    }
    const readCoupons = async () => {
      for (const id of sent) await r.record('favor.getCoupon', t.call('GET', `${FAVOR}/users/${USER}/coupons/${id}?appid=${APP}`));
      await r.record('favor.listUserCoupons', t.call('GET', `${FAVOR}/users/${USER}/coupons?appid=${APP}&creator_mchid=${CREATOR}`));
    };
    await readCoupons(); // SENDED
    await t.mock.useCoupon(sent[0]);
    await t.mock.useCoupon(sent[1], { goods_detail: [{ goods_id: 'goods-0001', quantity: 1, price: 1000, discount_amount: 100 }] });
    await readCoupons(); // USED, with consume_information
    await t.mock.refundCoupon(sent[0]);
    await r.record('favor.pauseStock', t.call('POST', stockPath(plain, 'pause'), { body: { stock_creator_mchid: CREATOR } }));
    await r.record('favor.restartStock', t.call('POST', stockPath(plain, 'restart'), { body: { stock_creator_mchid: CREATOR } }));
    const fresh = (await r.record('favor.createStock', t.call('POST', STOCKS, { body: stockBody() }))).stock_id;
    await r.record('favor.stopStock', t.call('POST', stockPath(fresh, 'stop'), { body: { stock_creator_mchid: CREATOR } }));
    await r.record('favor.listStocks', t.call('GET', `${FAVOR}/stocks?offset=0&limit=10&${q}`)); // running, stoped
    await r.record('favor.getStock', t.call('GET', `${stockPath(fresh)}?${q}`)); // stoped, stop_time

    // The bills: from 10:00 the day after the stocks end (2026-03-31).
    await t.mock.clock.freeze(Date.parse('2026-04-02T12:00:00+08:00'));
    await r.record('favor.useFlow', t.call('GET', stockPath(plain, 'use-flow')));
    await r.record('favor.refundFlow', t.call('GET', stockPath(plain, 'refund-flow')));
    await r.record('favor.listStocks', t.call('GET', `${FAVOR}/stocks?offset=0&limit=10&${q}`)); // expired
    r.check('favor.');
    r.check('certificates.');
  });

  it('支付有礼: every typed service reply carries what its model requires (paused and terminated included)', async () => {
    const r = recorder();
    const id = (await r.record('paygift.createActivity', t.call('POST', CREATE, { body: await createBody(t) }))).activity_id;
    const activity = `${PAYGIFT}/activities/${id}`;
    await r.record('paygift.getActivity', t.call('GET', activity));
    await r.record(
      'paygift.addActivityMerchants',
      t.call('POST', `${activity}/merchants/add`, { body: { merchant_id_list: [SAME_BRAND], add_request_no: requestNo('ADD') } }),
    );
    await r.record('paygift.listActivityMerchants', t.call('GET', `${activity}/merchants?offset=0&limit=10`));
    await r.record(
      'paygift.deleteActivityMerchants',
      t.call('POST', `${activity}/merchants/delete`, { body: { merchant_id_list: [SAME_BRAND], delete_request_no: requestNo('DEL') } }),
    );
    await r.record('paygift.listActivityGoods', t.call('GET', `${activity}/goods?offset=0&limit=10`));
    await request(t.mock.listener)
      .post(`/_mock/paygift/activities/${id}/pause`)
      .set('Content-Type', 'application/json')
      .send({})
      .expect(200);
    await r.record('paygift.getActivity', t.call('GET', activity)); // STOP_ACT_STATUS, pause_time
    await r.record('paygift.listActivities', t.call('GET', `${PAYGIFT}/activities?offset=0&limit=10`));
    await r.record('paygift.terminateActivity', t.call('POST', `${activity}/terminate`));
    await r.record('paygift.getActivity', t.call('GET', activity));
    r.check('paygift.');
  });
});
