/**
 * 委托营销 repository: the only code that knows where the family's partnerships and Idempotency-Key
 * records sit in the state document (`MerchantState.partnerships`, under the authorizing merchant, one
 * record per stock and partner: `partnershipKey`). Handlers, the 代金券 send authorization and the
 * dashboard view call these functions.
 *
 * Every function takes the document it works on: a handler's `ctx.data` to read, the `data` of
 * `ctx.mutate((data) => …)` to write.
 */
import type { IdempotentReply } from '../../store/idempotency.js';
import { own, putOwn } from '../../store/records.js';
import type { MockData } from '../../store/state.js';
import { partnerId, type AuthorizedData, type Partner, type Partnership, type PartnershipsState } from './state.js';

export function emptyPartnershipsState(): PartnershipsState {
  return { relations: {}, build_requests: {}, terminate_requests: {} };
}

/** A merchant's slice to write, created on first write. */
const writable = (data: MockData, mchid: string): PartnershipsState => (data.merchants[mchid].partnerships ??= emptyPartnershipsState());

const sliceOf = (data: MockData, mchid: string): PartnershipsState | undefined => data.merchants[mchid]?.partnerships;

/** Identity of a partnership: the stock it authorizes and who it authorizes. */
const partnershipKey = (data: AuthorizedData, partner: Partner): string =>
  `${data.business_type}|${data.stock_id}|${partner.type}|${partnerId(partner)}`;

/** The partnership of `owner` on this stock for this partner, if one was ever built. */
export function findPartnership(data: MockData, owner: string, authorized: AuthorizedData, partner: Partner): Partnership | undefined {
  return own(sliceOf(data, owner)?.relations, partnershipKey(authorized, partner));
}

/** `owner`'s partnerships, established and terminated, in creation order. */
export function partnershipsOf(data: MockData, owner: string): Partnership[] {
  return Object.values(sliceOf(data, owner)?.relations ?? {});
}

/** Every authorizing merchant's partnerships, with the merchant's id. */
export function allPartnerships(data: MockData): { owner: string; partnership: Partnership }[] {
  return Object.keys(data.merchants).flatMap((owner) => partnershipsOf(data, owner).map((partnership) => ({ owner, partnership })));
}

/** Stores `owner`'s partnership on its stock and partner (a new one, or the same record built again). */
export function savePartnership(data: MockData, owner: string, partnership: Partnership): void {
  putOwn(writable(data, owner).relations, partnershipKey(partnership.authorized_data, partnership.partner), partnership);
}

/** Changes a stored partnership: `change` gets the record as `data` holds it. */
export function updatePartnership<T>(
  data: MockData,
  owner: string,
  ref: Pick<Partnership, 'authorized_data' | 'partner'>,
  change: (partnership: Partnership) => T,
): T {
  return change(sliceOf(data, owner)!.relations[partnershipKey(ref.authorized_data, ref.partner)]);
}

/** build and terminate Idempotency-Key records of `mchid` (key → first reply). */
export type PartnershipRequest = 'build' | 'terminate';

export function requestsOf(data: MockData, mchid: string, kind: PartnershipRequest): Record<string, IdempotentReply> | undefined {
  return sliceOf(data, mchid)?.[kind === 'build' ? 'build_requests' : 'terminate_requests'];
}

export function recordRequest(data: MockData, mchid: string, kind: PartnershipRequest, key: string, record: IdempotentReply): void {
  putOwn(writable(data, mchid)[kind === 'build' ? 'build_requests' : 'terminate_requests'], key, record);
}
