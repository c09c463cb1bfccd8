/**
 * The persisted state, keyed by merchant (like LocalStack's per-account stores), so reset, export and
 * import work the same for every family. Families add their collections to `MerchantState`.
 */
export interface ClockState {
  /** Virtual time = real time + offset, unless frozen. */
  offsetMs: number;
  frozenAtMs: number | null;
}

export interface FavorCallbackSetting {
  notify_url: string;
  switch: boolean;
  update_time: string;
}

export interface MerchantState {
  /** Available balance in fen; prepaid stocks lock their budget from it. */
  balance: number;
  favor_callback?: FavorCallbackSetting;
  /** 支付有礼 activities created by this merchant, and its idempotency records (mock-server/operations/paygift/state.ts). */
  paygift?: import('../operations/paygift/state.js').PaygiftState;
  /** 代金券 stocks created by this merchant, their coupons, and its create/send idempotency records (mock-server/operations/favor/state.ts). */
  favor?: import('../operations/favor/state.js').FavorMerchantState;
  /** 委托营销 partnerships this merchant built, and its build/terminate Idempotency-Key records (mock-server/operations/partnerships/state.ts). */
  partnerships?: import('../operations/partnerships/state.js').PartnershipsState;
}

export interface MockData {
  version: 1;
  clock: ClockState;
  merchants: Record<string, MerchantState>;
  /** COUPON.USE deliveries, pending and recent (mock-server/callbacks/); absent until the first one. */
  callbacks?: import('../callbacks/types.js').CallbackState;
  /** Uploaded marketing images (mock-server/operations/favor/media.ts); absent until the first one. */
  media?: import('../operations/favor/media.js').MediaState;
  /** 代金券 id sequences and issued bill-download tokens (mock-server/operations/favor/state.ts); absent until the first stock. */
  favor?: import('../operations/favor/state.js').FavorGlobalState;
}

export function initialData(balances: Record<string, number>): MockData {
  return {
    version: 1,
    clock: { offsetMs: 0, frozenAtMs: null },
    merchants: Object.fromEntries(Object.entries(balances).map(([mchid, balance]) => [mchid, { balance }])),
  };
}
