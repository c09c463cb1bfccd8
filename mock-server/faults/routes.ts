/**
 * `/_mock/faults…` — fault rules at run time (mounted by control/routes.ts, behind its loopback check).
 *
 *   GET    /_mock/faults               → {rules}
 *   POST   /_mock/faults   rule | [rule, …] | {"text": "op=favor.sendCoupon SYSTEM_ERROR"}  → {rules: added}
 *   GET    /_mock/faults/{id}          → the rule with its counters
 *   DELETE /_mock/faults/{id}          → {status: "removed"}
 *   DELETE /_mock/faults               → {status: "cleared"}  (every rule, start-up ones too; reset restores those)
 *
 * Callback chaos (callbacks/chaos.ts) has the same under /_mock/faults/callbacks, and
 *   GET    /_mock/faults/callbacks/log[?notification_id=]  → {events}: what chaos sent and what the handler answered
 */
import { Hono } from 'hono';
import { jsonResponse } from '../http.js';
import { FaultRuleError } from './rules.js';

/** What both rule sets offer the control API. */
export interface RuleStore<R> {
  add(input: unknown): R;
  list(): R[];
  get(id: string): R | undefined;
  remove(id: string): boolean;
  clear(): void;
}

export class RuleNotFound extends Error {}

/** GET/POST/DELETE over one rule set. */
export function ruleRoutes<R>(rules: RuleStore<R>, what: string): Hono {
  const app = new Hono();
  app.onError((err) => {
    if (err instanceof FaultRuleError) return jsonResponse(400, { code: 'PARAM_ERROR', message: err.message });
    if (err instanceof RuleNotFound) return jsonResponse(404, { code: 'NOT_FOUND', message: err.message });
    throw err;
  });
  app.get('/', (c) => c.json({ rules: rules.list() }));
  app.post('/', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new FaultRuleError(`the body must be a ${what} (JSON object), a list of them, or {"text": "…"}`);
    });
    const inputs = Array.isArray(body) ? body : [body];
    const texts = inputs.map((i) => (i && typeof i === 'object' && 'text' in i && Object.keys(i).length === 1 ? String(i.text) : i));
    // All or none: a list with one bad rule adds nothing.
    const added: R[] = [];
    try {
      for (const input of texts) added.push(rules.add(input));
    } catch (err) {
      for (const r of added) rules.remove((r as { id: string }).id);
      throw err;
    }
    return c.json({ rules: added });
  });
  app.delete('/', (c) => {
    rules.clear();
    return c.json({ status: 'cleared' });
  });
  app.get('/:id', (c) => {
    const rule = rules.get(c.req.param('id'));
    if (!rule) throw new RuleNotFound(`no ${what} ${c.req.param('id')}`);
    return c.json(rule);
  });
  app.delete('/:id', (c) => {
    if (!rules.remove(c.req.param('id'))) throw new RuleNotFound(`no ${what} ${c.req.param('id')}`);
    return c.json({ status: 'removed' });
  });
  return app;
}

/** `/_mock/faults`, `/_mock/faults/callbacks` and `/_mock/faults/callbacks/log?notification_id=`. */
export function faultControlRoutes(
  requests: RuleStore<unknown>,
  callbacks?: RuleStore<unknown> & { log(filter?: { notification_id?: string }): unknown[] },
): Hono {
  const app = new Hono();
  if (callbacks) {
    app.get('/callbacks/log', (c) => c.json({ events: callbacks.log({ notification_id: c.req.query('notification_id') }) }));
    app.route('/callbacks', ruleRoutes(callbacks, 'callback chaos rule'));
  }
  app.route('/', ruleRoutes(requests, 'fault rule'));
  return app;
}
