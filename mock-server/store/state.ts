/**
 * The persisted document, keyed by merchant (like LocalStack's per-account stores), so reset, export
 * and import work the same for every family. The core knows no family: each family declares its own
 * slices by augmenting `MerchantState` (per merchant) and `MockData` (global) in its state module
 * (operations/<family>/state.ts, callbacks/types.ts), and creates them on first write.
 */
export interface ClockState {
  /** Virtual time = real time + offset, unless frozen. */
  offsetMs: number;
  frozenAtMs: number | null;
}

// Families add their slices here by declaration merging.
export interface MerchantState {
  /** Available balance in fen; prepaid stocks lock their budget from it. */
  balance: number;
}

export interface MockData {
  version: 1;
  clock: ClockState;
  merchants: Record<string, MerchantState>;
  /**
   * Id sequences (`favor.stock`, `paygift.activity`, …): the last number handed out. Kept across
   * reset, so a merchant's cache keyed by stock_id or coupon_id never sees an id come back.
   */
  sequences?: Record<string, number>;
}

export function initialData(balances: Record<string, number>): MockData {
  return {
    version: 1,
    clock: { offsetMs: 0, frozenAtMs: null },
    merchants: Object.fromEntries(Object.entries(balances).map(([mchid, balance]) => [mchid, { balance }])),
  };
}

/** The next number of sequence `name` (1, 2, …; `after` says where a sequence without a record starts). Inside a transaction only. */
export function nextInSequence(data: MockData, name: string, after = 0): number {
  const sequences = (data.sequences ??= {});
  const next = (Object.hasOwn(sequences, name) ? sequences[name] : after) + 1;
  sequences[name] = next;
  return next;
}
