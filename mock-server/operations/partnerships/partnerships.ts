/**
 * 委托营销 (api-reference.md §4): build, list and terminate the caller's partnerships. What an
 * established partnership lets others do with the stock is decided in favor/send-authorization.ts.
 *
 * Build checks, in this order (ours; the real order is not documented): the contract (type APPID needs
 * appid, MERCHANT needs merchant_id, stock_id always), the Idempotency-Key, the partner, the stock, an
 * already established partnership. Every check and the write happen in one synchronous step.
 */
import { assert } from '../../errors.js';
import { priorRequest, requestFingerprint } from '../../store/idempotency.js';
import { rfc3339 } from '../../time.js';
import { stockOf } from '../favor/repository.js';
import { pageOf } from '../favor/stocks.js';
import type { FamilyHandlers, OperationContext } from '../types.js';
import type { PartnershipsListQuery } from '../../contract/generated/operations.js';
import {
  findPartnership,
  partnershipsOf,
  recordRequest,
  requestsOf,
  savePartnership,
  updatePartnership,
  type PartnershipRequest,
} from './repository.js';
import { buildReply, partnershipRow, type AuthorizedData, type Partner, type Partnership } from './state.js';

export const PARTNERSHIP_MESSAGES = {
  // Seed 002 FAQ: the two errors its readers met on build (codes from the §1.4 table).
  mchNotExists: '商户号不存在',
  appidMismatch: 'AppID与mchid不匹配',
  // Observed on build for a coupon stock (api-reference.md §4.1, community; code not visible): we answer
  // it for a FAVOR_STOCK the caller did not create, and its 商家券 twin for BUSIFAVOR_STOCK (ours).
  favorStock: '查询代金券出错',
  busifavorStock: '查询商家券出错',
  // Ours: the real texts are not documented.
  self: '不能与自己建立合作关系',
  exists: '合作关系已存在',
  notFound: '合作关系不存在',
  terminated: '合作关系已终止',
  // Senparc's re-entry text for a reused request number (api-reference.md §1.3); terminate: ours, without 创建.
  buildReentry: '创建请求重入，但本次请求与上次请求信息不一致',
  terminateReentry: '请求重入，但本次请求与上次请求信息不一致',
} as const;

const idempotencyKey = (ctx: OperationContext) => ctx.headers['idempotency-key'];

/**
 * The same Idempotency-Key (per merchant and operation) with the same body answers the first reply,
 * even after the partnership changed since; with another body it is refused.
 */
function replay(
  ctx: OperationContext,
  kind: PartnershipRequest,
  fingerprint: string,
  reentry: string,
): Record<string, unknown> | undefined {
  const key = idempotencyKey(ctx);
  const detail = {
    field: 'Idempotency-Key',
    value: key,
    issue: 'this Idempotency-Key was used with another request body',
    location: 'header',
  };
  return priorRequest(requestsOf(ctx.data, ctx.mchid, kind), key, fingerprint, reentry, detail)?.reply;
}

/**
 * The partner exists and can be paired (seed 002 FAQ). A merchant_id must name a merchant (商户号不存在);
 * an appid must be known and, when a merchant_id is sent with it (the official example sends both),
 * bound to that merchant (AppID与mchid不匹配). A merchant cannot partner with itself (ours).
 */
function checkPartner(ctx: OperationContext, partner: Partner): void {
  const { appid, merchant_id } = partner;
  if (merchant_id !== undefined) {
    assert(ctx.world.merchants.has(merchant_id), 'MCH_NOT_EXISTS', PARTNERSHIP_MESSAGES.mchNotExists, {
      field: '/partner/merchant_id',
      value: merchant_id,
      issue: 'no such merchant',
      location: 'body',
    });
  }
  if (partner.type === 'MERCHANT') {
    assert(merchant_id !== ctx.mchid, 'INVALID_REQUEST', PARTNERSHIP_MESSAGES.self);
  }
  if (appid !== undefined) {
    const app = ctx.world.appids.get(appid);
    const paired = app && (merchant_id === undefined || app.mchids.includes(merchant_id));
    assert(paired, 'APPID_MCHID_NOT_MATCH', PARTNERSHIP_MESSAGES.appidMismatch, {
      field: '/partner/appid',
      value: appid,
      issue: app ? 'appid is not bound to partner.merchant_id' : 'no such appid',
      location: 'body',
    });
  }
}

/** The stock is the caller's: a 代金券 stock it created, or a 商家券 stock it owns in the fixtures. */
function checkStock(ctx: OperationContext, data: AuthorizedData): void {
  const detail = {
    field: '/authorized_data/stock_id',
    value: data.stock_id,
    issue: 'not a stock of the calling merchant',
    location: 'body',
  };
  if (data.business_type === 'FAVOR_STOCK') {
    assert(stockOf(ctx.data, ctx.mchid, data.stock_id), 'INVALID_REQUEST', PARTNERSHIP_MESSAGES.favorStock, detail);
  } else {
    assert(
      ctx.world.busifavorStocks.get(data.stock_id)?.owner_mchid === ctx.mchid,
      'INVALID_REQUEST',
      PARTNERSHIP_MESSAGES.busifavorStock,
      detail,
    );
  }
}

/** The list's filters: business type, then stock, partner type, appid and merchant id when given. */
function matches(p: Partnership, q: PartnershipsListQuery): boolean {
  const a = q.authorized_data;
  if (p.authorized_data.business_type !== a.business_type) return false;
  if (a.stock_id !== undefined && p.authorized_data.stock_id !== a.stock_id) return false;
  const f = q.partner;
  if (!f) return true;
  if (p.partner.type !== f.type) return false;
  if (f.appid !== undefined && p.partner.appid !== f.appid) return false;
  return f.merchant_id === undefined || p.partner.merchant_id === f.merchant_id;
}

export const partnershipHandlers = {
  'partnerships.build': (ctx) => {
    const body = ctx.body;
    const fingerprint = requestFingerprint(body);
    const prior = replay(ctx, 'build', fingerprint, PARTNERSHIP_MESSAGES.buildReentry);
    if (prior) return { body: prior };

    checkPartner(ctx, body.partner);
    checkStock(ctx, body.authorized_data);
    const existing = findPartnership(ctx.data, ctx.mchid, body.authorized_data, body.partner);
    // Our choice: building an established partnership again is refused (the Idempotency-Key is the
    // documented way to retry); a terminated one is established again, as the same record.
    assert(existing?.state !== 'ESTABLISHED', 'INVALID_REQUEST', PARTNERSHIP_MESSAGES.exists);

    const now = rfc3339(ctx.clock.nowMs(), { millis: true });
    const reply = ctx.mutate((data) => {
      const relation: Partnership = {
        partner: structuredClone(body.partner),
        authorized_data: structuredClone(body.authorized_data),
        state: 'ESTABLISHED',
        create_time: existing?.create_time ?? now,
        build_time: now,
        update_time: now,
      };
      savePartnership(data, ctx.mchid, relation);
      const out = buildReply(relation);
      recordRequest(data, ctx.mchid, 'build', idempotencyKey(ctx), { fingerprint, reply: out });
      return out;
    });
    return { body: reply };
  },

  /**
   * The caller's partnerships, established and terminated, in creation order. No match at all is an
   * error, as the doc says (如查询结果为0，将在控制流返回错误: 404 RESOURCE_NOT_EXISTS, code ours); a page
   * past the end is an empty page. total_count only on page 0 or an empty page (§4.2).
   */
  'partnerships.list': (ctx) => {
    const q = ctx.query;
    const rows = partnershipsOf(ctx.data, ctx.mchid).filter((p) => matches(p, q));
    assert(rows.length > 0, 'RESOURCE_NOT_EXISTS', PARTNERSHIP_MESSAGES.notFound);
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 20;
    const page = pageOf(rows, offset, limit);
    return {
      body: {
        data: page.map(partnershipRow),
        offset,
        ...(offset === 0 || page.length === 0 ? { total_count: rows.length } : {}),
        limit,
      },
    };
  },

  'partnerships.terminate': (ctx) => {
    const body = ctx.body;
    const fingerprint = requestFingerprint(body);
    const prior = replay(ctx, 'terminate', fingerprint, PARTNERSHIP_MESSAGES.terminateReentry);
    if (prior) return { body: prior };

    const existing = findPartnership(ctx.data, ctx.mchid, body.authorized_data, body.partner);
    // Ours: never built (or built by another merchant) → 404; terminated already → 400, like 支付有礼's terminate.
    assert(existing, 'RESOURCE_NOT_EXISTS', PARTNERSHIP_MESSAGES.notFound);
    assert(existing.state === 'ESTABLISHED', 'INVALID_REQUEST', PARTNERSHIP_MESSAGES.terminated);

    const now = rfc3339(ctx.clock.nowMs(), { millis: true });
    const reply = ctx.mutate((data) => {
      updatePartnership(data, ctx.mchid, existing, (relation) => {
        relation.state = 'TERMINATED';
        relation.terminate_time = now;
        relation.update_time = now;
      });
      const out = { terminate_time: now };
      recordRequest(data, ctx.mchid, 'terminate', idempotencyKey(ctx), { fingerprint, reply: out });
      return out;
    });
    return { body: reply };
  },
} satisfies FamilyHandlers;
