/** Callbacks (COUPON.USE): building, signed delivery with retries, the delivery log, a receiver for tests. */
import type { MockOptions } from '../options.js';
import { DEFAULT_TIMEOUT_MS, type DispatcherOptions } from './dispatcher.js';

export {
  CallbackDispatcher,
  CallbackError,
  CouponUseDelivery,
  MAX_ATTEMPTS,
  RETRY_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  type DispatcherOptions,
} from './dispatcher.js';
export {
  buildCouponUseNotification,
  callbackHeaders,
  COUPON_USE,
  CALLBACK_USER_AGENT,
  type CouponUseEnvelope,
  type BuiltNotification,
} from './notification.js';
export {
  createCallbackReceiver,
  verifyCallback,
  type CallbackReceiver,
  type CallbackKeys,
  type ReceivedCallback,
  type ReceiverAnswer,
  type ReceiverOptions,
  type Responder,
} from './receiver.js';
export { loadCallbackSchemas, type CallbackSchemas } from './schemas.js';
export { ACCEPTED_PROBE, type HandlerCheck, type HandlerCheckOptions, type HandlerVerdict } from './handler-check.js';
export { callbackControlRoutes } from './routes.js';
export type * from './types.js';

export class CallbackOptionError extends Error {}

export function resolveCallbackOptions(o: MockOptions): Omit<DispatcherOptions, 'validate'> {
  const positive = (name: string, v: number | undefined, fallback: number, integer = false) => {
    if (v === undefined) return fallback;
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
      throw new CallbackOptionError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
    return v;
  };
  return {
    timeScale: positive('callbackTimeScale', o.callbackTimeScale, 1),
    probe: o.callbackProbe ?? false,
    timeoutMs: positive('callbackTimeoutMs', o.callbackTimeoutMs, DEFAULT_TIMEOUT_MS),
    concurrency: positive('callbackConcurrency', o.callbackConcurrency, 32, true),
    logSize: positive('callbackLogSize', o.callbackLogSize, 1000, true),
  };
}
