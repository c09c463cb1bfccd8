/**
 * 支付有礼 control operations, registered by control/routes.ts from contracts/_mock/paygift/ (unsigned, loopback only):
 *
 *   POST /_mock/paygift/activities/{activity_id}/pause | recover | fail
 *
 * The statuses the merchant platform (not the API) reaches: STOP_ACT_STATUS with pause_time /
 * recovery_time, CREATE_ACT_FAILED. See mock-server/operations/paygift/control.ts.
 */
import { ACTIVITY_ACTIONS, type ActivityAction } from '../operations/paygift/control.js';
import type { ControlRouter } from './operations.js';

export interface PaygiftControl {
  actOnActivity(activityId: string, action: ActivityAction): Promise<Record<string, unknown>>;
}

/** Each action's contract (contracts/_mock/paygift/). */
const OPERATION_IDS = {
  pause: 'control.paygiftPauseActivity',
  recover: 'control.paygiftRecoverActivity',
  fail: 'control.paygiftFailActivity',
} as const satisfies Record<ActivityAction, string>;

export function paygiftControlRoutes(router: ControlRouter, paygift: PaygiftControl): void {
  // The domain's refusals (PaygiftControlError) become the control API's envelope (operations.ts).
  for (const action of ACTIVITY_ACTIONS)
    router.on(OPERATION_IDS[action], ({ params }) => paygift.actOnActivity(params.activity_id, action));
}
