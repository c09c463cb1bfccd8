import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { CREATOR, json, newMock, type TestMock } from './helpers/mock.js';

describe('control API /_mock/', () => {
  let t: TestMock;
  beforeEach(async () => {
    t = await newMock();
  });
  const control = () => request(t.mock.listener);

  it('health answers ok with the version and the clock', async () => {
    const res = await control().get('/_mock/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', version: expect.any(String), clock: { frozen: false } });
  });

  it('clock: set, freeze, advance, unfreeze and reset; business times follow it, signatures do not', async () => {
    const set = await control().post('/_mock/clock/set').send({ time: '2027-03-01T10:00:00+08:00', freeze: true });
    expect(set.body).toMatchObject({ now: '2027-03-01T02:00:00.000Z', frozen: true });
    const advanced = await control().post('/_mock/clock/advance').send({ by: '90m' });
    expect(advanced.body.now).toBe('2027-03-01T03:30:00.000Z');
    const reply = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' },
    });
    expect(json(reply).update_time).toBe('2027-03-01T11:30:00.000+08:00');
    // Signature timestamps stay on real time, or every SDK would reject the reply.
    expect(Math.abs(Number(reply.headers['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    t.verifyReply(reply);
    const unfrozen = await control().post('/_mock/clock/unfreeze');
    expect(unfrozen.body.frozen).toBe(false);
    expect(Math.abs(Date.parse(unfrozen.body.now) - Date.parse('2027-03-01T03:30:00Z'))).toBeLessThan(5000);
    const reset = await control().post('/_mock/clock/reset');
    expect(Math.abs(reset.body.now_ms - Date.now())).toBeLessThan(5000);
  });

  it('clock: freeze takes an RFC 3339 time or epoch milliseconds, as set does; anything else is refused', async () => {
    const byNumber = await control()
      .post('/_mock/clock/freeze')
      .send({ time: Date.parse('2027-05-01T00:00:00Z') });
    expect(byNumber.body).toMatchObject({ now: '2027-05-01T00:00:00.000Z', frozen: true });
    const byText = await control().post('/_mock/clock/freeze').send({ time: '2027-06-01T08:00:00+08:00' });
    expect(byText.body).toMatchObject({ now: '2027-06-01T00:00:00.000Z', frozen: true });
    const bad = await control().post('/_mock/clock/freeze').send({ time: true });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('PARAM_ERROR');
    expect((await control().get('/_mock/clock')).body.now).toBe('2027-06-01T00:00:00.000Z');
  });

  it('clock: bad input is refused with an envelope', async () => {
    const bad = await control().post('/_mock/clock/set').send({ time: 'tomorrow' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('PARAM_ERROR');
    const badAdvance = await control().post('/_mock/clock/advance').send({ by: 'a while' });
    expect(badAdvance.status).toBe(400);
    const notJson = await control().post('/_mock/clock/advance').set('Content-Type', 'application/json').send('{oops');
    expect(notJson.status).toBe(400);
  });

  it('credentials: the fixture merchants with keys, serials and APIv3 keys, and the platform keys', async () => {
    const res = await control().get('/_mock/credentials');
    expect(res.body.merchants.map((m: { mchid: string }) => m.mchid)).toEqual([
      '1900000001',
      '1900000002',
      '1900000003',
      '1900000004',
      '1900000005',
      '1900000006',
      '1900000007',
    ]);
    expect(res.body.merchants[0]).toMatchObject({
      merchant_serial_no: expect.stringMatching(/^[0-9A-F]{40}$/),
      apiv3_key: expect.stringMatching(/^.{32}$/),
      verification_mode: 'certificate',
    });
    expect(res.body.public_key_id).toMatch(/^PUB_KEY_ID_\d{34}$/);
    expect(res.body.platform_serial_no).toMatch(/^[0-9A-F]{40}$/);
  });

  it('journal: every /v3 request with operation, mchid, status, code and findings; filterable', async () => {
    await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n', nope: true } });
    await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`, {
      headers: { Authorization: 'WECHATPAY2-SHA256-RSA2048 garbage' },
    });
    const all = (await control().get('/_mock/journal')).body.entries;
    expect(all.map((e: any) => [e.operation_id, e.status, e.code])).toEqual([
      ['favor.setCallback', 200, null],
      ['favor.setCallback', 400, 'PARAM_ERROR'],
      ['favor.getCallback', 401, 'SIGN_ERROR'],
    ]);
    expect(all[0].mchid).toBe(CREATOR);
    expect(all[1].findings).toEqual([
      expect.objectContaining({
        kind: 'contract',
        location: 'body',
        field: '/nope',
        value: true,
        message: '请求中含有未在API文档中定义的参数',
      }),
    ]);
    expect(all[2].findings[0]).toMatchObject({ kind: 'signature' });
    const withFindings = (await control().get('/_mock/journal?findings=true')).body.entries;
    expect(withFindings).toHaveLength(2);
    const byCode = (await control().get('/_mock/journal?code=SIGN_ERROR')).body.entries;
    expect(byCode).toHaveLength(1);
    await control().delete('/_mock/journal');
    expect((await control().get('/_mock/journal')).body.entries).toEqual([]);
  });

  it('journal is capped', async () => {
    const small = await newMock({ journalSize: 3 });
    for (let i = 0; i < 5; i++) await small.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`);
    expect(small.mock.journal()).toHaveLength(3);
    expect(small.mock.journal()[0].seq).toBe(3);
  });

  it('undeclared query parameters are ignored but recorded as findings', async () => {
    await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    const res = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}&page=2`);
    expect(res.status).toBe(200);
    expect(t.mock.journal().at(-1)!.findings).toEqual([expect.objectContaining({ kind: 'undeclared-query', field: 'page' })]);
  });

  it('reset returns to the fixtures', async () => {
    await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    const res = await control().post('/_mock/reset');
    expect(res.body.status).toBe('reset');
    const got = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`);
    expect(got.status).toBe(404);
  });

  it('answers loopback clients only unless allowed', async () => {
    const remoteEnv = { incoming: { socket: { remoteAddress: '192.0.2.10' } } };
    const refused = await t.mock.app.request('/_mock/health', {}, remoteEnv);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'NO_AUTH' });
    const open = await newMock({ allowRemoteControl: true });
    expect((await open.mock.app.request('/_mock/health', {}, remoteEnv)).status).toBe(200);
  });

  it('unknown control operations answer 404 with an envelope', async () => {
    const res = await control().get('/_mock/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});

describe('journal of requests that match no operation', () => {
  it('records unknown paths (404) and wrong methods (405) too', async () => {
    const t = await newMock();
    const notFound = await t.call('GET', '/v3/marketing/favor/nothing');
    const wrongMethod = await t.call('DELETE', '/v3/marketing/favor/callbacks');
    expect([notFound.status, wrongMethod.status]).toEqual([404, 405]);
    expect(t.mock.journal().map((e) => [e.target, e.status, e.operation_id, e.findings[0].kind])).toEqual([
      ['/v3/marketing/favor/nothing', 404, null, 'protocol'],
      ['/v3/marketing/favor/callbacks', 405, null, 'protocol'],
    ]);
  });
});
