/**
 * 支付有礼 statuses no API of the family reaches (api-reference.md §3.0, §6): a merchant pauses and
 * resumes an activity in the merchant platform (STOP_ACT_STATUS with pause_time / recovery_time), and
 * a creation can fail after the create call answered (CREATE_ACT_FAILED). The control API drives them:
 *
 *   POST /_mock/paygift/activities/{activity_id}/pause    CREATE/ONGOING → STOP_ACT_STATUS, pause_time now
 *   POST /_mock/paygift/activities/{activity_id}/recover  STOP_ACT_STATUS → by the clock again, recovery_time now
 *   POST /_mock/paygift/activities/{activity_id}/fail     CREATE_ACT_STATUS → CREATE_ACT_FAILED
 *
 * Answer: `{activity_id, activity_status, pause_time?, recovery_time?}`; refused → 404 RESOURCE_NOT_EXISTS
 * (unknown id) or 400 INVALID_REQUEST (wrong status), `{code, message}`.
 */
import type { ControlStateAccess } from '../types.js';
import { rfc3339 } from '../../time.js';
import { findActivity, updateActivity } from './repository.js';
import { activityStatus, type ActivityStatus } from './state.js';

export type ActivityAction = 'pause' | 'recover' | 'fail';
export const ACTIVITY_ACTIONS: readonly ActivityAction[] = ['pause', 'recover', 'fail'];

export class PaygiftControlError extends Error {
  constructor(
    readonly code: 'RESOURCE_NOT_EXISTS' | 'INVALID_REQUEST',
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Which statuses each action starts from. */
const FROM: Record<ActivityAction, ActivityStatus[]> = {
  pause: ['CREATE_ACT_STATUS', 'ONGOING_ACT_STATUS'],
  recover: ['STOP_ACT_STATUS'],
  fail: ['CREATE_ACT_STATUS'],
};

export async function actOnActivity(deps: ControlStateAccess, activityId: string, action: ActivityAction) {
  const { store, clock } = deps;
  const activity = findActivity(store.data, activityId);
  if (!activity) throw new PaygiftControlError('RESOURCE_NOT_EXISTS', `no activity ${activityId}`, 404);
  const now = clock.nowMs();
  // Checked before the transaction, and again inside it on the latest state: with replicas on one
  // database another may have acted on it meanwhile.
  const requireFrom = (status: ActivityStatus) => {
    if (!FROM[action].includes(status))
      throw new PaygiftControlError(
        'INVALID_REQUEST',
        `activity ${activityId} is ${status}: ${action} needs ${FROM[action].join(' or ')}`,
        400,
      );
  };
  requireFrom(activityStatus(activity, now));
  const time = rfc3339(now);
  // One transaction, like a handler's ctx.mutate: durable before the control API answers.
  const stored = await store.transact((data) =>
    updateActivity(data, activity, (a) => {
      requireFrom(activityStatus(a, now));
      if (action === 'pause') {
        a.paused = true;
        a.pause_time = time;
      } else if (action === 'recover') {
        a.paused = false;
        a.recovery_time = time;
      } else a.failed = true;
      a.update_time = time;
      return a;
    }),
  );
  return {
    activity_id: stored.activity_id,
    activity_status: activityStatus(stored, now),
    ...(stored.pause_time ? { pause_time: stored.pause_time } : {}),
    ...(stored.recovery_time ? { recovery_time: stored.recovery_time } : {}),
  };
}
