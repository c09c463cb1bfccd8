/**
 * Fault injection (docs/guides/faults.md): rules through the control API and `mock.faults`, the
 * per-request header, each action as a client sees it over a real socket, and through real SDKs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, startMock, type MerchantCredentials, type RunningMock } from '../mock-server/index.js';
import { MarketingPay } from './conformance/clients/node-v3.js';
import { axiosPluginClient, platformCertificate } from './helpers/axios-plugin.js';
import { bodyText, err, favorMock, FAVOR, requestNo, runningStock, send, USER } from './helpers/favor.js';
import { CREATOR, json, SAME_BRAND } from './helpers/mock.js';
import { listeningUrl } from './helpers/cli.js';

const CERTIFICATES = '/v3/certificates';
const t = favorMock();

/** POST /_mock/faults in process. */
async function addFault(rule: unknown) {
  const res = await request(t.mock.listener)
    .post('/_mock/faults')
    .send(rule as object);
  expect(res.status, res.text).toBe(200);
  return res.body.rules;
}

describe('fault rules: error replies from the contract', () => {
  it('fail after commit: the coupon is sent but the reply is 500 SYSTEM_ERROR; a retry with the same out_request_no returns it', async () => {
    const stock = await runningStock(t);
    await addFault({ operation_id: 'favor.sendCoupon', code: 'SYSTEM_ERROR', when: 'after', times: 1 });
    const outRequestNo = requestNo('RETRY');
    const failed = await send(t, stock, { outRequestNo });
    expect(err(failed)).toEqual([500, 'SYSTEM_ERROR', '系统错误']);
    const retried = await send(t, stock, { outRequestNo });
    expect(retried.status, bodyText(retried)).toBe(200);
    const couponId = json(retried).coupon_id;
    const list = await t.call('GET', `${FAVOR}/users/${USER}/coupons?appid=wx1a2b3c4d5e6f7001&creator_mchid=${CREATOR}&stock_id=${stock}`);
    expect(json(list).data.map((c: { coupon_id: string }) => c.coupon_id)).toEqual([couponId]);

    const [entry] = t.mock.journal({ status: 500 });
    expect(entry.findings).toEqual([]);
    expect(entry.fault).toMatchObject({ rule_id: 'fault-1', action: 'error', when: 'after', code: 'SYSTEM_ERROR' });
    const report = t.mock.report();
    expect(report.ok).toBe(true);
    expect(report.summary.injected).toBe(1);
    expect(report.injected[0]).toMatchObject({ operation_id: 'favor.sendCoupon', status: 500, action: 'error', when: 'after' });
    const junit = formatReport(report, 'junit');
    expect(junit).toContain('<testsuite name="wxpay-mock.faults" tests="1" failures="0"');
    expect(junit).toContain('injected on purpose (fault-1): 500 SYSTEM_ERROR after the work was committed');
    expect(formatReport(report, 'text')).toContain('Injected faults (1): broken on purpose, not violations');
  });

  it('fail before: nothing happens (no coupon), the retry sends the first one', async () => {
    const stock = await runningStock(t);
    t.mock.faults.add('op=favor.sendCoupon SYSTEM_ERROR times=1');
    const outRequestNo = requestNo('BEFORE');
    expect((await send(t, stock, { outRequestNo })).status).toBe(500);
    const list = async () =>
      json(await t.call('GET', `${FAVOR}/users/${USER}/coupons?appid=wx1a2b3c4d5e6f7001&creator_mchid=${CREATOR}&stock_id=${stock}`)).data;
    expect(await list()).toEqual([]);
    expect((await send(t, stock, { outRequestNo })).status).toBe(200);
    expect(await list()).toHaveLength(1);
  });

  it('any error the contract declares, with its status and message; RATE_LIMIT is the family 429; undeclared codes are refused', async () => {
    const stock = await runningStock(t);
    t.mock.faults.add({ operation_id: 'favor.sendCoupon', code: 'REQUEST_BLOCKED', message: '商户无权发券', times: 1 });
    t.mock.faults.add({ operation_id: 'favor.sendCoupon', code: 'NOT_ENOUGH', times: 1 });
    t.mock.faults.add({ operation_id: 'favor.sendCoupon', code: 'RATE_LIMIT', times: 1 });
    expect(err(await send(t, stock))).toEqual([403, 'REQUEST_BLOCKED', '商户无权发券']);
    expect(err(await send(t, stock))).toEqual([403, 'NOT_ENOUGH', '批次预算不足']);
    expect(err(await send(t, stock))).toEqual([429, 'FREQUENCY_LIMIT_EXCEED', '接口限频']);
    expect((await send(t, stock)).status).toBe(200);

    const refused = await request(t.mock.listener).post('/_mock/faults').send({ operation_id: 'favor.sendCoupon', code: 'NO_AUTH' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ code: 'PARAM_ERROR', message: 'favor.sendCoupon does not declare NO_AUTH' });
    const badMessage = await request(t.mock.listener)
      .post('/_mock/faults')
      .send({ operation_id: 'favor.sendCoupon', code: 'NOT_ENOUGH', message: '余额不足' });
    expect(badMessage.body.message).toContain('declares NOT_ENOUGH with "批次预算不足"');
    expect((await request(t.mock.listener).post('/_mock/faults').send({ action: 'explode' })).body.message).toContain(
      'action must be one of',
    );
  });

  it('control API: list with counters, remove one, clear; reset clears rules added at run time', async () => {
    const [rule] = await addFault({ id: 'certs-down', operation_id: 'certificates.list', code: 'SYSTEM_ERROR', nth: 2 });
    expect(rule).toMatchObject({ id: 'certs-down', nth: 2, times: 1, source: 'api', seen: 0, fired: 0 });
    expect([
      (await t.call('GET', CERTIFICATES)).status,
      (await t.call('GET', CERTIFICATES)).status,
      (await t.call('GET', CERTIFICATES)).status,
    ]).toEqual([200, 500, 200]);
    expect((await request(t.mock.listener).get('/_mock/faults/certs-down')).body).toMatchObject({ seen: 3, fired: 1 });
    expect((await request(t.mock.listener).delete('/_mock/faults/certs-down')).body).toEqual({ status: 'removed' });
    expect((await request(t.mock.listener).delete('/_mock/faults/certs-down')).status).toBe(404);

    await addFault({ code: 'SYSTEM_ERROR' });
    expect((await t.call('GET', CERTIFICATES)).status).toBe(500);
    await t.mock.reset();
    expect((await request(t.mock.listener).get('/_mock/faults')).body).toEqual({ rules: [] });
    expect((await t.call('GET', CERTIFICATES)).status).toBe(200);
  });

  it('at most 1000 rules at a time: the next is refused with 400 PARAM_ERROR naming how to make room, a list past the bound adds nothing', async () => {
    for (let i = 0; i < 1000; i++) t.mock.faults.add({ id: `r${i}`, path: `/nowhere/${i}`, code: 'SYSTEM_ERROR' });
    const post = (rule: unknown) =>
      request(t.mock.listener)
        .post('/_mock/faults')
        .send(rule as object);
    const full = {
      code: 'PARAM_ERROR',
      message: 'at most 1000 rules at a time: remove some (DELETE /_mock/faults/{id}, DELETE /_mock/faults) or POST /_mock/reset',
    };
    const refused = await post({ code: 'SYSTEM_ERROR' });
    expect([refused.status, refused.body]).toEqual([400, full]);
    expect((await request(t.mock.listener).delete('/_mock/faults/r0')).status).toBe(200);
    expect(
      (
        await post([
          { id: 'a', code: 'SYSTEM_ERROR' },
          { id: 'b', code: 'SYSTEM_ERROR' },
        ])
      ).body,
    ).toEqual(full);
    const ids = (await request(t.mock.listener).get('/_mock/faults')).body.rules.map((r: { id: string }) => r.id);
    expect([ids.length, ids.includes('a')]).toEqual([999, false]);
    expect((await post({ id: 'a', code: 'SYSTEM_ERROR' })).status).toBe(200);
    // The 1000 rules were scanned for each request meanwhile; the one that matches still fires.
    expect((await t.call('GET', CERTIFICATES)).status).toBe(500);
  });

  it('spent rules make room, oldest first, so a rule per test never meets the bound; a refused list removes none', async () => {
    for (let i = 0; i < 998; i++) t.mock.faults.add({ id: `r${i}`, path: `/nowhere/${i}`, code: 'SYSTEM_ERROR' });
    await addFault([
      { id: 'once-1', code: 'SYSTEM_ERROR', times: 1 },
      { id: 'once-2', code: 'SYSTEM_ERROR', times: 1 },
    ]);
    // once-1 fires, then (spent) lets once-2 fire; then no rule can.
    expect([(await t.call('GET', CERTIFICATES)).status, (await t.call('GET', CERTIFICATES)).status]).toEqual([500, 500]);
    expect((await t.call('GET', CERTIFICATES)).status).toBe(200);
    const ids = async () => (await request(t.mock.listener).get('/_mock/faults')).body.rules.map((r: { id: string }) => r.id);
    const inert = (id: string) => ({ id, path: `/elsewhere/${id}`, code: 'SYSTEM_ERROR' });
    // Three new rules, two spent: not enough room, and the spent ones stay listed with their counters.
    const refused = await request(t.mock.listener)
      .post('/_mock/faults')
      .send([inert('a'), inert('b'), inert('c')]);
    expect([refused.status, refused.body.code]).toEqual([400, 'PARAM_ERROR']);
    expect((await ids()).slice(-2)).toEqual(['once-1', 'once-2']);
    expect((await request(t.mock.listener).get('/_mock/faults/once-1')).body).toMatchObject({ times: 1, fired: 1 });
    await addFault(inert('a'));
    expect((await ids()).slice(-2)).toEqual(['once-2', 'a']);
    await addFault(inert('b'));
    expect(await ids()).toHaveLength(1000);
    expect((await ids()).slice(-3)).toEqual(['r997', 'a', 'b']);
    const full = await request(t.mock.listener).post('/_mock/faults').send(inert('c'));
    expect([full.status, full.body.code]).toEqual([400, 'PARAM_ERROR']);
  });

  it('a rule scoped to a mchid never touches another merchant', async () => {
    t.mock.faults.add({ mchid: CREATOR, code: 'SYSTEM_ERROR' });
    expect((await t.call('GET', CERTIFICATES, { mchid: SAME_BRAND })).status).toBe(200);
    expect((await t.call('GET', CERTIFICATES, { mchid: CREATOR })).status).toBe(500);
    expect((await t.call('GET', CERTIFICATES, { mchid: SAME_BRAND })).status).toBe(200);
    expect(t.mock.faults.list()[0]).toMatchObject({ seen: 1, fired: 1 });
  });

  it('method and path (with * for a segment) filter too; text rules as {"text": …}; latency adds to an error', async () => {
    const stock = await runningStock(t);
    await addFault({ text: 'method=POST path=/v3/marketing/favor/users/*/coupons RATE_LIMIT latency=30ms times=1' });
    expect((await t.call('GET', CERTIFICATES)).status).toBe(200);
    const started = performance.now();
    expect(err(await send(t, stock))).toEqual([429, 'FREQUENCY_LIMIT_EXCEED', '接口限频']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(t.mock.journal().at(-1)!.fault).toMatchObject({ action: 'error', code: 'FREQUENCY_LIMIT_EXCEED', latency_ms: 30 });
    expect(t.mock.faults.list()[0]).toMatchObject({ method: 'POST', path: '/v3/marketing/favor/users/*/coupons', seen: 1, fired: 1 });
  });

  it('probability with a seed fails the same calls every time', async () => {
    const run = async () => {
      t.mock.faults.clear();
      t.mock.faults.add({ operation_id: 'certificates.list', code: 'SYSTEM_ERROR', probability: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await t.call('GET', CERTIFICATES)).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(500);
  });
});

describe('fault rules: latency and broken connections (over a real socket)', () => {
  it('latency, fixed or a range, delays the reply and says by how much', async () => {
    t.mock.faults.add({ operation_id: 'certificates.list', latency: '60ms..80ms' });
    const started = performance.now();
    expect((await t.call('GET', CERTIFICATES)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    const ms = t.mock.journal().at(-1)!.fault!.latency_ms!;
    expect(ms).toBeGreaterThanOrEqual(60);
    expect(ms).toBeLessThanOrEqual(80);
  });

  it('reset: the client sees the connection reset; truncate: the body stops short of its Content-Length', async () => {
    t.mock.faults.add({ operation_id: 'certificates.list', action: 'reset', times: 1 });
    await expect(t.call('GET', CERTIFICATES)).rejects.toThrow(/ECONNRESET|socket hang up/);
    t.mock.faults.add({ operation_id: 'certificates.list', action: 'truncate', times: 1 });
    await expect(t.call('GET', CERTIFICATES)).rejects.toThrow(/aborted|ECONNRESET|socket hang up|premature/i);
    expect((await t.call('GET', CERTIFICATES)).status).toBe(200);
    expect(t.mock.journal().map((e) => e.fault?.action)).toEqual(['reset', 'truncate', undefined]);
  });

  it('a hung reply releases its connection within the bound', async () => {
    t.mock.faults.add({ operation_id: 'certificates.list', action: 'hang', hang: '300ms', times: 1 });
    const started = performance.now();
    await expect(t.call('GET', CERTIFICATES)).rejects.toThrow(/ECONNRESET|socket hang up/);
    const held = performance.now() - started;
    expect(held).toBeGreaterThanOrEqual(250);
    expect(held).toBeLessThan(2000);
    expect(t.mock.journal().at(-1)!.fault).toMatchObject({ action: 'hang', when: 'before' });
  });
});

describe('the per-request header Wechatpay-Mock-Fault', () => {
  it('is ignored unless the mock allows it', async () => {
    const res = await t.call('GET', CERTIFICATES, { headers: { 'Wechatpay-Mock-Fault': 'SYSTEM_ERROR' } });
    expect(res.status).toBe(200);
    expect(t.mock.journal().at(-1)!.fault).toBeUndefined();
  });

  it('with allowFaultHeader: an error, latency; the request signature (which does not cover the header) still verifies', async () => {
    const running = await startMock({ allowFaultHeader: true });
    try {
      const m = running.credentials.merchants[0];
      const wxpay = axiosPluginClient(running.url, m, platformCertificate(running.credentials));
      await expect(wxpay.v3.certificates.get({ headers: { 'Wechatpay-Mock-Fault': 'SYSTEM_ERROR' } })).rejects.toMatchObject({
        response: { status: 500, data: { code: 'SYSTEM_ERROR', message: '系统错误' } },
      });
      const slow = await wxpay.v3.certificates.get({ headers: { 'Wechatpay-Mock-Fault': 'latency=40ms' } });
      expect(slow.status).toBe(200);
      const [failed, delayed] = running.journal();
      expect(failed.fault).toMatchObject({ source: 'header', rule_id: null, code: 'SYSTEM_ERROR' });
      expect(delayed.fault).toMatchObject({ source: 'header', action: 'latency', latency_ms: 40 });
      expect(running.journal().every((e) => e.findings.every((f) => f.kind !== 'signature'))).toBe(true);
      await expect(wxpay.v3.certificates.get({ headers: { 'Wechatpay-Mock-Fault': 'op=favor.sendCoupon reset' } })).rejects.toMatchObject({
        response: { status: 400, data: { code: 'INVALID_REQUEST' } },
      });
    } finally {
      await running.close();
    }
  });
});

describe('replies that must fail verification, through real SDKs', () => {
  let running: RunningMock;
  let m: MerchantCredentials;
  beforeAll(async () => {
    running = await startMock({ faults: ['op=certificates.list mchid=1900000001 bad-signature times=1'] });
    m = running.credentials.merchants.find((x) => x.mchid === CREATOR)!;
  });
  afterAll(() => running.close());

  it('wechatpay-axios-plugin refuses each spoiled reply and accepts the next good one', async () => {
    const wxpay = axiosPluginClient(running.url, m, platformCertificate(running.credentials));
    await expect(wxpay.v3.certificates.get()).rejects.toThrow(); // the start-up rule (--fault)
    for (const action of ['bad-signature', 'unknown-serial', 'stale-timestamp', 'no-signature', 'tampered-body']) {
      running.mock.faults.add({ operation_id: 'certificates.list', action, times: 1 });
      await expect(wxpay.v3.certificates.get(), action).rejects.toThrow();
    }
    expect((await wxpay.v3.certificates.get()).status).toBe(200);
    expect(running.journal().map((e) => e.fault?.action)).toEqual([
      'bad-signature',
      'bad-signature',
      'unknown-serial',
      'stale-timestamp',
      'no-signature',
      'tampered-body',
      undefined,
    ]);
    expect(running.report().ok).toBe(true);
  });

  it("wechatpay-node-v3's verifySign returns false for a wrong signature and a tampered body", async () => {
    const pay = new MarketingPay(m, running.url);
    for (const action of ['bad-signature', 'tampered-body']) {
      running.mock.faults.add({ operation_id: 'certificates.list', action, times: 1 });
      const answer = await pay.get(CERTIFICATES);
      expect(answer.status).toBe(200);
      expect(await pay.verifyAnswer(answer), action).toBe(false);
    }
    expect(await pay.verifyAnswer(await pay.get(CERTIFICATES))).toBe(true);
  });

  it('reset restores the start-up rules with fresh counters', async () => {
    await running.reset();
    expect(running.mock.faults.list()).toEqual([expect.objectContaining({ source: 'startup', action: 'bad-signature', fired: 0 })]);
  });
});

describe('the CLI: --fault and --allow-fault-header', () => {
  const CLI = fileURLToPath(new URL('../dist/mock-server/cli.js', import.meta.url));

  it('start --fault installs a rule (listed at /_mock/faults); --allow-fault-header honours the header; a bad --fault is a usage error', async () => {
    const child = spawn(process.execPath, [
      CLI,
      '--port',
      '0',
      '--in-memory',
      '--log',
      'silent',
      '--allow-fault-header',
      '--fault',
      'op=certificates.list SYSTEM_ERROR nth=2',
    ]);
    try {
      const url = await listeningUrl(child);
      expect((await (await fetch(`${url}/_mock/faults`)).json()).rules).toEqual([
        expect.objectContaining({
          id: 'fault-1',
          operation_id: 'certificates.list',
          code: 'SYSTEM_ERROR',
          nth: 2,
          times: 1,
          source: 'startup',
        }),
      ]);
      const signer = t.signer(CREATOR);
      const get = (headers: Record<string, string> = {}) =>
        fetch(url + CERTIFICATES, { headers: { ...signer.headers('GET', CERTIFICATES), ...headers } }).then((r) => r.status);
      expect([await get(), await get(), await get(), await get({ 'Wechatpay-Mock-Fault': 'RATE_LIMIT' })]).toEqual([200, 500, 200, 429]);
    } finally {
      child.kill('SIGKILL');
    }
    const bad = spawnSync(process.execPath, [CLI, '--fault', 'op=favor.sendCoupon explode'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--fault "op=favor.sendCoupon explode": unknown word "explode"');
  }, 20_000);
});
