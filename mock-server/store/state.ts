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
}

export interface MockData {
  version: 1;
  clock: ClockState;
  merchants: Record<string, MerchantState>;
}

export function initialData(balances: Record<string, number>): MockData {
  return {
    version: 1,
    clock: { offsetMs: 0, frozenAtMs: null },
    merchants: Object.fromEntries(Object.entries(balances).map(([mchid, balance]) => [mchid, { balance }])),
  };
}
