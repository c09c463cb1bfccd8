/**
 * The README's vitest example (section "COUPON.USE callbacks"), run as it is written. Only the import
 * specifier differs: `'wxpay-mock'` in the README, the package entry's source here (as the other
 * tests import it, so no build is needed). test/callbacks.test.ts checks that the README block and
 * this file stay identical.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCallbackReceiver, createSigner, startMock, type CallbackReceiver, type RunningMock } from '../mock-server/index.js';

let mock: RunningMock;
let receiver: CallbackReceiver;
let call: (method: string, path: string, body?: object) => Promise<any>;

beforeAll(async () => {
  mock = await startMock(); // a free port, in memory
  const m = mock.credentials.merchants[0]; // 1900000001, the coupon creator (certificate mode)
  receiver = await createCallbackReceiver({ credentials: mock.credentials, mchid: m.mchid });
  const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
  call = async (method, path, body) => {
    const text = body && JSON.stringify(body);
    const res = await fetch(mock.url + path, { method, body: text, headers: signer.headers(method, path, text) });
    return res.json();
  };
  await call('POST', '/v3/marketing/favor/callbacks', { mchid: m.mchid, notify_url: receiver.url }); // or your handler's URL
});
afterAll(async () => {
  await receiver.close();
  await mock.close();
});

it('my notify handler gets a verified, decrypted COUPON.USE, and the same id again after a 500', async () => {
  await mock.clock.freeze(new Date('2027-01-04T10:00:00+08:00'));
  const { stock_id } = await call('POST', '/v3/marketing/favor/coupon-stocks', {
    stock_name: '满10减1',
    belong_merchant: '1900000001',
    available_begin_time: '2027-01-04T10:00:00+08:00',
    available_end_time: '2027-01-31T23:59:59+08:00',
    no_cash: true,
    stock_type: 'NORMAL',
    out_request_no: 'STOCK-1',
    stock_use_rule: { max_coupons: 10, max_amount: 1000, max_coupons_per_user: 1, natural_person_limit: false, prevent_api_abuse: false },
    coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 1000 }, available_merchants: ['1900000001'] },
  });
  await call('POST', `/v3/marketing/favor/stocks/${stock_id}/start`, { stock_creator_mchid: '1900000001' });
  const openid = 'od3htb2NrLTEtdXNlci0xX19fX19'; // a fixture user of appid wx1a2b3c4d5e6f7001
  const { coupon_id } = await call('POST', `/v3/marketing/favor/users/${openid}/coupons`, {
    stock_id,
    stock_creator_mchid: '1900000001',
    appid: 'wx1a2b3c4d5e6f7001',
    out_request_no: 'SEND-1',
  });

  receiver.respond([{ status: 500 }]); // the first answer fails, then the receiver answers 204
  const { delivery } = await mock.useCoupon(coupon_id, { transaction_id: '4200000000202701040000000001' });
  await mock.deliveries.waitFor(delivery!.record.id, { attempts: 1 });
  await mock.clock.advance(60_000); // the retry is due a virtual minute later: no waiting
  expect((await delivery!.settled).state).toBe('delivered');

  const [first, second] = await receiver.waitFor(2);
  expect(second.id).toBe(first.id); // a retry is the same notification
  expect(second.verified).toBe(true); // signature, serial and timestamp check out
  expect(second.plaintext).toMatchObject({
    coupon_id,
    stock_id,
    status: 'USED',
    consume_information: { transaction_id: '4200000000202701040000000001' },
  });
});
