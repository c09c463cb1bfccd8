/**
 * What a COUPON.USE trigger sends (a used coupon through the favor domain, the control API's trigger,
 * the CLI): its input checked — a fixture merchant, a plaintext by its contract naming that merchant
 * as the creator — and the pending delivery record it becomes: the notification built and encrypted
 * once (every attempt sends the same body), signed at each attempt with the creator's mode's key.
 */
import { idText } from '../id-text.js';
import { signingKeyOf } from '../protocol/sign-response.js';
import { rfc3339 } from '../time.js';
import type { MerchantKeys, World } from '../world.js';
import { CallbackError } from './errors.js';
import { buildCouponUseNotification } from './notification.js';
import { describeErrors, type CallbackSchemas } from './schemas.js';
import type { DeliveryRecord } from './types.js';

export function merchantOf(world: World, mchid: string): MerchantKeys {
  const merchant = world.merchants.get(mchid);
  if (!merchant) throw new CallbackError('MCH_NOT_EXISTS', `no merchant ${idText(mchid)} in the fixture world`, 404);
  return merchant;
}

/** What a trigger or a handler check sends must be a COUPON.USE plaintext by its contract. */
export function assertCouponUse(schemas: CallbackSchemas, coupon: unknown): void {
  const check = schemas.couponUsePlaintext;
  if (!check(coupon))
    throw new CallbackError(
      'PARAM_ERROR',
      `the coupon does not match contracts/callbacks/coupon-use.plaintext.json: ${describeErrors(check.errors)}`,
    );
}

/** The merchant a COUPON.USE of `coupon` goes to: `creatorMchid`, which must be the coupon's stock creator. */
export function couponUseCreator(deps: { world: World; schemas: CallbackSchemas }, creatorMchid: string, coupon: unknown): MerchantKeys {
  const merchant = merchantOf(deps.world, creatorMchid);
  assertCouponUse(deps.schemas, coupon);
  const plain = coupon as { stock_creator_mchid: string };
  if (plain.stock_creator_mchid !== creatorMchid) {
    throw new CallbackError('PARAM_ERROR', `stock_creator_mchid ${plain.stock_creator_mchid} is not the notified creator ${creatorMchid}`);
  }
  return merchant;
}

/**
 * The pending record of a new COUPON.USE to `notifyUrl`, first attempt due at `nowMs` (virtual). With
 * `validate`, the built envelope is checked against its contract too (the `validateResponses` self-check).
 */
export function couponUseRecord(input: {
  world: World;
  schemas: CallbackSchemas;
  validate: boolean;
  merchant: MerchantKeys;
  creatorMchid: string;
  coupon: unknown;
  notifyUrl: string;
  nowMs: number;
  probe: boolean;
}): DeliveryRecord {
  const { schemas, merchant, nowMs: now } = input;
  const plain = input.coupon as { stock_id: string; coupon_id: string };
  const built = buildCouponUseNotification({ plaintext: input.coupon, apiv3Key: merchant.merchant.apiv3_key, createTimeMs: now });
  if (input.validate && !schemas.couponUseNotification(built.envelope)) {
    throw new CallbackError(
      'SYSTEM_ERROR',
      `built notification breaks its contract: ${describeErrors(schemas.couponUseNotification.errors)}`,
      500,
    );
  }
  const key = signingKeyOf(input.world.platform, merchant.merchant.verification_mode);
  return {
    id: built.id,
    event_type: 'COUPON.USE',
    mchid: input.creatorMchid,
    coupon_id: plain.coupon_id,
    stock_id: plain.stock_id,
    url: input.notifyUrl,
    state: 'pending',
    created_at: built.envelope.create_time,
    round: 1,
    attempts_in_round: 0,
    next_attempt_at_ms: now,
    next_attempt_at: rfc3339(now),
    probe_next: input.probe,
    signing: { mode: key.mode, serial: key.serial },
    body: built.body,
    attempts: [],
  };
}
