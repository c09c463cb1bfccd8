/** The handler registry: operation id → handler, one module per family. */
import { certificateHandlers } from './certificates.js';
import { favorCallbackHandlers } from './favor/callbacks.js';
import { favorCouponHandlers } from './favor/coupons.js';
import { favorFlowHandlers } from './favor/flows.js';
import { favorMediaHandlers } from './favor/media.js';
import { requiringFavorProduct } from './favor/product.js';
import { favorStockHandlers } from './favor/stocks.js';
import { paygiftHandlers } from './paygift/activities.js';
import { partnershipHandlers } from './partnerships/partnerships.js';
import type { HandlerRegistry, OperationHandlers } from './types.js';

type Families = [
  typeof certificateHandlers,
  typeof favorCallbackHandlers,
  typeof favorMediaHandlers,
  typeof favorStockHandlers,
  typeof favorCouponHandlers,
  typeof favorFlowHandlers,
  typeof paygiftHandlers,
  typeof partnershipHandlers,
];

/** Operation ids that two families both define (a spread would let the last one win silently). */
type Duplicates<T extends readonly object[], Seen = never> = T extends readonly [infer Head, ...infer Rest extends readonly object[]]
  ? (keyof Head & Seen) | Duplicates<Rest, Seen | keyof Head>
  : never;
// A compile error here names the operation id defined twice.
type NoDuplicates<T extends never> = T;
export type _OneHandlerPerOperation = NoDuplicates<Duplicates<Families>>;

// `satisfies`: a contract without a handler, or a handler for no contract, does not compile.
// Every 代金券 operation but the (shared) image upload asks for the 代金券 product first.
const typed = {
  ...certificateHandlers,
  ...requiringFavorProduct(favorCallbackHandlers),
  ...favorMediaHandlers,
  ...requiringFavorProduct(favorStockHandlers),
  ...requiringFavorProduct(favorCouponHandlers),
  ...requiringFavorProduct(favorFlowHandlers),
  ...paygiftHandlers,
  ...partnershipHandlers,
} satisfies OperationHandlers;

/**
 * By operation id for the pipeline, which calls the one its loaded contract names, with the input that
 * contract validated: the one place the typed handlers meet a runtime id.
 */
export const handlers = typed as unknown as HandlerRegistry;
