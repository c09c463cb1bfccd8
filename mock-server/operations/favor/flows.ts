/**
 * 代金券 redemption / refund detail files (api-reference.md §2.12, protocol.md §6.1):
 * GET …/stocks/{stock_id}/use-flow and …/refund-flow answer `{url, hash_value, hash_type: SHA1}`;
 * GET /v3/billdownload/file?token=… serves the file.
 *
 * - Only the creator may ask (another merchant's or an unknown stock: 404 批次不存在).
 * - The file exists from 10:00 (CST) on the day after the stock's end, and only when there is
 *   something in it; before that, or with nothing redeemed/refunded: 404 RESOURCE_NOT_EXISTS
 *   账单文件不存在 (observed). Move the virtual clock to get there.
 * - The link is valid 30 s of virtual time and only for the merchant that asked: another merchant gets
 *   403 NO_AUTH, an expired or unknown token 400 INVALID_REQUEST (protocol.md §6.1; the two messages
 *   are ours, the real texts are not documented). The download request is signed like any GET; the
 *   reply is the file, unsigned.
 * - The use-flow / refund-flow replies themselves are signed like every API reply (issue 13 settled
 *   api-reference.md §2.12's "carries no signature" so): the official SDKs verify every 2xx API reply
 *   and exempt only the file download (protocol.md §2.7: axios-plugin and PHP skip
 *   /v3/billdownload/file; wechatpay-go skips none), so an unsigned use-flow reply would fail them.
 * - The URL is on the mock's own base URL; the fidelity check `billUrls: 'real-host'` makes it https://api.mch.weixin.qq.com/… for
 *   clients that rewrite the host (protocol.md §6.1 on which SDK follows the URL verbatim).
 * - The file (our layout; the real column names are not documented — protocol.md §6.1 gives the
 *   shape): UTF-8 without BOM (favor files reportedly have none), a header line, one detail row per
 *   event with every field prefixed by a backtick, then a summary header and a summary row. Amounts in
 *   CNY with two decimals. The content is fixed when the link is issued; its SHA1 is `hash_value`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { assert } from '../../errors.js';
import type { FamilyHandlers, OperationContext } from '../types.js';
import { findBill, insertBill } from './repository.js';
import { nextCstMidnight, type FavorStock } from './state.js';
import { callersStock } from './stocks.js';

export const BILL_MESSAGES = {
  noBill: '账单文件不存在',
  badToken: '下载链接已过期或无效，请重新获取',
  notYours: '无权下载该账单文件',
} as const;

export const BILL_TTL_MS = 30_000;
export const REAL_API_BASE = 'https://api.mch.weixin.qq.com';
const HOUR_MS = 3_600_000;

const yuan = (fen: number) => (fen / 100).toFixed(2);
const row = (fields: (string | number)[]) => fields.map((f) => `\`${f}`).join(',');

export function useFlowCsv(stock: FavorStock): string {
  const lines = ['批次ID,代金券ID,优惠类型,优惠金额(元),订单总金额(元),支付单号,核销时间,核销商户号,单品信息'];
  for (const u of stock.use_flow) {
    const goods = u.goods_detail?.map((g) => `${g.goods_id}:${g.quantity}:${yuan(g.price)}:${yuan(g.discount_amount)}`).join('|') ?? '';
    lines.push(
      row([
        stock.stock_id,
        u.coupon_id,
        stock.body.no_cash ? '免充值' : '预充值',
        yuan(u.discount_amount),
        yuan(u.order_amount),
        u.transaction_id,
        u.consume_time,
        u.consume_mchid,
        goods,
      ]),
    );
  }
  const total = stock.use_flow.reduce((sum, u) => sum + u.discount_amount, 0);
  lines.push('总核销笔数,总优惠金额(元)', row([stock.use_flow.length, yuan(total)]));
  return lines.join('\n') + '\n';
}

export function refundFlowCsv(stock: FavorStock): string {
  const lines = ['批次ID,代金券ID,优惠类型,退款金额(元),支付单号,退款单号,退款时间'];
  for (const r of stock.refund_flow) {
    lines.push(
      row([
        stock.stock_id,
        r.coupon_id,
        stock.body.no_cash ? '免充值' : '预充值',
        yuan(r.refund_amount),
        r.transaction_id,
        r.refund_id,
        r.refund_time,
      ]),
    );
  }
  const total = stock.refund_flow.reduce((sum, r) => sum + r.refund_amount, 0);
  lines.push('总退款笔数,总退款金额(元)', row([stock.refund_flow.length, yuan(total)]));
  return lines.join('\n') + '\n';
}

function issueBill(ctx: OperationContext<'favor.useFlow' | 'favor.refundFlow'>, kind: 'use' | 'refund') {
  const stock = callersStock(ctx);
  const now = ctx.clock.nowMs();
  const events = kind === 'use' ? stock.use_flow.length : stock.refund_flow.length;
  // From 10:00 the day after the stock ends (§2.12; wechatpay-go: 批次过期10小时), and only with content.
  assert(now >= nextCstMidnight(stock.end_ms) + 10 * HOUR_MS && events > 0, 'RESOURCE_NOT_EXISTS', BILL_MESSAGES.noBill);

  const content = kind === 'use' ? useFlowCsv(stock) : refundFlowCsv(stock);
  const token = randomBytes(24).toString('base64url');
  ctx.mutate((data) => insertBill(data, { token, mchid: ctx.mchid, expires_ms: now + BILL_TTL_MS, content }, now));
  const base = ctx.options.checks.billUrls === 'real-host' ? REAL_API_BASE : ctx.baseUrl;
  return {
    body: {
      url: `${base}/v3/billdownload/file?token=${token}`,
      hash_value: createHash('sha1').update(content, 'utf8').digest('hex'),
      hash_type: 'SHA1' as const,
    },
  };
}

export const favorFlowHandlers = {
  'favor.useFlow': (ctx) => issueBill(ctx, 'use'),
  'favor.refundFlow': (ctx) => issueBill(ctx, 'refund'),

  'billdownload.downloadFile': (ctx) => {
    const { token } = ctx.query;
    const bill = findBill(ctx.data, token);
    assert(bill && ctx.clock.nowMs() <= bill.expires_ms, 'INVALID_REQUEST', BILL_MESSAGES.badToken, {
      field: 'token',
      value: token,
      issue: 'unknown or expired token',
      location: 'query',
    });
    assert(bill.mchid === ctx.mchid, 'NO_AUTH', BILL_MESSAGES.notYours);
    return { file: { contentType: 'text/csv; charset=utf-8', data: Buffer.from(bill.content, 'utf8') } };
  },
} satisfies FamilyHandlers;
