/**
 * Scenarios (mock-server/scenario.ts): the shipped examples in fixtures/scenarios/ applied through the
 * programmatic API and the control API, each step a real signed request; a refused step names its
 * index and its line in the file, and the steps before it stay done.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScenarioError } from '../mock-server/index.js';
import { APP, USER } from './helpers/favor.js';
import { CREATOR, json, newMock, SAME_BRAND, type TestMock } from './helpers/mock.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'scenarios');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
const open: TestMock[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.mock.close();
});
const start = async () => {
  const t = await newMock();
  open.push(t);
  return t;
};

describe('scenarios', () => {
  it('fixtures/scenarios holds the examples the docs name', () => {
    expect(readdirSync(DIR).sort()).toEqual(['coupon-campaign.json', 'partnership.json', 'paygift-activity.json']);
  });

  it('coupon-campaign: a running stock, coupons for two users, the first used — as the API then answers', async () => {
    const t = await start();
    const { saved, steps } = await t.mock.apply(read('coupon-campaign.json'));
    expect(steps.map((s) => s.kind)).toEqual([
      'clock',
      'favor.createStock',
      'favor.startStock',
      'favor.sendCoupon',
      'favor.sendCoupon',
      'use_coupon',
    ]);
    const stockId = (saved.stock as { stock_id: string }).stock_id;
    const stock = json(await t.call('GET', `/v3/marketing/favor/stocks/${stockId}?stock_creator_mchid=${CREATOR}`));
    expect(stock).toMatchObject({ status: 'running', distributed_coupons: 2 });
    const first = (saved.first as { coupon_id: string }).coupon_id;
    expect(json(await t.call('GET', `/v3/marketing/favor/users/${USER}/coupons/${first}?appid=${APP}`)).status).toBe('USED');
    // Every step went through the pipeline: the journal shows the signed requests.
    expect(t.mock.journal({ operation_id: 'favor.sendCoupon' })).toHaveLength(2);
  });

  it('paygift-activity (images uploaded first) and partnership (the partner sends) through POST /_mock/scenario', async () => {
    const t = await start();
    for (const name of ['paygift-activity.json', 'partnership.json']) {
      const res = await t.mock.request('/_mock/scenario', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: read(name),
      });
      expect(res.status, name).toBe(200);
    }
    const activities = await t.call('GET', '/v3/marketing/paygiftactivity/activities?offset=0&limit=10');
    expect(json(activities).total_count).toBe(1);
    const partnerships = await t.call(
      'GET',
      `/v3/marketing/partnerships?limit=10&offset=0&authorized_data=${encodeURIComponent('{"business_type":"FAVOR_STOCK"}')}`,
    );
    expect(json(partnerships).data[0]).toMatchObject({ partner: { type: 'MERCHANT', merchant_id: SAME_BRAND } });
  });

  it('a refused step names its step and line, with the real reply; the steps before it are done', async () => {
    const t = await start();
    const text = read('coupon-campaign.json').replace('"max_coupons_per_user": 3', '"max_coupons_per_user": 0');
    const line = text.split('\n').findIndex((l) => l.includes('"op": "favor.createStock"')) + 1;
    const err = await t.mock.apply(text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).message).toMatch(
      new RegExp(`^step 2 \\(line ${line - 1}\\): favor.createStock answered 403 NO_AUTH 你配置的信息需要开通特殊权限`),
    );
    expect((err as ScenarioError).step).toBe(2);
    // Step 1 (the clock) stayed done.
    expect(t.mock.clock.frozen).toBe(true);
    const res = await t.mock.request('/_mock/scenario', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'PARAM_ERROR', detail: { step: 2, reply: { status: 403, body: { code: 'NO_AUTH' } } } });
  });

  it('what is not a scenario, an unknown operation, a reference to nothing → 400 with the reason', async () => {
    const t = await start();
    const post = async (body: unknown) => {
      const res = await t.mock.request('/_mock/scenario', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return [res.status, ((await res.json()) as { message: string }).message];
    };
    expect(await post({ steps: [] })).toEqual([400, expect.stringContaining('not a wxpay-mock scenario')]);
    expect(await post({ scenario: 'wxpay-mock-scenario', version: 1, steps: [{ op: 'favor.nothing' }] })).toEqual([
      400,
      expect.stringContaining('step 1: no operation favor.nothing'),
    ]);
    expect(await post({ scenario: 'wxpay-mock-scenario', version: 1, steps: [{ use_coupon: '${missing.coupon_id}' }] })).toEqual([
      400,
      expect.stringContaining('${missing.coupon_id} names nothing saved before it'),
    ]);
  });
});
