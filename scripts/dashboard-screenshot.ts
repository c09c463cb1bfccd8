/**
 * `npm run screenshot`: docs/images/dashboard.png, the dashboard of a mock with a little of
 * everything — stocks in four states, coupons sent and used, a COUPON.USE delivered (and replayed)
 * and one failing, a 支付有礼 activity, a partnership, a fault rule, a signature failure and a contract
 * violation in the journal. Headless Debian Chromium through playwright-core, as test/dashboard.test.ts.
 *
 *   npm run screenshot [-- --out path.png]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createCallbackReceiver } from '../mock-server/index.js';
import { launchChromium } from '../test/helpers/browser.js';
import {
  APP,
  FAVOR,
  NOW_MS,
  STOCKS,
  USER,
  USER2,
  stockBody,
  stockPath,
  requestNo,
  BRANCH_APP,
  BRANCH_USER,
} from '../test/helpers/favor.js';
import { CREATOR, SAME_BRAND, json, newMock } from '../test/helpers/mock.js';
import { CREATE, createBody } from '../test/helpers/paygift.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/images/dashboard.png' } } });
const out = resolve(values.out!);

const t = await newMock();
await t.mock.clock.freeze(NOW_MS);
const server = createServer(t.mock.listener).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const receiver = await createCallbackReceiver({ credentials: t.mock.credentials, mchid: CREATOR });

async function ok(res: Promise<{ status: number; body: unknown }>) {
  const r = await res;
  if (r.status !== 200) throw new Error(`setting up the screenshot: ${r.status} ${Buffer.from(r.body as Buffer).toString('utf8')}`);
  return json(r as never);
}
const control = (path: string, body: unknown = {}) =>
  fetch(`${url}/_mock${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then(
    (r) => r.json() as Promise<any>,
  );
const stock = async (name: string, overrides: Record<string, unknown> = {}, mchid = CREATOR) =>
  (await ok(t.call('POST', STOCKS, { mchid, body: stockBody({ stock_name: name, no_cash: false, ...overrides }, mchid) }))).stock_id;
const start = (id: string, mchid = CREATOR) => ok(t.call('POST', stockPath(id, 'start'), { mchid, body: { stock_creator_mchid: mchid } }));
const send = async (stockId: string, openid = USER, mchid = CREATOR, appid = APP) =>
  (
    await ok(
      t.call('POST', `${FAVOR}/users/${openid}/coupons`, {
        mchid,
        body: { stock_id: stockId, out_request_no: requestNo('SHOT'), appid, stock_creator_mchid: mchid },
      }),
    )
  ).coupon_id;

// 代金券: a running stock with coupons sent and used (its creator's notify handler verifies them) …
await ok(t.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: receiver.url } }));
const running = await stock('新客满10减1', {
  stock_use_rule: { max_coupons: 100, max_amount: 10000, max_coupons_per_user: 3, natural_person_limit: false, prevent_api_abuse: false },
});
await start(running);
const coupons = [await send(running), await send(running), await send(running, USER2), await send(running, USER2)];
const firstUse = await control(`/favor/coupons/${coupons[0]}/use`, { transaction_id: '4200000000202603021000000001' });
await control(`/favor/coupons/${coupons[2]}/use`, { transaction_id: '4200000000202603021000000002' });
await receiver.waitFor(2);
await control(`/callbacks/${firstUse.delivery.id}/replay`, { wait: 'attempt' });
// … a paused one and one not started yet …
const paused = await stock('周末满50减5', {
  coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 500, transaction_minimum: 5000 } },
  stock_use_rule: { max_coupons: 20, max_amount: 10000, max_coupons_per_user: 1, natural_person_limit: false, prevent_api_abuse: false },
});
await start(paused);
await send(paused);
await ok(t.call('POST', stockPath(paused, 'pause'), { body: { stock_creator_mchid: CREATOR } }));
const threeOff = {
  coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 300, transaction_minimum: 3000 } },
  stock_use_rule: { max_amount: 3000 },
};
await stock('会员日满30减3', threeOff);
// … one of the merchant whose stocks wait for review (Approve / Reject on the page) …
await stock('审核中满30减3', threeOff, '1900000006');
// … and a merchant whose notify URL answers nothing: its COUPON.USE waits for a retry.
await ok(t.call('POST', `${FAVOR}/callbacks`, { mchid: SAME_BRAND, body: { mchid: SAME_BRAND, notify_url: 'http://127.0.0.1:9/notify' } }));
const branch = await stock('分店满30减3', threeOff, SAME_BRAND);
await start(branch, SAME_BRAND);
const branchCoupon = await send(branch, BRANCH_USER, SAME_BRAND, BRANCH_APP);
const failing = await control(`/favor/coupons/${branchCoupon}/use`);
await t.mock.deliveries.waitFor(failing.delivery.id, { attempts: 1 });

// 支付有礼 and 委托营销.
await ok(t.call('POST', CREATE, { body: await createBody(t, 'PG-SHOT-1') }));
await ok(
  t.call('POST', '/v3/marketing/partnerships/build', {
    body: { partner: { type: 'MERCHANT', merchant_id: SAME_BRAND }, authorized_data: { business_type: 'FAVOR_STOCK', stock_id: running } },
    headers: { 'Idempotency-Key': 'SHOT-BUILD-1' },
  }),
);

// A fault rule, so the page shows its fault section.
await control('/faults', { text: 'op=favor.sendCoupon SYSTEM_ERROR after times=1' });

// The journal's findings: a body signed as one thing and sent as another, and a create missing its budget.
const target = stockPath(running, 'pause');
await t.call('POST', target, {
  rawBody: JSON.stringify({ stock_creator_mchid: CREATOR }),
  headers: t.signer().headers('POST', target, '{"stock_creator_mchid":"1900000002"}'),
});
await t.call('POST', STOCKS, { body: stockBody({ stock_use_rule: { max_amount: undefined } }) });
await t.call('GET', `${stockPath(running)}?stock_creator_mchid=${CREATOR}`);

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${url}/_mock/ui`);
  await page.locator(`[data-stock-id="${running}"]`).waitFor();
  await page.locator(`[data-delivery-id="${firstUse.delivery.id}"][data-attempts="2"]`).waitFor();
  await page.locator(`[data-delivery-id="${firstUse.delivery.id}"] summary`).click();
  await page.locator('#journal details', { hasText: 'SIGN_ERROR' }).first().locator('summary').click();
  await mkdir(dirname(out), { recursive: true });
  // The whole page in one viewport (rather than `fullPage`), so the sticky header stays on top.
  await page.setViewportSize({ width: 1440, height: await page.evaluate(() => document.documentElement.scrollHeight) });
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await receiver.close();
  server.closeAllConnections();
  server.close();
  await t.mock.close();
}
