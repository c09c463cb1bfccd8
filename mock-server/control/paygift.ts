/**
 * 支付有礼 control operations, mounted at /_mock/paygift by control/routes.ts (unsigned, loopback only):
 *
 *   POST /_mock/paygift/activities/{activity_id}/pause | recover | fail
 *
 * The statuses the merchant platform (not the API) reaches: STOP_ACT_STATUS with pause_time /
 * recovery_time, CREATE_ACT_FAILED. See mock-server/operations/paygift/control.ts.
 */
import { Hono } from 'hono';
import { jsonResponse } from '../http.js';
import { ACTIVITY_ACTIONS, PaygiftControlError, type ActivityAction } from '../operations/paygift/control.js';

export interface PaygiftControl {
  actOnActivity(activityId: string, action: ActivityAction): Promise<Record<string, unknown>>;
}

export function paygiftControlRoutes(paygift: PaygiftControl): Hono {
  const app = new Hono();
  app.onError((err) => {
    if (err instanceof PaygiftControlError) return jsonResponse(err.status, { code: err.code, message: err.message });
    throw err;
  });
  for (const action of ACTIVITY_ACTIONS)
    app.post(`/activities/:activity_id/${action}`, async (c) => c.json(await paygift.actOnActivity(c.req.param('activity_id'), action)));
  return app;
}
