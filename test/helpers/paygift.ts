/**
 * 支付有礼 test helpers: a valid create body (fixture stocks, the creator's mini program), images from
 * the mock's own upload, and short-hands for the eight endpoints.
 */
import { uploadImage } from './image-upload.js';
import { CREATOR, json, type TestMock } from './mock.js';
import { PNG } from './images.js';

export const PAYGIFT = '/v3/marketing/paygiftactivity';
export const CREATE = `${PAYGIFT}/unique-threshold-activity`;

/** Virtual "now" of the suite: a month before the default activity begins. */
export const NOW = '2026-03-01T00:00:00+08:00';
export const BEGIN = '2026-04-01T00:00:00+08:00';
export const END = '2026-05-01T00:00:00+08:00';

/** Fixture 商家券 stocks (fixtures/world.json). */
export const STOCK = {
  normal: '1212000000000001', // creator's, 2025–2030, WECHATPAY_MODE
  shortLived: '1212000000000002', // creator's, January 2026 only
  uploadNoCodes: '1212000000000003', // MERCHANT_UPLOAD, codes not uploaded
  uploadWithCodes: '1212000000000004', // MERCHANT_UPLOAD, codes uploaded
  packA: '1212000000000011', // A, B, C: same inventory, per-user limit, owner, validity
  packB: '1212000000000012',
  packC: '1212000000000013',
  packD: '1212000000000014', // other inventory and per-user limit
  packE: '1212000000000015', // E, F: like A–C (a package of five)
  packF: '1212000000000016',
  otherPerUser: '1212000000000017', // like A but max_coupons_per_user 2
  otherInventory: '1212000000000018', // like A but max_coupons 3000
  otherOwner: '1212000000000019', // like A but owned by 1900000002 (same brand)
  otherValidity: '1212000000000020', // like A but valid from 2025-06-01 (still covers the activity)
  sameBrand: '1212000000000021', // owned by 1900000002 (brand 120344)
  otherBrand: '1212000000000031', // owned by 1900000003 (brand 120999)
} as const;

export const MINI_APP = 'wx1a2b3c4d5e6f7001'; // bound to 1900000001
export const OTHER_MINI_APP = 'wx1a2b3c4d5e6f7003'; // bound to 1900000002

/**
 * Uploads an image through POST /v3/marketing/favor/media/image-upload (multipart, the signature over
 * the `meta` JSON) and answers its media_url: the only kind of URL 支付有礼 accepts for its images.
 */
export async function uploadedImage(t: TestMock, filename = 'logo.png', mchid = CREATOR): Promise<string> {
  const res = await uploadImage(t, PNG, filename, mchid);
  if (res.status !== 200) throw new Error(`image upload failed: ${res.status} ${res.text}`);
  return (res.body as { media_url: string }).media_url;
}

export async function createBody(t: TestMock, outRequestNo = 'PG20260301001') {
  const logo = await uploadedImage(t, 'logo.png');
  const award = await uploadedImage(t, 'award.png');
  return {
    activity_base_info: {
      activity_name: '春季满额送',
      activity_second_title: '满100送券',
      merchant_logo_url: logo,
      background_color: 'COLOR010',
      begin_time: BEGIN,
      end_time: END,
      available_periods: {
        available_time: [{ begin_time: BEGIN, end_time: END }],
        available_day_time: [{ begin_day_time: '110000', end_day_time: '135959' }],
      },
      out_request_no: outRequestNo,
      delivery_purpose: 'JUMP_MINI_APP',
      mini_programs_appid: MINI_APP,
      mini_programs_path: '/pages/index/index',
    } as Record<string, any>,
    award_send_rule: {
      transaction_amount_minimum: 10000,
      send_content: 'SINGLE_COUPON',
      award_type: 'BUSIFAVOR',
      award_list: [{ stock_id: STOCK.normal, original_image_url: award, thumbnail_url: award }] as Record<string, any>[],
      merchant_option: 'MANUAL_INPUT_MERCHANT',
      merchant_id_list: ['1900000001', '1900000002'],
    } as Record<string, any>,
    advanced_setting: {
      delivery_user_category: 'DELIVERY_ALL_PERSON',
      goods_tags: ['spring'],
    } as Record<string, any>,
  };
}

export type CreateBody = Awaited<ReturnType<typeof createBody>>;

/** Status, code and message of an error reply, for one-line assertions. */
export function failure(res: { status: number; body: unknown }) {
  const body = json(res as never);
  return [res.status, body.code, body.message];
}

export async function createActivity(t: TestMock, body: unknown, mchid?: string): Promise<string> {
  const res = await t.call('POST', CREATE, { body, mchid });
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${(res.body as Buffer).toString()}`);
  return json(res).activity_id;
}
