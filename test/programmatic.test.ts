import { describe, expect, it } from 'vitest';
import { createApp, createSigner, startMock } from '../mock-server/index.js';
import { loadWorld } from '../mock-server/world.js';

describe('programmatic API', () => {
  it('startMock serves on a free loopback port and exposes url, credentials, clock, reset, journal, close', async () => {
    const mock = await startMock();
    try {
      expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const m = mock.credentials.merchants[0];
      const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
      const res = await fetch(`${mock.url}/v3/certificates`, { headers: signer.headers('GET', '/v3/certificates') });
      expect(res.status).toBe(200);
      expect(res.headers.get('wechatpay-serial')).toBe(mock.credentials.platform_serial_no);
      await mock.clock.freeze(Date.parse('2027-01-01T00:00:00Z'));
      expect(mock.clock.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
      expect(mock.journal()).toHaveLength(1);
      await mock.reset();
      expect(mock.journal()).toHaveLength(0);
      expect(mock.clock.frozen).toBe(false);
    } finally {
      await mock.close();
    }
    await expect(fetch(`${mock.url}/_mock/health`)).rejects.toThrow();
  });

  it('createApp runs requests in process, without a port', async () => {
    const mock = await createApp();
    const m = mock.credentials.merchants[1];
    const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    const res = await mock.request('/v3/certificates', { headers: signer.headers('GET', '/v3/certificates') });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { serial_no: string }[] };
    expect(body.data[0].serial_no).toBe(mock.credentials.platform_serial_no);
  });

  it('--seed adds the same users and goods for the same seed, others for another', async () => {
    const base = await loadWorld();
    const a = await loadWorld({ seed: 42 });
    const b = await loadWorld({ seed: 42 });
    const c = await loadWorld({ seed: 7 });
    expect(a.users.length).toBeGreaterThan(base.users.length);
    expect(a.goods.length).toBeGreaterThan(base.goods.length);
    expect(a.users).toEqual(b.users);
    expect(a.goods).toEqual(b.goods);
    expect(c.users).not.toEqual(a.users);
    // Every seeded user belongs to a fixture appid.
    for (const u of a.users) expect(a.appids.has(u.appid)).toBe(true);
  });
});
