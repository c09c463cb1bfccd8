/**
 * Fidelity profiles (`fidelity: 'lenient' | 'real' | 'strict'`) and their overrides, through createApp /
 * startMock and real signed HTTP: each profile changes the behaviour it names, an override wins over
 * the profile, the older booleans still work as overrides, and a bad profile or check is refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, createSigner, OptionsError, startMock, type MockOptions } from '../mock-server/index.js';
import { err, FAVOR, NOW_MS, STOCKS, stockBody } from './helpers/favor.js';
import { CREATOR, json, newMock, type TestMock } from './helpers/mock.js';
import { uploadImage } from './helpers/image-upload.js';
import { png } from './helpers/images.js';
import { createBody, CREATE, NOW as PAYGIFT_NOW } from './helpers/paygift.js';

const CALLBACKS = `${FAVOR}/callbacks`;
const BUSY = [500, 'SYSTEM_ERROR', '系统繁忙'];
const FOREIGN_IMAGE = 'https://img.example.com/coupon.png';
const NO_HEADERS = { headers: { Accept: undefined, 'User-Agent': undefined } };
const setCallback = (t: TestMock) => t.call('POST', CALLBACKS, { body: { mchid: CREATOR, notify_url: 'http://127.0.0.1:3000/notify' } });
const foreignImageStock = (t: TestMock) => t.call('POST', STOCKS, { body: stockBody({ pattern_info: { coupon_image: FOREIGN_IMAGE } }) });

const mocks: TestMock[] = [];
async function mockWith(options: MockOptions): Promise<TestMock> {
  // Replies are not what these tests judge: without the reply self-check a mock starts in a fraction of the time.
  const t = await newMock({ validateResponses: false, ...options });
  mocks.push(t);
  await t.mock.clock.freeze(NOW_MS);
  return t;
}
afterAll(() => Promise.all(mocks.map((t) => t.mock.close())));

describe('fidelity profiles', () => {
  it('real (the default): Accept/User-Agent required, only issued media URLs, http notify URL on loopback accepted, no rate limit', async () => {
    const t = await mockWith({});
    expect([t.mock.options.fidelity, t.mock.options.checks]).toEqual([
      'real',
      {
        headers: 'required',
        mediaUrls: 'issued',
        imageSizes: 'any',
        notifyUrl: 'loopback-http',
        notOpenFields: 'journal',
        rateLimits: 'off',
        billUrls: 'mock',
      },
    ]);
    expect(err(await t.call('GET', '/v3/certificates', NO_HEADERS))).toEqual([400, 'INVALID_REQUEST', 'Http头缺少Accept或User-Agent']);
    expect(err(await foreignImageStock(t))).toEqual([400, 'PARAM_ERROR', '券详情图片仅支持通过《图片上传API》接口获取的图片URL地址']);
    for (let i = 0; i < 6; i++) expect((await setCallback(t)).status).toBe(200); // setCallback: 5/min per IP when enforced
  });

  it('lenient: a request without Accept/User-Agent and a foreign image URL are accepted', async () => {
    const t = await mockWith({ fidelity: 'lenient' });
    const res = await t.call('GET', '/v3/certificates', NO_HEADERS);
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect((await foreignImageStock(t)).status).toBe(200);
  });

  it('strict: an http notify URL is refused (500 系统繁忙), an x-not-open field too (400 PARAM_ERROR), and a burst answers 429', async () => {
    const t = await mockWith({ fidelity: 'strict' });
    for (let i = 0; i < 5; i++) expect(err(await setCallback(t))).toEqual(BUSY);
    expect(err(await setCallback(t))).toEqual([429, 'FREQUENCY_LIMIT_EXCEED', '接口限频']);
    await t.mock.clock.freeze(new Date(PAYGIFT_NOW));
    const body = await createBody(t);
    body.advanced_setting.payment_mode = { payment_scene_list: ['APP_SCENE'] };
    const res = await t.call('POST', CREATE, { body });
    expect([res.status, json(res).code, json(res).message]).toEqual([400, 'PARAM_ERROR', '请求中含有未在API文档中定义的参数']);
  });

  it('strict: stock images must have the documented pixel sizes (logo 120×120, coupon image 850×350); a 支付有礼 award thumbnail 120×120; real takes any size', async () => {
    const imageStock = async (t: TestMock, pattern: Record<string, [number, number]>) => {
      const pattern_info: Record<string, string> = {};
      for (const [key, [w, h]] of Object.entries(pattern))
        pattern_info[key] = (await uploadImage(t, png(w, h), `${key}.png`)).body.media_url;
      return t.call('POST', STOCKS, { body: stockBody({ pattern_info }) });
    };
    const strict = await mockWith({ fidelity: 'strict' });
    expect(strict.mock.options.checks.imageSizes).toBe('documented');
    expect(err(await imageStock(strict, { merchant_logo: [1, 1] }))).toEqual([400, 'PARAM_ERROR', '商户logo大小需为120像素*120像素']);
    expect(err(await imageStock(strict, { coupon_image: [350, 850] }))).toEqual([400, 'PARAM_ERROR', '券详情图片大小需为850像素*350像素']);
    const sized = await imageStock(strict, { merchant_logo: [120, 120], coupon_image: [850, 350] });
    expect(sized.status, sized.text).toBe(200);
    const real = await mockWith({});
    expect((await imageStock(real, { merchant_logo: [1, 1], coupon_image: [1, 1] })).status).toBe(200);
    const overridden = await mockWith({ fidelityOverrides: { imageSizes: 'documented' } });
    expect(err(await imageStock(overridden, { merchant_logo: [120, 121] }))).toEqual([
      400,
      'PARAM_ERROR',
      '商户logo大小需为120像素*120像素',
    ]);

    // 支付有礼: the award's small image is 120×120 too (its large image's size is only suggested).
    await overridden.mock.clock.freeze(new Date(PAYGIFT_NOW));
    const body = await createBody(overridden);
    expect(err(await overridden.call('POST', CREATE, { body }))).toEqual([400, 'PARAM_ERROR', '奖品小图大小需为120像素*120像素']);
    body.award_send_rule.award_list[0].thumbnail_url = (await uploadImage(overridden, png(120, 120), 'thumb.png')).body.media_url;
    const created = await overridden.call('POST', CREATE, { body });
    expect(created.status, created.text).toBe(200);
  });

  it('an override wins over the profile: strict with notifyUrl loopback-http accepts the local receiver, still limited', async () => {
    const t = await mockWith({ fidelity: 'strict', fidelityOverrides: { notifyUrl: 'loopback-http' } });
    expect(t.mock.options.checks).toMatchObject({ notifyUrl: 'loopback-http', notOpenFields: 'refuse', rateLimits: 'enforce' });
    for (let i = 0; i < 5; i++) expect((await setCallback(t)).status).toBe(200);
    expect(err(await setCallback(t))).toEqual([429, 'FREQUENCY_LIMIT_EXCEED', '接口限频']);
  });

  it('the older booleans are overrides too: relaxHeaders on real, strictNotifyUrl: false on strict', async () => {
    const relaxed = await mockWith({ relaxHeaders: true });
    expect((await relaxed.call('GET', '/v3/certificates', NO_HEADERS)).status).toBe(200);
    expect(relaxed.mock.options.checks.mediaUrls).toBe('issued'); // only the one check moved
    const strict = await mockWith({ fidelity: 'strict', strictNotifyUrl: false });
    expect((await setCallback(strict)).status).toBe(200);
  });

  it('startMock takes the profile: lenient over a real port answers a signed request without User-Agent', async () => {
    const running = await startMock({ fidelity: 'lenient' });
    try {
      const m = running.credentials.merchants[0];
      const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
      // fetch adds a User-Agent of its own when none is set; an empty one is what "missing" means to the check.
      const res = await fetch(`${running.url}/v3/certificates`, {
        headers: { ...signer.headers('GET', '/v3/certificates'), 'User-Agent': '' },
      });
      expect(res.status).toBe(200);
      expect(running.options.fidelity).toBe('lenient');
    } finally {
      await running.close();
    }
  });
});

describe('fidelity options are checked', () => {
  it('an unknown profile, check or value, and an alias that contradicts an override → OptionsError naming it', async () => {
    await expect(createApp({ fidelity: 'paranoid' as 'strict' })).rejects.toThrow(
      new OptionsError('wxpay-mock: option fidelity must be lenient, real, strict, got "paranoid"'),
    );
    await expect(createApp({ fidelityOverrides: { header: 'optional' } as object })).rejects.toThrow(
      new OptionsError('wxpay-mock: unknown fidelity check "header" (did you mean headers?)'),
    );
    await expect(createApp({ fidelityOverrides: { notifyUrl: 'https' as 'loopback-http' } })).rejects.toThrow(
      new OptionsError('wxpay-mock: fidelityOverrides.notifyUrl must be loopback-http or https-reachable, got "https"'),
    );
    await expect(createApp({ fidelityOverrides: [] as object })).rejects.toThrow(
      /fidelityOverrides must be an object of fidelity checks, got an array/,
    );
    await expect(createApp({ relaxHeaders: true, fidelityOverrides: { headers: 'required' } })).rejects.toThrow(
      /relaxHeaders: true and fidelityOverrides.headers: "required" disagree/,
    );
  });
});
