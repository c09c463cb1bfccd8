/**
 * The dashboard at /_mock/ui in a real browser (headless Debian Chromium through playwright-core):
 * a stock made with a real SDK shows up; a coupon used from the page reaches a verifying notify
 * handler as COUPON.USE; the delivery shows its decrypted payload and is replayed from the page; the
 * clock advanced from the page moves the stock to `stoped`; the live journal shows a new request and
 * a signature failure with its diagnosis; a fault rule is added and removed from the page; a stock in
 * audit is approved and a 支付有礼 activity paused and recovered from the page.
 */
import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Multipart } from 'wechatpay-axios-plugin';
import { createCallbackReceiver, createSigner, startMock, type CallbackReceiver, type RunningMock } from '../mock-server/index.js';
import { axiosPluginClient, platformCertificate } from './helpers/axios-plugin.js';
import { launchChromium } from './helpers/browser.js';
import { APP, NOW_MS, requestNo, stockBody, USER } from './helpers/favor.js';
import { BEGIN, END, MINI_APP, STOCK } from './helpers/paygift.js';
import { PNG } from './helpers/images.js';

const CREATOR = '1900000001';
/** Fixture merchant whose new stocks wait in `audit` for the review (approve / reject on the control API). */
const REVIEWED = '1900000006';
const DAY_MS = 86_400_000;

/** A 支付有礼 activity through the SDK (its images uploaded first): it starts 2026-04-01, so it is CREATE_ACT_STATUS now. */
async function createActivity(): Promise<string> {
  const meta = { filename: 'logo.png', sha256: createHash('sha256').update(PNG).digest('hex') };
  const form = new Multipart().append('meta', JSON.stringify(meta)).append('file', PNG, 'logo.png');
  const image = (await wxpay.v3.marketing.favor.media.imageUpload.post(form, { meta, headers: form.getHeaders() })).data.media_url;
  const created = await wxpay.v3.marketing.paygiftactivity.uniqueThresholdActivity.post({
    activity_base_info: {
      activity_name: '浏览器测试活动',
      activity_second_title: '满100送券',
      merchant_logo_url: image,
      background_color: 'COLOR010',
      begin_time: BEGIN,
      end_time: END,
      out_request_no: requestNo('UI-PG'),
      delivery_purpose: 'JUMP_MINI_APP',
      mini_programs_appid: MINI_APP,
      mini_programs_path: '/pages/index/index',
    },
    award_send_rule: {
      transaction_amount_minimum: 10000,
      send_content: 'SINGLE_COUPON',
      award_type: 'BUSIFAVOR',
      award_list: [{ stock_id: STOCK.normal, original_image_url: image, thumbnail_url: image }],
      merchant_option: 'MANUAL_INPUT_MERCHANT',
      merchant_id_list: [CREATOR],
    },
  });
  return created.data.activity_id;
}

let running: RunningMock;
let receiver: CallbackReceiver;
let browser: Browser;
let page: Page;
let wxpay: any;
/** Uncaught exceptions in the page: none expected. */
const pageErrors: string[] = [];

beforeAll(async () => {
  [running, browser] = await Promise.all([startMock({ validateResponses: true }), launchChromium()]);
  await running.clock.freeze(NOW_MS);
  receiver = await createCallbackReceiver({ credentials: running.credentials, mchid: CREATOR });
  const m = running.credentials.merchants.find((x) => x.mchid === CREATOR)!;
  wxpay = axiosPluginClient(running.url, m, platformCertificate(running.credentials));
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await running?.close();
});

const row = (attr: string, id: string) => page.locator(`[${attr}="${id}"]`);
/** Waits until the element's text contains `text` (the page refreshes on journal events and every 3 s). */
const textOf = async (selector: string, text: string) => {
  await page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent?.includes(t), [selector, text] as const, { timeout: 8000 });
  return page.locator(selector).first().textContent();
};

it('drives the page: an SDK-made stock appears; stock review, activity pause, coupon use, COUPON.USE delivery and replay, clock, live journal, fault rules', async () => {
  const favor = wxpay.v3.marketing.favor;
  await favor.callbacks.post({ mchid: CREATOR, notify_url: receiver.url });
  const { stock_id } = (await favor.couponStocks.post(stockBody({ no_cash: false, stock_name: '浏览器测试券' }))).data;
  await favor.stocks._stock_id_.start.post({ stock_creator_mchid: CREATOR }, { stock_id });
  const { coupon_id } = (
    await favor.users._openid_.coupons.post(
      { stock_id, out_request_no: requestNo('UI'), appid: APP, stock_creator_mchid: CREATOR },
      { openid: USER },
    )
  ).data;

  const reviewedMerchant = running.credentials.merchants.find((x) => x.mchid === REVIEWED)!;
  const reviewed = axiosPluginClient(running.url, reviewedMerchant, platformCertificate(running.credentials));
  const { stock_id: audited } = (await reviewed.v3.marketing.favor.couponStocks.post(stockBody({}, REVIEWED))).data;

  const activity = await createActivity();

  const opened = await page.goto(`${running.url}/_mock/ui`);
  expect(opened?.status()).toBe(200);

  // The stock, running, with one coupon of 1 CNY taken from its 10 CNY budget.
  const stockRow = await textOf(`[data-stock-id="${stock_id}"]`, 'running');
  expect(stockRow).toContain('浏览器测试券');
  expect(stockRow).toContain('¥1.00 / ¥10.00');
  // The review WeChat Pay does, from the page: the stock in audit is approved.
  await textOf(`[data-stock-id="${audited}"]`, 'audit');
  await row('data-stock-id', audited).getByRole('button', { name: 'Approve' }).click();
  expect(await textOf(`[data-stock-id="${audited}"]`, 'unactivated')).not.toContain('Approve');
  // What the merchant platform does to a 支付有礼 activity: paused from the page, then recovered.
  await row('data-activity-id', activity).getByRole('button', { name: 'Pause' }).click();
  await textOf(`[data-activity-id="${activity}"]`, 'STOP_ACT_STATUS');
  await row('data-activity-id', activity).getByRole('button', { name: 'Recover' }).click();
  await textOf(`[data-activity-id="${activity}"]`, 'CREATE_ACT_STATUS');

  // Use it from the page: the notify handler receives a COUPON.USE it can verify and decrypt.
  await row('data-coupon-id', coupon_id).getByRole('button', { name: 'Use' }).click();
  const [first] = await receiver.waitFor(1, 8000);
  expect(first.verified).toBe(true);
  expect(first.plaintext).toMatchObject({ coupon_id, stock_id, status: 'USED' });
  expect(await textOf(`[data-coupon-id="${coupon_id}"]`, 'USED')).toContain('USED');

  // The delivery: delivered after one attempt answered 204, its payload decrypted on the page.
  const delivery = `[data-delivery-id="${first.id}"]`;
  expect(await textOf(delivery, 'delivered')).toContain('1 attempt');
  await page.locator(`${delivery} summary`).click();
  expect(await page.locator(`${delivery} .plaintext`).textContent()).toContain(`"coupon_id": "${coupon_id}"`);

  // Replay from the page: the same notification again, a second round.
  await page.locator(delivery).getByRole('button', { name: 'Replay' }).click();
  const [, again] = await receiver.waitFor(2, 8000);
  expect(again.id).toBe(first.id);
  expect(again.verified).toBe(true);
  expect(await textOf(delivery, '2 attempts')).toContain('round 2');

  // The clock, from the page: 30 days on, the stock's window is over and it reads stoped.
  await page.locator('input[name="advance"]').fill('30d');
  await page.getByRole('button', { name: 'Advance' }).click();
  await textOf('[data-clock-now]', '2026-04-01 10:00:00');
  expect(running.clock.nowMs()).toBe(NOW_MS + 30 * DAY_MS);
  expect(await textOf(`[data-stock-id="${stock_id}"]`, 'stoped')).toContain('stoped');

  // The journal, live: a request made now appears, and a signature failure shows its diagnosis.
  await favor.stocks._stock_id_.get({ params: { stock_creator_mchid: CREATOR }, stock_id });
  await textOf('#journal', 'favor.getStock');
  const m = running.credentials.merchants.find((x) => x.mchid === CREATOR)!;
  const signer = createSigner({ mchid: CREATOR, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
  const target = `/v3/marketing/favor/stocks/${stock_id}/pause`;
  const refused = await fetch(`${running.url}${target}`, {
    method: 'POST',
    // Signed over one body, sent with another: the mock answers 401 SIGN_ERROR and says why.
    headers: { ...signer.headers('POST', target, '{"stock_creator_mchid":"1900000002"}'), 'Content-Type': 'application/json' },
    body: JSON.stringify({ stock_creator_mchid: CREATOR }),
  });
  expect(refused.status).toBe(401);
  await page.locator('input[name="journal-findings"]').check();
  const failure = page.locator('#journal details', { hasText: 'SIGN_ERROR' }).first();
  await failure.waitFor({ timeout: 8000 });
  await failure.locator('summary').click();
  const diagnosis = await failure.textContent();
  expect(diagnosis).toContain('signature');
  expect(diagnosis).toContain('sign_information');
  // The filter hides the requests without findings.
  expect(await page.locator('#journal details', { hasText: 'favor.getStock' }).count()).toBe(0);

  // Fault rules: one added from the page breaks the next query of the stock, then is removed there.
  await page.locator('#faults input').first().fill('op=favor.getStock SYSTEM_ERROR times=1');
  await page.locator('#faults').getByRole('button', { name: 'Add' }).first().click();
  const ruleRow = page.locator('#faults [data-rule-id]');
  await ruleRow.waitFor({ timeout: 8000 });
  const [rule] = (await (await fetch(`${running.url}/_mock/faults`)).json()).rules;
  expect(rule).toMatchObject({ operation_id: 'favor.getStock', action: 'error', code: 'SYSTEM_ERROR', times: 1 });
  await expect(favor.stocks._stock_id_.get({ params: { stock_creator_mchid: CREATOR }, stock_id })).rejects.toMatchObject({
    response: { status: 500 },
  });
  // Its one time used, the page marks it spent (a new rule may take its place at the bound).
  await ruleRow.getByText('spent').waitFor({ timeout: 8000 });
  await ruleRow.getByRole('button', { name: 'Remove' }).click();
  await ruleRow.waitFor({ state: 'detached', timeout: 8000 });
  expect((await (await fetch(`${running.url}/_mock/faults`)).json()).rules).toEqual([]);
  expect(pageErrors).toEqual([]);
}, 30_000);
