/**
 * 代金券 stocks (api-reference.md §2.1–2.4, §2.6, §2.7, §2.9, §2.10, §6): create, the state machine
 * (start / pause / restart / stop), detail, list, available merchants and items.
 *
 * Create rules beyond the contract's JSON Schema, with the codes the real server answers:
 * - the developer guide's FAQ (seed 000 §4) lists what answers 403 NO_AUTH 你配置的信息需要开通特殊权限:
 *   a name over 9 Chinese characters, 0 per-user (and per-day) limits, a face value outside 10–100000
 *   fen, a relative validity outside 1–1440 minutes, a threshold outside 0.1–100000 CNY, a stock type
 *   other than NORMAL, unusable time parameters. `max_coupons_per_user` > 60 answered the same, observed.
 * - where an observed real response says otherwise it wins: threshold not above the face value →
 *   400 PARAM_ERROR 券面额必须大于0 (observed, although the FAQ lists it under NO_AUTH); a window over
 *   90 days → 403 REQUEST_BLOCKED "活动未开始或已结束\n" (FAQ 3 and several real responses, trailing
 *   newline included, although FAQ 1 also lists it) — and so is every other window problem (begin in
 *   the past or > 365 days ahead, end not after begin): our choice, it is the message about the window.
 * - budget = face value × count → 400 PARAM_ERROR 批次预算等于批次面额乘以发券数 (FAQ 2, observed).
 */
import { assert } from '../../errors.js';
import { priorRequest, requestFingerprint } from '../../store/idempotency.js';
import { parseRfc3339, rfc3339 } from '../../time.js';
import { documentedSizeProblem, isIssuedMediaUrl, issuedMedia, type ImageExt } from './media.js';
import type { FamilyHandlers, OperationContext } from '../types.js';
import type { FavorCreateStockBody } from '../../contract/generated/operations.js';
import { senderMayUse } from './send-authorization.js';
import { allStocks, createRequestsOf, findStock, insertStock, stockOf, stocksOf, updateStock } from './repository.js';
import {
  nextStockId,
  stockStatus,
  stockView,
  type CreateStockBody,
  type FavorStock,
  type StockStatus,
  type StoredStockStatus,
} from './state.js';

export const FAVOR_MESSAGES = {
  specialPermission: '你配置的信息需要开通特殊权限',
  // Trailing newline as the real server sends it (samples/errors/create-stock.403.blocked-time.json).
  window: '活动未开始或已结束\n',
  budget: '批次预算等于批次面额乘以发券数',
  faceValue: '券面额必须大于0',
  goodsTagRequired: '参数“订单优惠标记”是必填项',
  rule: '批次发放规则或核销规则有误，请修改后重试',
  mchidMismatch: 'http header中的mchid与post payload中的mchid不匹配',
  reentry: '创建请求重入，但本次请求与上次请求信息不一致',
  stockNotFound: '批次不存在',
  badStatus: '非法的批次状态',
  mchNotExists: '商户号不合法',
  illegalMchid: '非法的商户号',
  appidMismatch: '商户号与appid不匹配',
  balance: '激活失败:账户余额不足,请充值',
  busy: '系统繁忙',
  // Start of a stock still under review: the observed RULE_LIMIT "…暂不允许激活，请稍后重试" (samples/errors/
  // start-stock.403.rule-limit.json, a directed stock whose user package was still importing) is the
  // real API's answer to "not activatable yet, retry later"; the review is named in our wording.
  inReview: '批次审核中，暂不允许激活，请稍后重试',
  // list-stocks with no rows (samples/errors/list-stocks.404.empty.json).
  listEmpty: '查询不到该券，请确认批次号与coupon_code是否匹配',
} as const;

const DAY_MS = 86_400_000;
/** Developer guide §3.2.1: 不能创建365天后开始的批次; 批次可用时间范围最长为90天. */
const MAX_BEGIN_AHEAD_MS = 365 * DAY_MS;
const MAX_SPAN_MS = 90 * DAY_MS;
/** FAQ 4 (seed 000 §4): 激活 fails with 系统繁忙 once an available merchant runs 500 stocks. */
const MAX_RUNNING_PER_MERCHANT = 500;

/**
 * The stock's images and their documented limits (api-reference.md §2.1 l.159: the logo 120×120 px,
 * JPG/JPEG/PNG under 1 MB; l.162: the coupon image 850×350 px, JPG/PNG up to 2 MB). Texts ours, in the
 * doc's words (the real ones are not documented). The pixel sizes only with the fidelity check
 * `imageSizes: 'documented'` (the strict profile): no refusal of another size is on record, and test
 * images rarely have them (docs/reference/fidelity.md).
 */
const STOCK_IMAGES = [
  {
    key: 'merchant_logo',
    label: '商户logo',
    typeMessage: '商户logo仅支持JPG/JPEG/PNG格式，且图片小于1M',
    maxBytes: 1024 * 1024,
    exclusive: true,
    pixels: [120, 120],
  },
  {
    key: 'coupon_image',
    label: '券详情图片',
    typeMessage: '券详情图片仅支持JPG/PNG格式，且图片不超过2M',
    maxBytes: 2 * 1024 * 1024,
    exclusive: false,
    pixels: [850, 350],
  },
] as const;

/** A field rule: 400 PARAM_ERROR with the pipeline's detail shape. */
function paramCheck(condition: unknown, message: string, field: string, value: unknown, issue: string): asserts condition {
  assert(condition, 'PARAM_ERROR', message, { field, value: value ?? null, issue, location: 'body' });
}

function specialPermission(condition: unknown): asserts condition {
  assert(condition, 'NO_AUTH', FAVOR_MESSAGES.specialPermission);
}
function windowCheck(condition: unknown): asserts condition {
  assert(condition, 'REQUEST_BLOCKED', FAVOR_MESSAGES.window);
}
function ruleCheck(condition: unknown): asserts condition {
  assert(condition, 'INVALID_REQUEST', FAVOR_MESSAGES.rule);
}

/**
 * "≤ 9 Chinese characters or ≤ 20 letters" read for mixed text (our reading): at most `maxWide`
 * non-ASCII characters, each counting floor(maxUnits / maxWide) units, and at most `maxUnits` units.
 */
export function fitsNameRule(text: string, maxWide: number, maxUnits: number): boolean {
  const chars = [...text];
  const wide = chars.filter((c) => c.codePointAt(0)! > 0x7f).length;
  return wide <= maxWide && wide * Math.floor(maxUnits / maxWide) + (chars.length - wide) <= maxUnits;
}

const isDigits = (s: string) => /^[0-9]+$/.test(s);

function brandOf(ctx: OperationContext, mchid: string): string | undefined {
  return ctx.world.merchants.get(mchid)?.merchant.brand_id;
}

function checkCreateRules(
  ctx: OperationContext,
  body: FavorCreateStockBody,
  beginMs: number,
  endMs: number,
): asserts body is CreateStockBody {
  const now = ctx.clock.nowMs();
  const use = body.stock_use_rule;
  const rule = body.coupon_use_rule;

  // FAQ 6: only NORMAL is open; the SDK enum's other types need special permission.
  specialPermission(body.stock_type === 'NORMAL');
  // FAQ 1: 批次名称最多9个中文汉字 / 20个字母.
  specialPermission(fitsNameRule(body.stock_name, 9, 20));

  // The window. "Not earlier than now" at second precision (the begin of the current second passes).
  windowCheck(beginMs >= now - (now % 1000));
  windowCheck(beginMs - now <= MAX_BEGIN_AHEAD_MS);
  windowCheck(endMs > beginMs);
  windowCheck(endMs - beginMs <= MAX_SPAN_MS);

  // Face value and threshold (stock_type NORMAL requires fixed_normal_coupon, Go SDK CouponRule).
  const fixed = rule.fixed_normal_coupon;
  paramCheck(
    fixed,
    '参数“固定面额满减券使用规则”是必填项',
    '/coupon_use_rule/fixed_normal_coupon',
    undefined,
    'required when stock_type is NORMAL',
  );
  paramCheck(
    fixed.coupon_amount > 0,
    FAVOR_MESSAGES.faceValue,
    '/coupon_use_rule/fixed_normal_coupon/coupon_amount',
    fixed.coupon_amount,
    'coupon_amount must be above 0',
  );
  // Observed: threshold 100 with face value 1000 answered 券面额必须大于0 (samples/errors/create-stock.400.threshold-not-above-amount.*).
  paramCheck(
    fixed.transaction_minimum > fixed.coupon_amount,
    FAVOR_MESSAGES.faceValue,
    '/coupon_use_rule/fixed_normal_coupon/transaction_minimum',
    fixed.transaction_minimum,
    'transaction_minimum must be above coupon_amount',
  );
  // FAQ 3 and 5: 10 ≤ coupon_amount ≤ 100000 (fen); 0.1 CNY ≤ threshold ≤ 100000 (taken as CNY: 10 … 10,000,000 fen, our reading).
  specialPermission(fixed.coupon_amount >= 10 && fixed.coupon_amount <= 100_000);
  specialPermission(fixed.transaction_minimum >= 10 && fixed.transaction_minimum <= 10_000_000);

  // FAQ 2: the budget.
  paramCheck(
    use.max_amount === fixed.coupon_amount * use.max_coupons,
    FAVOR_MESSAGES.budget,
    '/stock_use_rule/max_amount',
    use.max_amount,
    'max_amount must equal coupon_amount × max_coupons',
  );

  // FAQ 1 item 2 and the observed max_coupons_per_user=100: 1 … 60.
  specialPermission(use.max_coupons_per_user >= 1 && use.max_coupons_per_user <= 60);
  paramCheck(
    use.max_coupons_per_user <= use.max_coupons,
    '单个用户可领个数不能大于发放总上限',
    '/stock_use_rule/max_coupons_per_user',
    use.max_coupons_per_user,
    'max_coupons_per_user must not exceed max_coupons',
  );
  if (use.max_amount_by_day !== undefined) {
    // FAQ 1 item 2 (单天发放个数上限不能为0) read for the daily limit too.
    specialPermission(use.max_amount_by_day > 0);
    paramCheck(
      use.max_amount_by_day <= use.max_amount,
      '单天预算发放上限不能大于总预算',
      '/stock_use_rule/max_amount_by_day',
      use.max_amount_by_day,
      'max_amount_by_day must not exceed max_amount',
    );
  }

  const time = rule.coupon_available_time;
  if (time) {
    // FAQ 9: 不可使用的时间参数不可以传递 — begin/end inside coupon_available_time are not usable (absent from the SDKs).
    specialPermission(time.available_begin_time === undefined && time.available_end_time === undefined);
    if (time.available_time_after_receive !== undefined) {
      // FAQ 4: 1min ≤ available_time_after_receive ≤ 1440min.
      specialPermission(time.available_time_after_receive >= 1 && time.available_time_after_receive <= 1440);
    }
    // Fixed weekly windows and "valid N minutes after receipt" exclude each other (§2.1).
    ruleCheck(!(time.fix_available_time && time.available_time_after_receive !== undefined));
    if (time.fix_available_time) ruleCheck(time.fix_available_time.begin_time < (time.fix_available_time.end_time ?? 86_399));
  }

  // Single-item stocks need the order tag (observed: 参数“订单优惠标记”是必填项 with available_items and no goods_tag).
  if (rule.available_items)
    paramCheck(
      rule.goods_tag,
      FAVOR_MESSAGES.goodsTagRequired,
      '/coupon_use_rule/goods_tag',
      undefined,
      'goods_tag is required for a single-item stock',
    );
  // Not open (§2.1): needs special permission.
  specialPermission(rule.unavailable_items === undefined);
  // limit_card only means something with a bank-card limit_pay (§2.1).
  if (rule.limit_card) ruleCheck(rule.limit_pay);

  // Available merchants: ids are digits; a no-cash stock only the creator and its brand (§2.1).
  for (const [i, mchid] of rule.available_merchants.entries()) {
    assert(isDigits(mchid), 'MCH_NOT_EXISTS', FAVOR_MESSAGES.mchNotExists, {
      field: `/coupon_use_rule/available_merchants/${i}`,
      value: mchid,
      issue: 'not a merchant id',
      location: 'body',
    });
    if (body.no_cash) {
      const sameBrand = mchid === ctx.mchid || (brandOf(ctx, mchid) !== undefined && brandOf(ctx, mchid) === brandOf(ctx, ctx.mchid));
      assert(sameBrand, 'INVALID_REQUEST', FAVOR_MESSAGES.illegalMchid, {
        field: `/coupon_use_rule/available_merchants/${i}`,
        value: mchid,
        issue: 'a no-cash stock is usable only at the creator and merchants of its brand',
        location: 'body',
      });
    }
  }

  const pattern = body.pattern_info;
  if (pattern) {
    // The images' own limits (STOCK_IMAGES), checked on the image this mock issued (a foreign URL
    // accepted with the lenient `mediaUrls: 'any'` has nothing to read).
    for (const { key, label, typeMessage, maxBytes, exclusive, pixels } of STOCK_IMAGES) {
      const url = pattern[key];
      const image = url === undefined ? undefined : issuedMedia(ctx.data, url);
      if (!url || !image) continue;
      const fits = (['jpg', 'png'] as ImageExt[]).includes(image.ext) && (exclusive ? image.size < maxBytes : image.size <= maxBytes);
      paramCheck(fits, typeMessage, `/pattern_info/${key}`, url, `${image.ext} image of ${image.size} bytes`);
      const sizeProblem = documentedSizeProblem(image, pixels, ctx.options.checks.imageSizes);
      paramCheck(!sizeProblem, `${label}大小需为${pixels[0]}像素*${pixels[1]}像素`, `/pattern_info/${key}`, url, sizeProblem!);
    }
    for (const { key, label } of STOCK_IMAGES) {
      const url = pattern[key];
      if (url === undefined) continue;
      // The doc's own wording of the rule; the real message is not documented.
      paramCheck(
        isIssuedMediaUrl(ctx.data, url, ctx.options.checks.mediaUrls),
        `${label}仅支持通过《图片上传API》接口获取的图片URL地址`,
        `/pattern_info/${key}`,
        url,
        'URL not issued by the marketing image upload',
      );
    }
    if (pattern.merchant_name !== undefined) {
      paramCheck(
        fitsNameRule(pattern.merchant_name, 12, 36),
        '品牌名称最多12个中文汉字或36个英文字符',
        '/pattern_info/merchant_name',
        pattern.merchant_name,
        'at most 12 Chinese or 36 English characters',
      );
    }
    if (pattern.jump_target === 'MINI_PROGRAM') {
      paramCheck(
        pattern.mini_program_appid,
        '参数“小程序appid”是必填项',
        '/pattern_info/mini_program_appid',
        undefined,
        'required when jump_target is MINI_PROGRAM',
      );
      paramCheck(
        pattern.mini_program_path,
        '参数“小程序path”是必填项',
        '/pattern_info/mini_program_path',
        undefined,
        'required when jump_target is MINI_PROGRAM',
      );
      const bound = ctx.world.appids.get(pattern.mini_program_appid)?.mchids ?? [];
      assert(
        bound.some((m) => rule.available_merchants.includes(m)),
        'APPID_MCHID_NOT_MATCH',
        FAVOR_MESSAGES.appidMismatch,
        {
          field: '/pattern_info/mini_program_appid',
          value: pattern.mini_program_appid,
          issue: 'the mini program must be bound to one of the available merchants',
          location: 'body',
        },
      );
    }
  }
}

function newStock(
  stockId: string,
  mchid: string,
  body: CreateStockBody,
  fingerprint: string,
  beginMs: number,
  endMs: number,
  now: number,
  reviewed: boolean,
): FavorStock {
  return {
    stock_id: stockId,
    creator_mchid: mchid,
    fingerprint,
    body: structuredClone(body),
    begin_ms: beginMs,
    end_ms: endMs,
    create_time: rfc3339(now, { millis: true }),
    create_ms: now,
    // A merchant whose stocks are reviewed (fixture `stock_review`): `audit` until the control API approves.
    status: reviewed ? 'audit' : 'unactivated',
    locked_amount: 0,
    distributed_coupons: 0,
    distributed_amount: 0,
    sent_by_day: {},
    per_user: {},
    per_person: {},
    use_flow: [],
    refund_flow: [],
  };
}

/** The caller's own stock named by the path's stock_id; another merchant's or an unknown one is 404 批次不存在. */
export function callersStock(ctx: OperationContext & { params: { stock_id: string } }): FavorStock {
  const stock = stockOf(ctx.data, ctx.mchid, ctx.params.stock_id);
  assert(stock, 'RESOURCE_NOT_EXISTS', FAVOR_MESSAGES.stockNotFound);
  return stock;
}

/** The state moves: their bodies name the stock's creator, their paths the stock. */
type StockAction = 'favor.startStock' | 'favor.pauseStock' | 'favor.restartStock' | 'favor.stopStock';

/** The body's stock_creator_mchid names the caller: only the creator acts on its stocks (FAQ wording for header ≠ payload). */
function ownStockForAction(ctx: OperationContext<StockAction>): FavorStock {
  const { stock_creator_mchid } = ctx.body;
  assert(stock_creator_mchid === ctx.mchid, 'PARAM_ERROR', FAVOR_MESSAGES.mchidMismatch, {
    field: '/stock_creator_mchid',
    value: stock_creator_mchid,
    issue: 'stock_creator_mchid differs from the Authorization mchid',
    location: 'body',
  });
  return callersStock(ctx);
}

function badStatus(condition: unknown, stock: FavorStock, status: string): asserts condition {
  assert(condition, 'PARAM_ERROR', FAVOR_MESSAGES.badStatus, {
    field: 'stock_id',
    value: stock.stock_id,
    issue: `the stock is ${status}`,
    location: 'url',
  });
}

/**
 * Pause, restart and stop: the caller's stock moves `from` → `to` and the move's time is stamped,
 * stored and answered as `field`; any other status is 非法的批次状态. (Start has its own checks.)
 */
function moveStock<K extends StockAction>(
  ctx: OperationContext<K>,
  from: StockStatus,
  to: StoredStockStatus,
  field: 'pause_time' | 'restart_time' | 'stop_time',
) {
  const stock = ownStockForAction(ctx);
  const now = ctx.clock.nowMs();
  const status = stockStatus(stock, now);
  badStatus(status === from, stock, status);
  const time = rfc3339(now, { millis: true });
  ctx.mutate((data) =>
    updateStock(data, stock, (s) => {
      s.status = to;
      s[field] = time;
    }),
  );
  return { body: { [field]: time, stock_id: stock.stock_id } };
}

/**
 * A stock a GET may read: created by `stock_creator_mchid`, and the caller is its creator or may send
 * it (send-authorization.ts). Anything else is 404 批次不存在, as for an unknown id: another merchant
 * never learns that the stock exists.
 */
export function readableStock(ctx: OperationContext, stockId: string, creatorMchid: string): FavorStock {
  assert(ctx.world.merchants.has(creatorMchid), 'MCH_NOT_EXISTS', FAVOR_MESSAGES.mchNotExists);
  const stock = findStock(ctx.data, stockId);
  assert(stock && stock.creator_mchid === creatorMchid, 'RESOURCE_NOT_EXISTS', FAVOR_MESSAGES.stockNotFound);
  assert(
    stock.creator_mchid === ctx.mchid || senderMayUse(ctx.data, stock, ctx.mchid),
    'RESOURCE_NOT_EXISTS',
    FAVOR_MESSAGES.stockNotFound,
  );
  return stock;
}

/** Rows of page `offset` (a page index from 0, wechatpay-go: 分页页码) of `limit` rows. */
export function pageOf<T>(rows: T[], offset: number, limit: number): T[] {
  return rows.slice(offset * limit, offset * limit + limit);
}

export const favorStockHandlers = {
  'favor.createStock': (ctx) => {
    const body = ctx.body;
    assert(body.belong_merchant === ctx.mchid, 'PARAM_ERROR', FAVOR_MESSAGES.mchidMismatch, {
      field: '/belong_merchant',
      value: body.belong_merchant,
      issue: 'belong_merchant must be the calling merchant',
      location: 'body',
    });

    // Idempotency first: a repeat answers the first result even if the clock has since moved on.
    const fingerprint = requestFingerprint(body);
    const prior = priorRequest(createRequestsOf(ctx.data, ctx.mchid), body.out_request_no, fingerprint, FAVOR_MESSAGES.reentry);
    if (prior) {
      const stock = stockOf(ctx.data, ctx.mchid, prior.id)!;
      return { body: { stock_id: stock.stock_id, create_time: stock.create_time } };
    }

    const beginMs = parseRfc3339(body.available_begin_time);
    const endMs = parseRfc3339(body.available_end_time);
    checkCreateRules(ctx, body, beginMs, endMs);

    const now = ctx.clock.nowMs();
    const stock = ctx.mutate((data) => {
      const created = newStock(nextStockId(data), ctx.mchid, body, fingerprint, beginMs, endMs, now, !!ctx.caller.merchant.stock_review);
      insertStock(data, created, body.out_request_no);
      return created;
    });
    return { body: { stock_id: stock.stock_id, create_time: stock.create_time } };
  },

  'favor.startStock': (ctx) => {
    const stock = ownStockForAction(ctx);
    const now = ctx.clock.nowMs();
    const status = stockStatus(stock, now);
    // Documented as idempotent: starting a running stock again answers the first start.
    if (status === 'running') return { body: { start_time: stock.start_time!, stock_id: stock.stock_id } };
    // RULE_LIMIT, not REQUEST_BLOCKED: the real API answers RULE_LIMIT when a stock cannot be activated
    // *yet* (observed for a directed stock whose user package was importing), REQUEST_BLOCKED when a
    // request is refused for good (window, permissions). A stock in review is the "not yet" case.
    assert(status !== 'audit', 'RULE_LIMIT', FAVOR_MESSAGES.inReview);
    badStatus(status === 'unactivated', stock, status);

    // FAQ 4: an available merchant that already runs 500 stocks makes activation fail with 系统繁忙.
    const merchants = new Set(stock.body.coupon_use_rule.available_merchants);
    const running = new Map<string, number>();
    for (const other of allStocks(ctx.data)) {
      if (stockStatus(other, now) !== 'running') continue;
      for (const mchid of other.body.coupon_use_rule.available_merchants)
        if (merchants.has(mchid)) running.set(mchid, (running.get(mchid) ?? 0) + 1);
    }
    assert(
      [...running.values()].every((n) => n < MAX_RUNNING_PER_MERCHANT),
      'SYSTEM_ERROR',
      FAVOR_MESSAGES.busy,
    );

    // Prepaid: the whole budget is locked from the creator's balance now (§2.2). The code of the
    // observed "激活失败:账户余额不足,请充值" is not known: NOT_ENOUGH 403 (api-reference.md §2.2).
    const prepaid = !stock.body.no_cash;
    const need = prepaid ? stock.body.stock_use_rule.max_amount : 0;
    assert(ctx.merchantState(ctx.mchid).balance >= need, 'NOT_ENOUGH', FAVOR_MESSAGES.balance);

    const start_time = rfc3339(now, { millis: true });
    ctx.mutate((data) => {
      data.merchants[ctx.mchid].balance -= need;
      updateStock(data, stock, (s) => {
        s.locked_amount = need;
        s.status = 'running';
        s.start_time = start_time;
      });
    });
    return { body: { start_time, stock_id: stock.stock_id } };
  },

  'favor.pauseStock': (ctx) => moveStock(ctx, 'running', 'paused', 'pause_time'),
  'favor.restartStock': (ctx) => moveStock(ctx, 'paused', 'running', 'restart_time'),
  // wechatpay-go StopStock: only a stock that was never activated can be stopped.
  'favor.stopStock': (ctx) => moveStock(ctx, 'unactivated', 'stoped', 'stop_time'),

  'favor.getStock': (ctx) => {
    const { stock_creator_mchid } = ctx.query;
    const stock = readableStock(ctx, ctx.params.stock_id, stock_creator_mchid);
    return { body: stockView(stock, ctx.clock.nowMs()) };
  },

  'favor.listStocks': (ctx) => {
    const q = ctx.query;
    assert(ctx.world.merchants.has(q.stock_creator_mchid), 'MCH_NOT_EXISTS', FAVOR_MESSAGES.mchNotExists);
    assert(q.stock_creator_mchid === ctx.mchid, 'INVALID_REQUEST', FAVOR_MESSAGES.illegalMchid);
    const now = ctx.clock.nowMs();
    const from = q.create_start_time === undefined ? -Infinity : parseRfc3339(q.create_start_time);
    const to = q.create_end_time === undefined ? Infinity : parseRfc3339(q.create_end_time);
    // Newest first (our choice; the docs do not say).
    const rows = stocksOf(ctx.data, ctx.mchid)
      .filter((s) => s.create_ms >= from && s.create_ms <= to && (q.status === undefined || stockStatus(s, now) === q.status))
      .sort((a, b) => b.create_ms - a.create_ms || Number(b.stock_id) - Number(a.stock_id));
    const page = pageOf(rows, q.offset, q.limit);
    // An empty result is not `total_count: 0`: the real server answered a filter without rows with this
    // 404 (api-reference.md §2.6, §5, §7.23; samples/errors/list-stocks.404.empty.json). We answer it
    // for every empty page — no stock at all, nothing matching, or a page past the last one.
    assert(page.length > 0, 'RESOURCE_NOT_EXISTS', FAVOR_MESSAGES.listEmpty);
    return { body: { total_count: rows.length, limit: q.limit, offset: q.offset, data: page.map((s) => stockView(s, now)) } };
  },

  'favor.listStockMerchants': (ctx) => {
    const q = ctx.query;
    const stock = readableStock(ctx, ctx.params.stock_id, q.stock_creator_mchid);
    const all = stock.body.coupon_use_rule.available_merchants;
    const page = pageOf(all, q.offset, q.limit);
    // Observed: a page past the last one answered 400 MCH_NOT_EXISTS 商户号不合法 (api-reference.md §2.9).
    assert(page.length > 0, 'MCH_NOT_EXISTS', FAVOR_MESSAGES.mchNotExists);
    return { body: { total_count: all.length, data: page, offset: q.offset, limit: q.limit, stock_id: stock.stock_id } };
  },

  'favor.listStockItems': (ctx) => {
    const q = ctx.query;
    const stock = readableStock(ctx, ctx.params.stock_id, q.stock_creator_mchid);
    const all = stock.body.coupon_use_rule.available_items ?? [];
    // A whole-shop stock has no items: total_count 0 and no data (our choice; not observed).
    const page = pageOf(all, q.offset, q.limit);
    return {
      body: { total_count: all.length, ...(all.length ? { data: page } : {}), offset: q.offset, limit: q.limit, stock_id: stock.stock_id },
    };
  },
} satisfies FamilyHandlers;
