/** Read-only view of 委托营销 partnerships for the dashboard (GET /_mock/state/partnerships), through the repository. */
import type { MockData } from '../../store/state.js';
import { allPartnerships } from './repository.js';
import type { Partnership } from './state.js';

export type PartnershipRow = Partnership & { owner_mchid: string };

/** Every partnership of every authorizing merchant, in creation order per merchant. */
export function partnershipRows(data: MockData): PartnershipRow[] {
  return allPartnerships(data).map(({ owner, partnership }) => ({ owner_mchid: owner, ...structuredClone(partnership) }));
}
