/**
 * 代金券 notify URL (api-reference.md §2.13): where COUPON.USE notifications for the caller's stocks go.
 */
import { request as httpsRequest } from 'node:https';
import { ApiError, assert } from '../../errors.js';
import { rfc3339 } from '../../time.js';
import type { FamilyHandlers } from '../types.js';
import { callbackSettingOf, setCallbackSetting } from './repository.js';
import { FAVOR_MESSAGES } from './stocks.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname.endsWith('.localhost');
}

/**
 * FAQ 5 of the developer guide (seed 000 §4): 设置消息通知地址报错“系统繁忙” — the checks are "notify_url
 * 必须为HTTPS" and "notify_url地址为一个可访问的地址". So a URL that is not https (or not a URL at all) answers
 * 500 SYSTEM_ERROR 系统繁忙, as the real server does. A mock user's receiver is plain http on localhost,
 * so http is accepted on loopback hosts unless the fidelity check `notifyUrl` is `https-reachable` (the
 * strict profile); only then is the URL
 * probed for reachability (a local receiver may start after it is configured). A query string answers the
 * same: the FAQ's third check is "notify_url不能携带参数" under the same 系统繁忙 question (issue 13 settled
 * it so; the mock answered a PARAM_ERROR of its own before, which no source gives).
 */
export const NOTIFY_URL_MESSAGES = { busy: FAVOR_MESSAGES.busy } as const;

export function notifyUrlProblem(url: string, strict: boolean): { code: 'SYSTEM_ERROR'; message: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { code: 'SYSTEM_ERROR', message: NOTIFY_URL_MESSAGES.busy };
  }
  const httpOnLoopback = parsed.protocol === 'http:' && !strict && isLoopbackHost(parsed.hostname);
  if (parsed.protocol !== 'https:' && !httpOnLoopback) return { code: 'SYSTEM_ERROR', message: NOTIFY_URL_MESSAGES.busy };
  if (parsed.search || parsed.hash || url.includes('?')) return { code: 'SYSTEM_ERROR', message: NOTIFY_URL_MESSAGES.busy };
  return null;
}

/** Real time: a network probe, not business time. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * "可访问": any HTTP answer to a HEAD within 3 s counts (the real server's probe is not documented; we do
 * not judge the status, nor the certificate — a test receiver is self-signed).
 */
export function isReachable(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { method: 'HEAD', rejectUnauthorized: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

export const favorCallbackHandlers = {
  'favor.setCallback': async (ctx) => {
    const { mchid, notify_url } = ctx.body;
    // FAQ wording when the payload's mchid is not the caller's (protocol.md §1.6).
    assert(mchid === ctx.mchid, 'PARAM_ERROR', FAVOR_MESSAGES.mchidMismatch, {
      field: '/mchid',
      value: mchid,
      issue: 'mchid differs from the Authorization mchid',
      location: 'body',
    });
    const strict = ctx.options.checks.notifyUrl === 'https-reachable';
    const problem = notifyUrlProblem(notify_url, strict);
    if (problem) throw new ApiError(problem.code, problem.message);
    if (strict) assert(await isReachable(notify_url), 'SYSTEM_ERROR', NOTIFY_URL_MESSAGES.busy);
    const update_time = rfc3339(ctx.clock.nowMs(), { millis: true });
    // `switch: false` is documented as not supported yet; it is stored and echoed, pushes stay on.
    ctx.mutate((data) => setCallbackSetting(data, ctx.mchid, { notify_url, switch: ctx.body.switch ?? true, update_time }));
    return { body: { update_time, notify_url } };
  },

  'favor.getCallback': (ctx) => {
    const { mchid } = ctx.query;
    assert(ctx.world.merchants.has(mchid), 'MCH_NOT_EXISTS', '商户号不合法');
    assert(mchid === ctx.mchid, 'INVALID_REQUEST', '非法的商户号');
    const setting = callbackSettingOf(ctx.data, mchid);
    // Our choice: the docs do not say what an unset URL answers; 404 tells the client plainly.
    assert(setting, 'RESOURCE_NOT_EXISTS', '未设置消息通知地址');
    return { body: { notify_url: setting.notify_url, mchid } };
  },
} satisfies FamilyHandlers;
