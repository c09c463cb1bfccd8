/**
 * The 代金券 product permission (api-reference.md §1.3 l.83: 403 REQUEST_BLOCKED 调用商户无权限, "product
 * permission not opened"): a merchant that has not opened the 代金券 product (fixture 1900000007,
 * `no_favor_product`) is refused by every 代金券 operation it calls. Not by the image upload: it is the
 * marketing APIs' shared upload (支付有礼 takes its URLs too). Checked after the signature and the contract,
 * before the operation's own rules — our order: the real one is not documented.
 */
import { assert } from '../../errors.js';
import type { AnyOperationContext } from '../types.js';

/** The handlers, each refusing a caller without the 代金券 product first. */
export function requiringFavorProduct<H extends Record<string, (ctx: never) => unknown>>(handlers: H): H {
  const guarded = Object.entries(handlers).map(([id, handler]) => [
    id,
    (ctx: AnyOperationContext) => {
      assert(!ctx.caller.merchant.no_favor_product, 'REQUEST_BLOCKED', '调用商户无权限');
      return (handler as (ctx: AnyOperationContext) => unknown)(ctx);
    },
  ]);
  return Object.fromEntries(guarded) as H;
}
