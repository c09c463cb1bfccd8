import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { notifyUrlOf } from './helpers/favor.js';
import { CREATOR, json, newMock, SAME_BRAND, type TestMock } from './helpers/mock.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

describe('favor notify URL (POST/GET /v3/marketing/favor/callbacks)', () => {
  let t: TestMock;
  beforeEach(async () => {
    t = await newMock();
  });

  it('sets the URL, answers update_time and notify_url, and reads it back, signed', async () => {
    const set = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'https://merchant.example.com/notify', switch: true },
    });
    expect(set.status).toBe(200);
    expect(set.headers['content-type']).toBe('application/json; charset=utf-8');
    t.verifyReply(set);
    const body = json(set);
    expect(Object.keys(body)).toEqual(['update_time', 'notify_url']);
    expect(body.update_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/);
    const got = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`);
    expect(got.status).toBe(200);
    t.verifyReply(got);
    expect(json(got)).toEqual({ notify_url: 'https://merchant.example.com/notify', mchid: CREATOR });
  });

  it('not https (FAQ 5: notify_url必须为HTTPS) -> 500 SYSTEM_ERROR 系统繁忙; http on loopback accepted by default, refused in strict mode; nothing stored', async () => {
    const BUSY = { code: 'SYSTEM_ERROR', message: '系统繁忙' };
    const ok = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'http://127.0.0.1:3000/notify' },
    });
    expect(ok.status).toBe(200);
    for (const notify_url of ['http://merchant.example.com/notify', 'ftp://merchant.example.com/notify', 'merchant.example.com/notify']) {
      const refused = await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url } });
      expect([refused.status, json(refused)]).toEqual([500, BUSY]);
    }
    expect(await notifyUrlOf(t)).toBe('http://127.0.0.1:3000/notify');
    const strict = await newMock({ strictNotifyUrl: true });
    const refused = await strict.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'http://127.0.0.1:3000/notify' },
    });
    expect([refused.status, json(refused)]).toEqual([500, BUSY]);
    expect(await notifyUrlOf(strict)).toBeUndefined();
  });

  it('strict mode probes the URL (FAQ 5: notify_url地址为一个可访问的地址): unreachable -> 500 SYSTEM_ERROR 系统繁忙; a live https receiver is accepted', async () => {
    const strict = await newMock({ strictNotifyUrl: true });
    // A self-signed https receiver (fixture key and certificate: test-only).
    const server = createHttpsServer(
      {
        key: readFileSync(fixture('keys/1900000001/apiclient_key.pem')),
        cert: readFileSync(fixture('keys/1900000001/apiclient_cert.pem')),
      },
      (_req, res) => res.writeHead(405).end(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const live = await strict.call('POST', '/v3/marketing/favor/callbacks', {
        body: { mchid: CREATOR, notify_url: `https://127.0.0.1:${port}/notify` },
      });
      expect(live.status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const gone = await strict.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: `https://127.0.0.1:${port}/other` },
    });
    expect([gone.status, json(gone)]).toEqual([500, { code: 'SYSTEM_ERROR', message: '系统繁忙' }]);
    expect(await notifyUrlOf(strict)).toBe(`https://127.0.0.1:${port}/notify`);
  });

  it('notify URL with a query string (FAQ 5: notify_url不能携带参数) -> 500 SYSTEM_ERROR 系统繁忙', async () => {
    const res = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'https://merchant.example.com/notify?a=1' },
    });
    expect([res.status, json(res).code, json(res).message]).toEqual([500, 'SYSTEM_ERROR', '系统繁忙']);
  });

  it('missing notify_url -> 400 PARAM_ERROR 回调url不能为空; missing mchid -> 回调商户不能为空', async () => {
    const noUrl = await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR } });
    expect(noUrl.status).toBe(400);
    expect(json(noUrl)).toEqual({
      code: 'PARAM_ERROR',
      message: '回调url不能为空',
      detail: { field: '/notify_url', value: null, issue: "must have required property 'notify_url'", location: 'body' },
    });
    const noMchid = await t.call('POST', '/v3/marketing/favor/callbacks', { body: { notify_url: 'https://a.example.com/n' } });
    expect(json(noMchid)).toMatchObject({ code: 'PARAM_ERROR', message: '回调商户不能为空' });
  });

  it('payload mchid of another merchant -> 400 PARAM_ERROR http header中的mchid与post payload中的mchid不匹配, nothing stored', async () => {
    const res = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: SAME_BRAND, notify_url: 'https://a.example.com/n' },
    });
    expect(res.status).toBe(400);
    expect(json(res)).toMatchObject({ code: 'PARAM_ERROR', message: 'http header中的mchid与post payload中的mchid不匹配' });
    expect(await notifyUrlOf(t, SAME_BRAND)).toBeUndefined();
    expect(await notifyUrlOf(t)).toBeUndefined();
  });

  it('an undeclared field -> 400 PARAM_ERROR 请求中含有未在API文档中定义的参数 with the JSON pointers', async () => {
    const res = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'https://a.example.com/n', extra: 1 },
    });
    expect(res.status).toBe(400);
    expect(json(res)).toEqual({
      code: 'PARAM_ERROR',
      message: '请求中含有未在API文档中定义的参数',
      detail: { location: null, value: ['/body/extra'] },
    });
  });

  it('a wrong type -> 400 PARAM_ERROR in the real wording', async () => {
    const res = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'https://a.example.com/n', switch: 'yes' },
    });
    expect(res.status).toBe(400);
    expect(json(res)).toEqual({
      code: 'PARAM_ERROR',
      message: '无法将传入参数“回调开关”转换为bool类型。',
      detail: { field: '/switch', value: 'yes', issue: 'must be boolean', location: 'body' },
    });
  });

  it('GET for another merchant -> 400 INVALID_REQUEST 非法的商户号; unknown merchant -> MCH_NOT_EXISTS; not set -> 404', async () => {
    const other = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${SAME_BRAND}`);
    expect([other.status, json(other).code, json(other).message]).toEqual([400, 'INVALID_REQUEST', '非法的商户号']);
    const unknown = await t.call('GET', '/v3/marketing/favor/callbacks?mchid=1999999999');
    expect([unknown.status, json(unknown).code, json(unknown).message]).toEqual([400, 'MCH_NOT_EXISTS', '商户号不合法']);
    const unset = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`);
    expect([unset.status, json(unset).code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    const missing = await t.call('GET', '/v3/marketing/favor/callbacks');
    expect([missing.status, json(missing).code, json(missing).message]).toEqual([400, 'PARAM_ERROR', '商户号必填']);
    expect(json(missing).detail).toMatchObject({ field: 'mchid', location: 'query' });
  });
});
