/** The handler registry: operation id → handler, one module per family. */
import { certificateHandlers } from './certificates.js';
import { favorCallbackHandlers } from './favor/callbacks.js';
import { favorCouponHandlers } from './favor/coupons.js';
import { favorFlowHandlers } from './favor/flows.js';
import { favorMediaHandlers } from './favor/media.js';
import { favorStockHandlers } from './favor/stocks.js';
import { paygiftHandlers } from './paygift/activities.js';
import { partnershipHandlers } from './partnerships/partnerships.js';
import type { HandlerRegistry } from './types.js';

export const handlers: HandlerRegistry = {
  ...certificateHandlers,
  ...favorCallbackHandlers,
  ...favorMediaHandlers,
  ...favorStockHandlers,
  ...favorCouponHandlers,
  ...favorFlowHandlers,
  ...paygiftHandlers,
  ...partnershipHandlers,
};
