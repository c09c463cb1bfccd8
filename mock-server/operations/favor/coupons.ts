/**
 * 代金券 coupons (api-reference.md §2.5, §2.8, §2.11): send one, read one, list a user's.
 *
 * Send is exact under concurrency: every check and the write happen in one synchronous step (no await
 * between reading the counters and `ctx.mutate`), and Node runs one handler step at a time, so 100
 * parallel sends against 10 remaining coupons issue exactly 10.
 *
 * Check order (ours; the real order is not documented): not-open fields, idempotency, the appid and
 * openid binding, the stock and its creator, the sender's authorization, the stock's state and window,
 * budget (total, then the day), the per-user and natural-person caps, the platform's monthly risk cap.
 */
import { assert } from '../../errors.js';
import { priorRequest, requestFingerprint } from '../../store/idempotency.js';
import { rfc3339 } from '../../time.js';
import type { FamilyHandlers, OperationContext } from '../types.js';
import { appidMayReceive, appidPairedWith, senderMayUse } from './send-authorization.js';
import {
  addUserMonthAmount,
  couponsOfUser,
  findCoupon,
  findStock,
  insertCoupon,
  recordSend,
  sendRequestsOf,
  stockOfCoupon,
  updateStock,
  userMonthAmount,
} from './repository.js';
import {
  couponStatus,
  couponView,
  cstDay,
  cstMonth,
  nextCouponId,
  nextCstMidnight,
  stockStatus,
  type FavorCoupon,
  type FavorStock,
} from './state.js';
import { FAVOR_MESSAGES, pageOf } from './stocks.js';

export const SEND_MESSAGES = {
  // Observed for a wrong stock_creator_mchid and for a stray coupon_value (api-reference.md §5).
  generic: '参数错误，请核对文档要求',
  notRunning: '活动已结束或未激活',
  budget: '批次预算不足',
  userLimit: '用户被限领拦截',
  // Observed (samples/errors/send-coupon.403.user-limit.json) when concurrent sends raced the per-user cap.
  userLimitRace: '用户已达最大领券次数',
  // Favor error table: a user the risk control flags, with prevent_api_abuse on.
  userAbnormal: '用户非法',
  personLimit: '超过自然人最大限领数',
  noRight: '商户无权发券',
  crossMerchant: '批次不支持跨商户发券',
  openidMismatch: 'openid与appid不匹配',
  // Platform risk rule: one creator gives one user at most 5000 CNY a calendar month (§2.5, observed text).
  monthlyCap: '暂时无法领取，请联系商家处理。',
  couponNotFound: '查询不到该券，请确认批次号与coupon_code是否匹配',
  mchidRequired: '商户号必填',
} as const;

/** 5000 CNY per user, creator and calendar month (CST), in fen. */
export const MONTHLY_USER_CAP = 500_000;

/**
 * The appid is bound to the caller (or an established APPID partner of it, send-authorization.ts), and
 * the openid was issued under it (§2.5, §2.8, §2.11).
 */
export function checkUserBinding(ctx: OperationContext, appid: string, openid: string, location: 'body' | 'query'): void {
  assert(appidPairedWith(ctx.world, ctx.data, appid, ctx.mchid), 'APPID_MCHID_NOT_MATCH', FAVOR_MESSAGES.appidMismatch, {
    field: location === 'body' ? '/appid' : 'appid',
    value: appid,
    issue: 'appid is not bound to the calling merchant',
    location,
  });
  assert(ctx.world.usersByOpenid.get(openid)?.appid === appid, 'INVALID_REQUEST', SEND_MESSAGES.openidMismatch, {
    field: 'openid',
    value: openid,
    issue: 'openid was not issued under this appid',
    location: 'url',
  });
}

/**
 * A coupon's own window (our reading of §2.1 coupon_available_time): the stock's window by default;
 * `second_day_available` starts it at the next midnight (CST); `available_time_after_receive` makes it
 * last that many minutes from receipt (or from that midnight), never past the stock's end. Weekly
 * `fix_available_time` windows do not move the dates: they are checked when the coupon is used.
 */
export function couponWindow(stock: FavorStock, receivedMs: number): { begin: number; end: number } {
  const t = stock.body.coupon_use_rule.coupon_available_time;
  let begin = stock.begin_ms;
  let end = stock.end_ms;
  if (t?.second_day_available) begin = nextCstMidnight(receivedMs);
  if (t?.available_time_after_receive !== undefined) {
    if (!t.second_day_available) begin = receivedMs;
    end = Math.min(begin + t.available_time_after_receive * 60_000, stock.end_ms);
  }
  return { begin, end };
}

/**
 * When (performance.now) each stock|openid reached its per-user cap, to tell a send that was in flight
 * at that moment from a later one. Not state: a race is over once answered. Per state document, so a
 * reset (or another mock in the same process) starts clean.
 */
const capTimes = new WeakMap<object, Map<string, number>>();
function capReachedAt(ctx: OperationContext): Map<string, number> {
  let times = capTimes.get(ctx.data);
  if (!times) capTimes.set(ctx.data, (times = new Map()));
  return times;
}

/** The caller may see a coupon it created the stock of, or sent (wechatpay-go ListCouponsByFilter note). */
const visibleTo = (coupon: FavorCoupon, mchid: string) => coupon.creator_mchid === mchid || coupon.sender_mchid === mchid;

export const favorCouponHandlers = {
  'favor.sendCoupon': (ctx) => {
    const { openid } = ctx.params;
    const body = ctx.body;
    // "Specified face value" is not open (§2.5): observed 参数错误，请核对文档要求.
    for (const key of ['coupon_value', 'coupon_minimum'] as const) {
      assert(body[key] === undefined, 'PARAM_ERROR', SEND_MESSAGES.generic, {
        field: `/${key}`,
        value: body[key],
        issue: `${key} is not open`,
        location: 'body',
      });
    }

    // Idempotent on the sender's out_request_no: the same request answers the same coupon, even after
    // the budget ran out or the stock was paused; another request with that number is refused.
    const fingerprint = requestFingerprint({ openid, ...body });
    const prior = priorRequest(sendRequestsOf(ctx.data, ctx.mchid), body.out_request_no, fingerprint, FAVOR_MESSAGES.reentry);
    if (prior) return { body: { coupon_id: prior.id } };

    checkUserBinding(ctx, body.appid, openid, 'body');
    const stock = findStock(ctx.data, body.stock_id);
    assert(stock, 'RESOURCE_NOT_EXISTS', FAVOR_MESSAGES.stockNotFound);
    assert(stock.creator_mchid === body.stock_creator_mchid, 'PARAM_ERROR', SEND_MESSAGES.generic, {
      field: '/stock_creator_mchid',
      value: body.stock_creator_mchid,
      issue: 'the stock was not created by this merchant',
      location: 'body',
    });
    assert(senderMayUse(ctx.data, stock, ctx.mchid), 'REQUEST_BLOCKED', SEND_MESSAGES.noRight);
    assert(appidMayReceive(ctx.world, ctx.data, stock, ctx.mchid, body.appid), 'REQUEST_BLOCKED', SEND_MESSAGES.crossMerchant);

    const now = ctx.clock.nowMs();
    assert(
      stockStatus(stock, now) === 'running' && now >= stock.begin_ms && now <= stock.end_ms,
      'INVALID_REQUEST',
      SEND_MESSAGES.notRunning,
    );

    const use = stock.body.stock_use_rule;
    const amount = stock.body.coupon_use_rule.fixed_normal_coupon.coupon_amount;
    assert(
      stock.distributed_coupons < use.max_coupons && stock.distributed_amount + amount <= use.max_amount,
      'NOT_ENOUGH',
      SEND_MESSAGES.budget,
    );
    const day = cstDay(now);
    // The day's budget spent: the same answer as the whole budget (our choice; no distinct text is documented).
    if (use.max_amount_by_day !== undefined)
      assert((stock.sent_by_day[day] ?? 0) + amount <= use.max_amount_by_day, 'NOT_ENOUGH', SEND_MESSAGES.budget);

    if ((stock.per_user[openid] ?? 0) >= use.max_coupons_per_user) {
      // Two answers are seen for the per-user cap: REQUEST_BLOCKED 用户被限领拦截 (the error table) and
      // RULE_LIMIT 用户已达最大领券次数, reported when concurrent sends raced the cap (api-reference.md
      // §5). So: a send that was already in flight when another send reached the cap → RULE_LIMIT; a send
      // that arrived after that (a sequential client, a later retry) → REQUEST_BLOCKED.
      const cappedAt = capReachedAt(ctx).get(`${stock.stock_id}|${openid}`);
      if (cappedAt !== undefined && ctx.receivedAt < cappedAt) assert(false, 'RULE_LIMIT', SEND_MESSAGES.userLimitRace);
      assert(false, 'REQUEST_BLOCKED', SEND_MESSAGES.userLimit);
    }
    const person = ctx.world.usersByOpenid.get(openid)!.person_id;
    // Several accounts of one natural person count as one user (fixtures: person_id). Observed code/text.
    if (use.natural_person_limit)
      assert((stock.per_person[person] ?? 0) < use.max_coupons_per_user, 'USER_AL_GET_COUPON', SEND_MESSAGES.personLimit);

    // prevent_api_abuse: "risky users (fraud, bots, alt accounts) fail to receive" (§2.1); the fixtures
    // flag such a user (`risky`). Without prevent_api_abuse the stock does not ask, and it receives.
    if (use.prevent_api_abuse) assert(!ctx.world.usersByOpenid.get(openid)!.risky, 'USER_ACCOUNT_ABNORMAL', SEND_MESSAGES.userAbnormal);

    const monthKey = `${openid}|${cstMonth(now)}`;
    assert(
      userMonthAmount(ctx.data, stock.creator_mchid, monthKey) + amount <= MONTHLY_USER_CAP,
      'INVALID_REQUEST',
      SEND_MESSAGES.monthlyCap,
    );

    const receivedBefore = stock.per_user[openid] ?? 0;
    const window = couponWindow(stock, now);
    const couponId = ctx.mutate((data) => {
      const id = nextCouponId(data);
      updateStock(data, stock, (s) => {
        s.distributed_coupons += 1;
        s.distributed_amount += amount;
        s.sent_by_day[day] = (s.sent_by_day[day] ?? 0) + amount;
        s.per_user[openid] = (s.per_user[openid] ?? 0) + 1;
        s.per_person[person] = (s.per_person[person] ?? 0) + 1;
      });
      addUserMonthAmount(data, stock.creator_mchid, monthKey, amount);
      insertCoupon(data, {
        coupon_id: id,
        stock_id: stock.stock_id,
        creator_mchid: stock.creator_mchid,
        sender_mchid: ctx.mchid,
        appid: body.appid,
        openid,
        out_request_no: body.out_request_no,
        create_time: rfc3339(now, { millis: true }),
        create_ms: now,
        begin_ms: window.begin,
        end_ms: window.end,
        status: 'SENDED',
      });
      recordSend(data, ctx.mchid, body.out_request_no, { fingerprint, id });
      return id;
    });
    if (receivedBefore + 1 >= use.max_coupons_per_user) capReachedAt(ctx).set(`${stock.stock_id}|${openid}`, performance.now());
    return { body: { coupon_id: couponId } };
  },

  'favor.getCoupon': (ctx) => {
    const { openid, coupon_id } = ctx.params;
    const { appid } = ctx.query;
    checkUserBinding(ctx, appid, openid, 'query');
    const coupon = findCoupon(ctx.data, coupon_id);
    // Another user's coupon, or one the caller neither created the stock of nor sent: as if unknown.
    assert(coupon && coupon.openid === openid && visibleTo(coupon, ctx.mchid), 'RESOURCE_NOT_EXISTS', SEND_MESSAGES.couponNotFound);
    return { body: couponView(coupon, stockOfCoupon(ctx.data, coupon), ctx.clock.nowMs()) };
  },

  /**
   * §2.11, precedence as documented: creator_mchid wins over available_mchid (and, ours, over
   * sender_mchid, which the old doc marks "not open" but the SDKs still send; sender_mchid wins over
   * available_mchid). One of them is required (商户号必填).
   * - creator_mchid / sender_mchid: the coupons of stocks it created / that it sent, never EXPIRED ones;
   *   status=SENDED → usable only; status=USED or none → usable and redeemed; stock_id filters.
   * - available_mchid: usable coupons whose stock may be used there; stock_id, status, offset and
   *   limit are ignored — every match in one page (offset 0, limit = the count).
   * Always only coupons the caller created the stock of or sent. Newest first (ours).
   */
  'favor.listUserCoupons': (ctx) => {
    const { openid } = ctx.params;
    const q = ctx.query;
    checkUserBinding(ctx, q.appid, openid, 'query');
    assert(q.creator_mchid ?? q.sender_mchid ?? q.available_mchid, 'PARAM_ERROR', SEND_MESSAGES.mchidRequired, {
      field: 'creator_mchid',
      value: null,
      issue: 'one of creator_mchid, sender_mchid, available_mchid is required',
      location: 'query',
    });

    const now = ctx.clock.nowMs();
    const mine = couponsOfUser(ctx.data, openid, q.appid)
      .filter((coupon) => visibleTo(coupon, ctx.mchid))
      .map((coupon) => ({ coupon, stock: stockOfCoupon(ctx.data, coupon) }));
    mine.sort((a, b) => b.coupon.create_ms - a.coupon.create_ms || Number(b.coupon.coupon_id) - Number(a.coupon.coupon_id));

    if (q.creator_mchid === undefined && q.sender_mchid === undefined) {
      const rows = mine.filter(
        ({ coupon, stock }) =>
          couponStatus(coupon, now) === 'SENDED' && stock.body.coupon_use_rule.available_merchants.includes(q.available_mchid!),
      );
      return {
        body: {
          data: rows.map(({ coupon, stock }) => couponView(coupon, stock, now)),
          total_count: rows.length,
          limit: rows.length,
          offset: 0,
        },
      };
    }

    const rows = mine.filter(({ coupon }) => {
      if (q.creator_mchid !== undefined ? coupon.creator_mchid !== q.creator_mchid : coupon.sender_mchid !== q.sender_mchid) return false;
      if (q.stock_id !== undefined && coupon.stock_id !== q.stock_id) return false;
      const status = couponStatus(coupon, now);
      if (status === 'EXPIRED') return false;
      return q.status === 'SENDED' ? status === 'SENDED' : true;
    });
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 20;
    return {
      body: {
        data: pageOf(rows, offset, limit).map(({ coupon, stock }) => couponView(coupon, stock, now)),
        total_count: rows.length,
        limit,
        offset,
      },
    };
  },
} satisfies FamilyHandlers;
