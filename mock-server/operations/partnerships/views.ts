/**
 * Read-only view of 委托营销 partnerships for the dashboard (GET /_mock/state/partnerships): the one
 * place this view touches storage, so a new state layer re-points it here.
 */
import type { MockData } from '../../store/state.js';
import type { Partnership } from './state.js';

export type PartnershipRow = Partnership & { owner_mchid: string };

/** Every partnership of every authorizing merchant, in creation order per merchant. */
export function partnershipRows(data: MockData): PartnershipRow[] {
  return Object.entries(data.merchants).flatMap(([owner, m]) =>
    Object.values(m.partnerships?.relations ?? {}).map((p) => ({ owner_mchid: owner, ...structuredClone(p) })),
  );
}
