/**
 * Read-only view of 支付有礼 activities for the dashboard (GET /_mock/state/activities), read through
 * the repository. Status from the clock, as the API.
 */
import type { MockData } from '../../store/state.js';
import { rfc3339 } from '../../time.js';
import { allActivities } from './repository.js';
import { activityStatus, type ActivityStatus } from './state.js';

export interface ActivityRow {
  activity_id: string;
  creator_mchid: string;
  activity_name: string;
  status: ActivityStatus;
  begin_time: string;
  end_time: string;
  award_type: unknown;
  send_content: unknown;
  transaction_amount_minimum: unknown;
  merchants: string[];
  create_time: string;
  terminate_time?: string;
}

/** Every activity of every merchant, newest first. */
export function activityRows(data: MockData, nowMs: number): ActivityRow[] {
  return allActivities(data)
    .sort((a, b) => b.activity_id.localeCompare(a.activity_id))
    .map((a) => ({
      activity_id: a.activity_id,
      creator_mchid: a.creator_mchid,
      activity_name: String(a.activity_base_info.activity_name ?? ''),
      status: activityStatus(a, nowMs),
      begin_time: rfc3339(a.begin_ms, { millis: true }),
      end_time: rfc3339(a.end_ms, { millis: true }),
      award_type: a.full_send_rule.award_type,
      send_content: a.full_send_rule.send_content,
      transaction_amount_minimum: a.full_send_rule.transaction_amount_minimum,
      merchants: a.merchants.map((m) => m.mchid),
      create_time: a.create_time,
      ...(a.terminate_time ? { terminate_time: a.terminate_time } : {}),
    }));
}
