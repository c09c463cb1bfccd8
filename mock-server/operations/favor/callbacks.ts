/**
 * 代金券 notify URL (api-reference.md §2.13): where COUPON.USE notifications for the caller's stocks go.
 */
import { assert } from '../../errors.js';
import { rfc3339 } from '../../time.js';
import type { HandlerRegistry } from '../types.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname.endsWith('.localhost');
}

/**
 * The real API wants an https URL without query parameters. A mock user's receiver is plain http on
 * localhost, so http is accepted on loopback hosts unless `strictNotifyUrl` is set. The wording of the
 * refusal is ours: the real text for this case is not documented.
 */
export function notifyUrlProblem(url: string, strict: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '回调地址格式不正确，请填写以https开头的完整地址';
  }
  const httpOnLoopback = parsed.protocol === 'http:' && !strict && isLoopbackHost(parsed.hostname);
  if (parsed.protocol !== 'https:' && !httpOnLoopback) return '回调地址必须为https协议';
  if (parsed.search || parsed.hash || url.includes('?')) return '回调地址不能携带参数';
  return null;
}

export const favorCallbackHandlers: HandlerRegistry = {
  'favor.setCallback': (ctx) => {
    const { mchid, notify_url } = ctx.body as { mchid: string; notify_url: string; switch?: boolean };
    // FAQ wording when the payload's mchid is not the caller's (protocol.md §1.6).
    assert(mchid === ctx.mchid, 'PARAM_ERROR', 'http header中的mchid与post payload中的mchid不匹配', { field: '/mchid', value: mchid, issue: 'mchid differs from the Authorization mchid', location: 'body' });
    const problem = notifyUrlProblem(notify_url, ctx.options.strictNotifyUrl);
    assert(!problem, 'PARAM_ERROR', problem!, { field: '/notify_url', value: notify_url, issue: problem, location: 'body' });
    const update_time = rfc3339(ctx.clock.nowMs(), { millis: true });
    // `switch: false` is documented as not supported yet; it is stored and echoed, pushes stay on.
    ctx.mutate(() => {
      ctx.merchantState(ctx.mchid).favor_callback = { notify_url, switch: ctx.body.switch ?? true, update_time };
    });
    return { body: { update_time, notify_url } };
  },

  'favor.getCallback': (ctx) => {
    const { mchid } = ctx.query as { mchid: string };
    assert(ctx.world.merchants.has(mchid), 'MCH_NOT_EXISTS', '商户号不合法');
    assert(mchid === ctx.mchid, 'INVALID_REQUEST', '非法的商户号');
    const setting = ctx.merchantState(mchid).favor_callback;
    // Our choice: the docs do not say what an unset URL answers; 404 tells the client plainly.
    assert(setting, 'RESOURCE_NOT_EXISTS', '未设置消息通知地址');
    return { body: { notify_url: setting.notify_url, mchid } };
  },
};
