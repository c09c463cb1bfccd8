/** Callbacks (COUPON.USE): building, signed delivery with retries, the delivery log, a receiver for tests. */
export { CallbackDispatcher, type DispatcherOptions } from './dispatcher.js';
export { CallbackError } from './errors.js';
export { MAX_ATTEMPTS, RETRY_INTERVAL_MS } from './scheduler.js';
export { DEFAULT_TIMEOUT_MS } from './sender.js';
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
