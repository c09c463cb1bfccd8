/**
 * 支付有礼 state types (reading and writing the records is repository.ts's alone), kept under the
 * creating merchant (`MerchantState.paygift`): activities, and the
 * idempotency records of create (`out_request_no`), merchants/add (`add_request_no`) and
 * merchants/delete (`delete_request_no`), each unique per merchant as the docs define them.
 *
 * The status is NOT stored: it is computed from the virtual clock on every read (`activityStatus`),
 * so moving the clock moves every activity through created → ongoing → over time without a timer.
 * Only what was done is stored: termination (`terminate_time`), a pause and its recovery, a failed creation.
 */
import type { IdempotentReply } from '../../store/idempotency.js';
import { nextInSequence, type MockData } from '../../store/state.js';
import { allActivities } from './repository.js';

declare module '../../store/state.js' {
  interface MerchantState {
    /** 支付有礼 activities created by this merchant, and its idempotency records. */
    paygift?: PaygiftState;
  }
}

export type ActivityStatus =
  'CREATE_ACT_STATUS' | 'ONGOING_ACT_STATUS' | 'TERMINATE_ACT_STATUS' | 'OVER_TIME_ACT_STATUS' | 'STOP_ACT_STATUS' | 'CREATE_ACT_FAILED';

export interface PaygiftMerchant {
  mchid: string;
  create_time: string;
  update_time: string;
}

export interface PaygiftActivity {
  activity_id: string;
  creator_mchid: string;
  /** Canonical JSON of the create body: a repeat with the same out_request_no must match it. */
  fingerprint: string;
  activity_base_info: Record<string, unknown>;
  /** The create body's award_send_rule without merchant_id_list (that lives in `merchants`). */
  full_send_rule: Record<string, unknown>;
  advanced_setting?: Record<string, unknown>;
  /** Sending merchants (发券商户号), in the order they were added. */
  merchants: PaygiftMerchant[];
  begin_ms: number;
  end_ms: number;
  create_time: string;
  update_time: string;
  terminate_time?: string;
  /**
   * Paused (STOP_ACT_STATUS) and resumed: done in the merchant platform, no API of this family reaches
   * them, so the control API does (operations/paygift/control.ts). The detail answers both times.
   */
  paused?: boolean;
  pause_time?: string;
  recovery_time?: string;
  /** Set when the (asynchronous, undocumented) creation failed: CREATE_ACT_FAILED from then on. */
  failed?: boolean;
}

export interface PaygiftState {
  activities: Record<string, PaygiftActivity>;
  /** out_request_no → activity_id */
  out_request_nos: Record<string, string>;
  add_requests: Record<string, IdempotentReply>;
  delete_requests: Record<string, IdempotentReply>;
}

/**
 * created before begin_time, ongoing from begin_time to end_time inclusive, over time after it;
 * a failed creation and termination win over the clock; a pause holds until resumed or over time. (api-reference.md §6: the clock-driven transitions are inferred.)
 */
export function activityStatus(activity: PaygiftActivity, nowMs: number): ActivityStatus {
  if (activity.failed) return 'CREATE_ACT_FAILED';
  if (activity.terminate_time) return 'TERMINATE_ACT_STATUS';
  if (nowMs > activity.end_ms) return 'OVER_TIME_ACT_STATUS';
  // Paused by the merchant: stays paused until resumed or until its end passes (ours).
  if (activity.paused) return 'STOP_ACT_STATUS';
  if (nowMs < activity.begin_ms) return 'CREATE_ACT_STATUS';
  if (nowMs <= activity.end_ms) return 'ONGOING_ACT_STATUS';
  return 'OVER_TIME_ACT_STATUS';
}

/** Activity ids are digit strings like the samples' (`10028001`), unique across all merchants. */
export function nextActivityId(data: MockData): string {
  // Files written before the sequences counted the activities instead.
  const count = data.sequences?.['paygift.activity'] ? 0 : allActivities(data).length;
  return String(10028000 + nextInSequence(data, 'paygift.activity', count));
}
