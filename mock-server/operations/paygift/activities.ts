/**
 * 支付有礼 (paygiftactivity), api-reference.md §3: create a 全场满额送 activity, read it, list its
 * sending merchants and goods, add/remove sending merchants, terminate it, list the caller's activities.
 *
 * Rules beyond the contract's JSON Schema follow the developer guide's FAQ (seed 001 §4): award stocks
 * must exist, cover the activity's time, have their codes uploaded in upload-code mode, and — in a gift
 * package — share inventory, per-user limit and owner; award owners and sending merchants must be of the
 * creator's brand. Every activity belongs to its creator: another merchant gets the same 404 as for an
 * id that does not exist, so it can neither see nor change it — except one of its sending merchants,
 * which knows the id and gets 403 NO_AUTH.
 */
import { assert } from '../../errors.js';
import { priorRequest, requestFingerprint, sameRequest } from '../../store/idempotency.js';
import type { BusifavorStock } from '../../world.js';
import { parseRfc3339, rfc3339 } from '../../time.js';
import { documentedSizeProblem, issuedMedia } from '../favor/media.js';
import { pageOf } from '../favor/stocks.js';
import type { FamilyHandlers, OperationContext } from '../types.js';
import type { PaygiftCreateActivityBody } from '../../contract/generated/operations.js';
import { isUploadedImageUrl } from './media.js';
import {
  activitiesOf,
  activityByRequest,
  activityOf,
  findActivity,
  insertActivity,
  merchantsRequestsOf,
  recordMerchantsRequest,
  type MerchantsRequest,
  updateActivity,
} from './repository.js';
import { activityStatus, nextActivityId, type PaygiftActivity } from './state.js';

export const PAYGIFT_MESSAGES = {
  notFound: '活动不存在',
  // Code from the §1.4 table (NO_AUTH: merchant not authorized); the text is ours.
  noAuth: '商户无权限操作该活动',
  failed: '活动创建失败，无法操作',
  // seed 001 §4, FAQ 2: validity, upload-code mode, gift-package consistency.
  award: '商家券信息不满足活动规则，请核实券有效期或code',
  // seed 001 §4, FAQ 1: sending merchants and award owners of one brand.
  brand: '发券商户号校验失败，请核实是否满足同品牌等规则',
  // Favor/Senparc error list (api-reference.md §1.3) for a reused out_request_no with other content.
  reentry: '创建请求重入，但本次请求与上次请求信息不一致',
  requestNoReused: '请求业务单据号重复，但本次请求与上次请求信息不一致',
  mchNotExists: '商户号不合法',
  appidMismatch: '商户号与appid不匹配',
  endBeforeBegin: '活动结束时间必须晚于活动开始时间',
  // The API page's own phrase for the rule (the real refusal text is not documented).
  tooLong: '活动有效期最长90天',
  // The API page's phrase for the other half of the rule ("最长可以配置1年内的活动"; real text not documented).
  tooFar: '最长可以配置1年内的活动',
  periodOrder: '可用时间段的开始时间必须早于结束时间',
  dayTimeOrder: '天内开始时间必须早于天内结束时间',
  packageSize: '选礼包时奖品限定3-5个',
  singleSize: '单张券只能配置1个奖品',
  manualOnly: '商家券仅支持手动输入发券商户号',
  terminated: '活动已终止，请勿重复操作',
  overTime: '活动已过期，无法终止',
  mchTerminated: '活动已终止，无法修改发券商户号',
  mchOverTime: '活动已过期，无法修改发券商户号',
  // Reasons in invalid_merchant_id_list (merchants/add). Only the sample's 父子关系 text is real; the
  // brand reason reuses the create API's message for the same rule; the others are ours.
  reasonUnknown: '商户号不存在',
  reasonCapacity: '活动发券商户号数量已达上限500个',
} as const;

/**
 * The activity window. The API pages: "最长可以配置1年内的活动，活动有效期最长90天"; the FAQ (seed 001 §4)
 * defines the "1年" as begin→end below 31,536,000 s. Read together, the validity (end − begin) is at
 * most 90 days, which also keeps it below the FAQ's year. Enforced since issue 13: a mock that accepts a
 * window production refuses lets a bug through to production (api-reference.md §3.1, §7.16).
 * "最长可以配置1年内的活动" on its own (api-reference.md §3.1: "configured at most 1 year ahead") is then
 * about how far ahead: our reading, the whole activity within the FAQ's year from now — end_time less
 * than 31,536,000 s after the request (the rules audit, issue 13).
 */
const MAX_VALIDITY_MS = 90 * 86_400_000;
const MAX_AHEAD_MS = 31_536_000_000;
const MAX_MERCHANTS = 500;

const PAGE_DEFAULT_LIMIT = 20;

type CreateBody = PaygiftCreateActivityBody;

/** A field-level rule of ours or of the docs: PARAM_ERROR with the pipeline's detail shape. */
function paramCheck(condition: unknown, message: string, field: string, value: unknown, issue: string): asserts condition {
  assert(condition, 'PARAM_ERROR', message, { field, value: value ?? null, issue, location: 'body' });
}

/** The caller's activity, or 404 — for an unknown id and for another merchant's activity alike. */
function ownActivity(ctx: OperationContext & { params: { activity_id: string } }): PaygiftActivity {
  const id = ctx.params.activity_id;
  const activity = activityOf(ctx.data, ctx.mchid, id);
  if (!activity) {
    // A sending merchant of another merchant's activity knows it exists (it was named in it): 403
    // NO_AUTH, the §1.4 table's "merchant not authorized". Anyone else learns nothing: 404.
    const sendingFor = findActivity(ctx.data, id)?.merchants.some((x) => x.mchid === ctx.mchid);
    assert(!sendingFor, 'NO_AUTH', PAYGIFT_MESSAGES.noAuth);
  }
  assert(activity, 'RESOURCE_NOT_EXISTS', PAYGIFT_MESSAGES.notFound);
  return activity;
}

const brandOf = (ctx: OperationContext, mchid: string) => ctx.world.merchants.get(mchid)?.merchant.brand_id;

/** Times are answered as the real API writes them: +08:00, whole seconds. */
const normalizeTime = (text: string) => rfc3339(parseRfc3339(text));

/** `obj`'s keys in the documented order (`order`), then any others as they came. */
function ordered(obj: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) if (obj[k] !== undefined) out[k] = obj[k];
  for (const [k, v] of Object.entries(obj)) if (!(k in out)) out[k] = v;
  return out;
}

// Field order of the documentation's tables (api-reference.md §3.1, §3.2): replies list the fields so,
// whatever order the creator sent them in.
const BASE_INFO_ORDER = [
  'activity_name',
  'activity_second_title',
  'merchant_logo_url',
  'background_color',
  'begin_time',
  'end_time',
  'available_periods',
  'out_request_no',
  'delivery_purpose',
  'mini_programs_appid',
  'mini_programs_path',
] as const;
const SEND_RULE_ORDER = [
  'transaction_amount_minimum',
  'send_content',
  'award_type',
  'award_list',
  'merchant_option',
  'merchant_id_list',
] as const;
const AWARD_ORDER = ['stock_id', 'original_image_url', 'thumbnail_url'] as const;
const ADVANCED_ORDER = [
  'delivery_user_category',
  'merchant_member_appid',
  'payment_mode',
  'payment_method_information',
  'goods_tags',
] as const;

function advancedSetting(setting: Record<string, unknown>): Record<string, unknown> {
  const method = setting.payment_method_information as Record<string, unknown> | undefined;
  return ordered(
    { ...setting, ...(method ? { payment_method_information: ordered(method, ['payment_method', 'bank_abbreviation']) } : {}) },
    ADVANCED_ORDER,
  );
}

function present(activity: PaygiftActivity, nowMs: number, inList: boolean) {
  // merchant_id_list: the list answers an empty array, as the real sample does; the detail leaves it
  // out (its real sample has none). Only GET …/merchants lists the sending merchants (seed FAQ 4).
  const rule = activity.full_send_rule as Record<string, unknown> & { award_list: Record<string, unknown>[] };
  const full_send_rule = ordered(
    { ...rule, award_list: rule.award_list.map((a) => ordered(a, AWARD_ORDER)), ...(inList ? { merchant_id_list: [] } : {}) },
    SEND_RULE_ORDER,
  );
  const base = activity.activity_base_info;
  const periods = base.available_periods as
    { available_time: Record<string, unknown>[]; available_day_time: Record<string, unknown>[] } | undefined;
  const activity_base_info = ordered(
    periods
      ? {
          ...base,
          available_periods: {
            available_time: periods.available_time.map((p) => ordered(p, ['begin_time', 'end_time'])),
            available_day_time: periods.available_day_time.map((p) => ordered(p, ['begin_day_time', 'end_day_time'])),
          },
        }
      : base,
    BASE_INFO_ORDER,
  );
  return {
    activity_id: activity.activity_id,
    activity_type: 'FULL_SEND_ACT_TYPE',
    activity_base_info,
    award_send_rule: { full_send_rule },
    ...(activity.advanced_setting ? { advanced_setting: advancedSetting(activity.advanced_setting) } : {}),
    activity_status: activityStatus(activity, nowMs),
    creator_merchant_id: activity.creator_mchid,
    belong_merchant_id: activity.creator_mchid,
    // The detail only (§3.7: the list's ActivityInformation has no pause/recovery times).
    ...(!inList && activity.pause_time ? { pause_time: activity.pause_time } : {}),
    ...(!inList && activity.recovery_time ? { recovery_time: activity.recovery_time } : {}),
    create_time: activity.create_time,
    update_time: activity.update_time,
  };
}

function page<T>(rows: T[], query: { offset?: number; limit?: number }) {
  const offset = query.offset ?? 0;
  const limit = query.limit ?? PAGE_DEFAULT_LIMIT;
  // offset is a page index (分页页码，页面从0开始), not a row offset.
  return { rows: pageOf(rows, offset, limit), offset, limit };
}

/** Award stocks (seed FAQ 2): exist, cover the activity, codes uploaded, a package shares its attributes. */
function checkAwards(ctx: OperationContext, rule: CreateBody['award_send_rule'], beginMs: number, endMs: number): BusifavorStock[] {
  const stocks = rule.award_list.map((award) => ctx.world.busifavorStocks.get(award.stock_id));
  for (const stock of stocks) {
    assert(stock, 'INVALID_REQUEST', PAYGIFT_MESSAGES.award);
    // "所有的券开始时间需早于支付有礼活动的开始时间，结束时间需晚于支付有礼的结束时间": strictly earlier
    // and strictly later, as the FAQ words it; a stock that begins or ends at the same second fails.
    const covers = parseRfc3339(stock.available_begin_time) < beginMs && parseRfc3339(stock.available_end_time) > endMs;
    assert(covers, 'INVALID_REQUEST', PAYGIFT_MESSAGES.award);
    // "如果批次为上传code模式，需先上传code再投放到支付有礼"
    assert(stock.code_mode !== 'MERCHANT_UPLOAD' || stock.codes_uploaded, 'INVALID_REQUEST', PAYGIFT_MESSAGES.award);
  }
  const found = stocks as BusifavorStock[];
  if (rule.send_content === 'GIFT_PACKAGE') {
    // "添加券包时，库存、限领和归属商户号需要保持一致"; the API page adds the same redemption time.
    const [first] = found;
    const same = found.every(
      (s) =>
        s.max_coupons === first.max_coupons &&
        s.max_coupons_per_user === first.max_coupons_per_user &&
        s.owner_mchid === first.owner_mchid &&
        s.available_begin_time === first.available_begin_time &&
        s.available_end_time === first.available_end_time,
    );
    assert(same, 'INVALID_REQUEST', PAYGIFT_MESSAGES.award);
  }
  return found;
}

function checkImages(ctx: OperationContext, body: CreateBody): void {
  const images: [string, string, string | undefined][] = [
    ['/activity_base_info/merchant_logo_url', '商户logo', body.activity_base_info.merchant_logo_url],
  ];
  body.award_send_rule.award_list.forEach((award, i) => {
    images.push([`/award_send_rule/award_list/${i}/original_image_url`, '奖品大图', award.original_image_url]);
    images.push([`/award_send_rule/award_list/${i}/thumbnail_url`, '奖品小图', award.thumbnail_url]);
  });
  for (const [field, label, url] of images) {
    if (url === undefined) continue;
    // The doc's own wording of the rule; the real message is not documented.
    paramCheck(
      isUploadedImageUrl(ctx, url),
      `${label}仅支持通过《图片上传API》接口获取的图片URL地址`,
      field,
      url,
      'URL not issued by the marketing image upload',
    );
  }
  // The award's small image is 120×120 px (api-reference.md §3.1 l.400; the large one's 678×232 is only
  // "suggested"): checked with `imageSizes: 'documented'` (the strict profile), as the stocks' images are.
  body.award_send_rule.award_list.forEach((award, i) => {
    if (award.thumbnail_url === undefined) return;
    const image = issuedMedia(ctx.data, award.thumbnail_url);
    const problem = documentedSizeProblem(image, [120, 120], ctx.options.checks.imageSizes);
    paramCheck(
      !problem,
      '奖品小图大小需为120像素*120像素',
      `/award_send_rule/award_list/${i}/thumbnail_url`,
      award.thumbnail_url,
      problem!,
    );
  });
}

/** Sending merchants are added or removed only while the activity is neither terminated nor over time. */
function checkMerchantsEditable(ctx: OperationContext, activity: PaygiftActivity): void {
  const status = activityStatus(activity, ctx.clock.nowMs());
  assert(status !== 'CREATE_ACT_FAILED', 'INVALID_REQUEST', PAYGIFT_MESSAGES.failed);
  assert(status !== 'TERMINATE_ACT_STATUS', 'INVALID_REQUEST', PAYGIFT_MESSAGES.mchTerminated);
  assert(status !== 'OVER_TIME_ACT_STATUS', 'INVALID_REQUEST', PAYGIFT_MESSAGES.mchOverTime);
}

/**
 * Adding or deleting merchants, first steps: the caller's activity; the first reply when this request
 * number was used before for the same request (refused for another); else the activity must be editable.
 */
function merchantsChange(
  ctx: OperationContext & { params: { activity_id: string } },
  kind: MerchantsRequest,
  requestNo: string,
  merchantIds: string[],
) {
  const activity = ownActivity(ctx);
  const fingerprint = requestFingerprint({ activity_id: activity.activity_id, merchant_id_list: merchantIds });
  const prior = priorRequest(merchantsRequestsOf(ctx.data, ctx.mchid, kind), requestNo, fingerprint, PAYGIFT_MESSAGES.requestNoReused);
  if (!prior) checkMerchantsEditable(ctx, activity);
  return { activity, fingerprint, prior };
}

export const paygiftHandlers = {
  'paygift.createActivity': (ctx) => {
    const body = ctx.body;
    const base = body.activity_base_info;
    const rule = body.award_send_rule;
    const fingerprint = requestFingerprint(body);

    // Idempotency first: a repeat answers the first result even after the clock moved on.
    const existing = activityByRequest(ctx.data, ctx.mchid, base.out_request_no);
    if (existing) {
      assert(sameRequest(existing.fingerprint, fingerprint), 'RESOURCE_ALREADY_EXISTS', PAYGIFT_MESSAGES.reentry);
      return { body: { activity_id: existing.activity_id, create_time: existing.create_time } };
    }

    // Field rules the schema cannot say.
    checkImages(ctx, body);
    const beginMs = parseRfc3339(base.begin_time);
    const endMs = parseRfc3339(base.end_time);
    paramCheck(
      endMs > beginMs,
      PAYGIFT_MESSAGES.endBeforeBegin,
      '/activity_base_info/end_time',
      base.end_time,
      'end_time must be after begin_time',
    );
    paramCheck(
      endMs - beginMs <= MAX_VALIDITY_MS,
      PAYGIFT_MESSAGES.tooLong,
      '/activity_base_info/end_time',
      base.end_time,
      'end_time - begin_time must be at most 90 days',
    );
    paramCheck(
      endMs - ctx.clock.nowMs() < MAX_AHEAD_MS,
      PAYGIFT_MESSAGES.tooFar,
      '/activity_base_info/end_time',
      base.end_time,
      'end_time must be less than 31536000 s (365 days) from now',
    );
    base.available_periods?.available_time.forEach((p, i) => {
      paramCheck(
        parseRfc3339(p.begin_time) < parseRfc3339(p.end_time),
        PAYGIFT_MESSAGES.periodOrder,
        `/activity_base_info/available_periods/available_time/${i}/end_time`,
        p.end_time,
        'end_time must be after begin_time',
      );
    });
    base.available_periods?.available_day_time.forEach((p, i) => {
      paramCheck(
        p.begin_day_time < p.end_day_time,
        PAYGIFT_MESSAGES.dayTimeOrder,
        `/activity_base_info/available_periods/available_day_time/${i}/end_day_time`,
        p.end_day_time,
        'end_day_time must be after begin_day_time',
      );
    });
    const count = rule.award_list.length;
    if (rule.send_content === 'GIFT_PACKAGE')
      paramCheck(
        count >= 3 && count <= 5,
        PAYGIFT_MESSAGES.packageSize,
        '/award_send_rule/award_list',
        rule.award_list,
        'a GIFT_PACKAGE holds 3 to 5 awards',
      );
    else
      paramCheck(
        count === 1,
        PAYGIFT_MESSAGES.singleSize,
        '/award_send_rule/award_list',
        rule.award_list,
        'a SINGLE_COUPON holds exactly 1 award',
      );
    // "商家券只支持手动输入发券商户号" (api-reference.md §3.0); award_type is always BUSIFAVOR.
    assert(rule.merchant_option === 'MANUAL_INPUT_MERCHANT', 'INVALID_REQUEST', PAYGIFT_MESSAGES.manualOnly);
    if (base.delivery_purpose === 'JUMP_MINI_APP') {
      const app = ctx.world.appids.get(base.mini_programs_appid!);
      assert(app && app.mchids.includes(ctx.mchid), 'APPID_MCHID_NOT_MATCH', PAYGIFT_MESSAGES.appidMismatch);
    }

    // Award stocks, then the brand of their owners and of the sending merchants.
    const stocks = checkAwards(ctx, rule, beginMs, endMs);
    const brand = brandOf(ctx, ctx.mchid);
    // The FAQ names the brand rule under both questions (发券商户号校验失败 and, point 4, 商家券信息…);
    // an award owner of another brand answers the 发券商户号 message, as the issue asks.
    for (const stock of stocks) assert(brandOf(ctx, stock.owner_mchid) === brand, 'INVALID_REQUEST', PAYGIFT_MESSAGES.brand);
    const merchantIds = [...new Set(rule.merchant_id_list ?? [])];
    for (const mchid of merchantIds) {
      assert(ctx.world.merchants.has(mchid), 'MCH_NOT_EXISTS', PAYGIFT_MESSAGES.mchNotExists);
      assert(brandOf(ctx, mchid) === brand, 'INVALID_REQUEST', PAYGIFT_MESSAGES.brand);
    }

    const now = rfc3339(ctx.clock.nowMs());
    const { merchant_id_list: _list, ...fullSendRule } = rule;
    const activityBaseInfo: Record<string, unknown> = {
      ...base,
      begin_time: normalizeTime(base.begin_time),
      end_time: normalizeTime(base.end_time),
    };
    if (base.available_periods) {
      activityBaseInfo.available_periods = {
        available_time: base.available_periods.available_time.map((p) => ({
          begin_time: normalizeTime(p.begin_time),
          end_time: normalizeTime(p.end_time),
        })),
        available_day_time: base.available_periods.available_day_time.map((p) => ({ ...p })),
      };
    }
    const activity = ctx.mutate((data) => {
      const created: PaygiftActivity = {
        activity_id: nextActivityId(data),
        creator_mchid: ctx.mchid,
        fingerprint,
        activity_base_info: activityBaseInfo,
        full_send_rule: structuredClone(fullSendRule),
        ...(body.advanced_setting ? { advanced_setting: structuredClone(body.advanced_setting) } : {}),
        merchants: merchantIds.map((mchid) => ({ mchid, create_time: now, update_time: now })),
        begin_ms: beginMs,
        end_ms: endMs,
        create_time: now,
        update_time: now,
      };
      insertActivity(data, created, base.out_request_no);
      return created;
    });
    return { body: { activity_id: activity.activity_id, create_time: activity.create_time } };
  },

  'paygift.getActivity': (ctx) => ({ body: present(ownActivity(ctx), ctx.clock.nowMs(), false) }),

  'paygift.listActivityMerchants': (ctx) => {
    const activity = ownActivity(ctx);
    const { rows, offset, limit } = page(activity.merchants, ctx.query);
    const data = rows.map((m) => ({
      mchid: m.mchid,
      merchant_name: ctx.world.merchants.get(m.mchid)?.merchant.name ?? '',
      create_time: m.create_time,
      update_time: m.update_time,
    }));
    return { body: { data, total_count: activity.merchants.length, offset, limit, activity_id: activity.activity_id } };
  },

  // A 全场满额送 activity designates no goods (goods belong to 满A送B, which this API cannot create).
  'paygift.listActivityGoods': (ctx) => {
    const activity = ownActivity(ctx);
    const { offset, limit } = page([], ctx.query);
    return { body: { data: [], total_count: 0, offset, limit, activity_id: activity.activity_id } };
  },

  'paygift.terminateActivity': (ctx) => {
    const activity = ownActivity(ctx);
    const status = activityStatus(activity, ctx.clock.nowMs());
    assert(status !== 'CREATE_ACT_FAILED', 'INVALID_REQUEST', PAYGIFT_MESSAGES.failed);
    assert(status !== 'TERMINATE_ACT_STATUS', 'INVALID_REQUEST', PAYGIFT_MESSAGES.terminated);
    assert(status !== 'OVER_TIME_ACT_STATUS', 'INVALID_REQUEST', PAYGIFT_MESSAGES.overTime);
    const now = rfc3339(ctx.clock.nowMs());
    ctx.mutate((data) =>
      updateActivity(data, activity, (stored) => {
        stored.terminate_time = now;
        stored.update_time = now;
      }),
    );
    return { body: { terminate_time: now, activity_id: activity.activity_id } };
  },

  'paygift.addActivityMerchants': (ctx) => {
    const { merchant_id_list, add_request_no } = ctx.body;
    const { activity, fingerprint, prior } = merchantsChange(ctx, 'add', add_request_no, merchant_id_list);
    if (prior) return { body: prior.reply };

    // Invalid merchants are reported, not fatal (api-reference.md §3.6); one already there is a no-op.
    const brand = brandOf(ctx, ctx.mchid);
    const members = new Set(activity.merchants.map((m) => m.mchid));
    const added: string[] = [];
    const invalid: { mchid: string; invalid_reason: string }[] = [];
    for (const mchid of new Set(merchant_id_list)) {
      if (members.has(mchid)) continue;
      if (!ctx.world.merchants.has(mchid)) invalid.push({ mchid, invalid_reason: PAYGIFT_MESSAGES.reasonUnknown });
      else if (brandOf(ctx, mchid) !== brand) invalid.push({ mchid, invalid_reason: PAYGIFT_MESSAGES.brand });
      else if (members.size + added.length >= MAX_MERCHANTS) invalid.push({ mchid, invalid_reason: PAYGIFT_MESSAGES.reasonCapacity });
      else added.push(mchid);
    }
    const now = rfc3339(ctx.clock.nowMs());
    const reply = { activity_id: activity.activity_id, invalid_merchant_id_list: invalid, add_time: now };
    ctx.mutate((data) => {
      if (added.length)
        updateActivity(data, activity, (stored) => {
          stored.merchants.push(...added.map((mchid) => ({ mchid, create_time: now, update_time: now })));
          stored.update_time = now;
        });
      recordMerchantsRequest(data, ctx.mchid, 'add', add_request_no, { fingerprint, reply });
    });
    return { body: reply };
  },

  'paygift.deleteActivityMerchants': (ctx) => {
    const { merchant_id_list, delete_request_no } = ctx.body;
    const { activity, fingerprint, prior } = merchantsChange(ctx, 'delete', delete_request_no, merchant_id_list);
    if (prior) return { body: prior.reply };
    // Merchants that are not in the activity are ignored: the reply has no place to report them.
    const removed = new Set(merchant_id_list);
    const now = rfc3339(ctx.clock.nowMs());
    const reply = { delete_time: now, activity_id: activity.activity_id };
    ctx.mutate((data) => {
      updateActivity(data, activity, (stored) => {
        const kept = stored.merchants.filter((m) => !removed.has(m.mchid));
        if (kept.length !== stored.merchants.length) {
          stored.merchants = kept;
          stored.update_time = now;
        }
      });
      recordMerchantsRequest(data, ctx.mchid, 'delete', delete_request_no, { fingerprint, reply });
    });
    return { body: reply };
  },

  'paygift.listActivities': (ctx) => {
    const query = ctx.query;
    const nowMs = ctx.clock.nowMs();
    const all = activitiesOf(ctx.data, ctx.mchid)
      // Newest first, as the real sample lists them.
      .sort((a, b) => Number(b.activity_id) - Number(a.activity_id))
      .filter((a) => query.activity_name === undefined || String(a.activity_base_info.activity_name).includes(query.activity_name))
      .filter((a) => query.activity_status === undefined || activityStatus(a, nowMs) === query.activity_status)
      .filter((a) => query.award_type === undefined || a.full_send_rule.award_type === query.award_type);
    const { rows, offset, limit } = page(all, query);
    return { body: { data: rows.map((a) => present(a, nowMs, true)), total_count: all.length, offset, limit } };
  },
} satisfies FamilyHandlers;
