/**
 * 支付有礼 repository: the only code that knows where the family's activities and request records sit
 * in the state document (`MerchantState.paygift`, under the creating merchant). Handlers, the control
 * operations and the dashboard view call these functions.
 *
 * Every function takes the document it works on: a handler's `ctx.data` to read, the `data` of
 * `ctx.mutate((data) => …)` / `store.transact` to write. Activity ids are unique across merchants, so
 * a lookup by id alone probes each merchant's slice (the fixture merchants, a handful).
 */
import type { IdempotentReply } from '../../store/idempotency.js';
import { own, putOwn } from '../../store/records.js';
import type { MockData } from '../../store/state.js';
import type { PaygiftActivity, PaygiftState } from './state.js';

/** What names a stored activity: its creator (where it lives) and its id. */
export type ActivityRef = Pick<PaygiftActivity, 'creator_mchid' | 'activity_id'>;

export function emptyPaygiftState(): PaygiftState {
  return { activities: {}, out_request_nos: {}, add_requests: {}, delete_requests: {} };
}

/** A merchant's slice to write, created on first write. */
const writable = (data: MockData, mchid: string): PaygiftState => (data.merchants[mchid].paygift ??= emptyPaygiftState());

const sliceOf = (data: MockData, mchid: string): PaygiftState | undefined => data.merchants[mchid]?.paygift;

/** The activity `creatorMchid` created with this id (another merchant's: undefined). */
export function activityOf(data: MockData, creatorMchid: string, activityId: string): PaygiftActivity | undefined {
  return own(sliceOf(data, creatorMchid)?.activities, activityId);
}

/** The activity with this id, whoever created it. */
export function findActivity(data: MockData, activityId: string): PaygiftActivity | undefined {
  for (const merchant of Object.values(data.merchants)) {
    const activity = own(merchant.paygift?.activities, activityId);
    if (activity) return activity;
  }
  return undefined;
}

/** The activities `creatorMchid` created, in creation order. */
export function activitiesOf(data: MockData, creatorMchid: string): PaygiftActivity[] {
  return Object.values(sliceOf(data, creatorMchid)?.activities ?? {});
}

/** Every merchant's activities. */
export function allActivities(data: MockData): PaygiftActivity[] {
  return Object.values(data.merchants).flatMap((merchant) => Object.values(merchant.paygift?.activities ?? {}));
}

/** The activity a create request (the creator's out_request_no) made, if any. */
export function activityByRequest(data: MockData, creatorMchid: string, outRequestNo: string): PaygiftActivity | undefined {
  const id = own(sliceOf(data, creatorMchid)?.out_request_nos, outRequestNo);
  return id === undefined ? undefined : activityOf(data, creatorMchid, id);
}

/** Stores a new activity and its create request. */
export function insertActivity(data: MockData, activity: PaygiftActivity, outRequestNo: string): void {
  const state = writable(data, activity.creator_mchid);
  putOwn(state.activities, activity.activity_id, activity);
  putOwn(state.out_request_nos, outRequestNo, activity.activity_id);
}

/** Changes a stored activity: `change` gets the record as `data` holds it. */
export function updateActivity<T>(data: MockData, ref: ActivityRef, change: (activity: PaygiftActivity) => T): T {
  return change(sliceOf(data, ref.creator_mchid)!.activities[ref.activity_id]);
}

/** merchants/add and merchants/delete records of `mchid` (add_request_no / delete_request_no → first reply). */
export type MerchantsRequest = 'add' | 'delete';

export function merchantsRequestsOf(data: MockData, mchid: string, kind: MerchantsRequest): Record<string, IdempotentReply> | undefined {
  return sliceOf(data, mchid)?.[kind === 'add' ? 'add_requests' : 'delete_requests'];
}

export function recordMerchantsRequest(data: MockData, mchid: string, kind: MerchantsRequest, key: string, record: IdempotentReply): void {
  putOwn(writable(data, mchid)[kind === 'add' ? 'add_requests' : 'delete_requests'], key, record);
}
