/**
 * `/_mock/faults…` — fault rules at run time (registered by control/routes.ts from their contracts,
 * contracts/_mock/faults/, behind the control API's loopback check).
 *
 *   GET    /_mock/faults               → {rules}
 *   POST   /_mock/faults   rule | [rule, …] | {"text": "op=favor.sendCoupon SYSTEM_ERROR"}  → {rules: added}
 *   GET    /_mock/faults/{id}          → the rule with its counters
 *   DELETE /_mock/faults/{id}          → {status: "removed"}
 *   DELETE /_mock/faults               → {status: "cleared"}  (every rule, start-up ones too; reset restores those)
 *
 * Callback chaos (callbacks/chaos.ts) has the same under /_mock/faults/callbacks, and
 *   GET    /_mock/faults/callbacks/log[?notification_id=]  → {events}: what chaos sent and what the handler answered
 *
 * The rule sets check their rules (rules.ts, chaos.ts: FaultRuleError → 400 PARAM_ERROR in the control
 * API's envelope, control/operations.ts).
 */
import { ApiError } from '../errors.js';
import type { ControlRouter } from '../control/operations.js';

/** What both rule sets offer the control API. */
export interface RuleStore<R> {
  add(input: unknown): R;
  /** All or none: one rule that cannot work, or no room for them, adds nothing. */
  addAll(inputs: unknown[]): R[];
  list(): R[];
  get(id: string): R | undefined;
  remove(id: string): boolean;
  clear(): void;
}

/** The contracts of each rule set's operations (contracts/_mock/faults/, contracts/_mock/faults/callbacks/). */
const FAULT_IDS = {
  list: 'control.faults',
  add: 'control.faultsAdd',
  clear: 'control.faultsClear',
  get: 'control.faultsGet',
  remove: 'control.faultsRemove',
} as const;
const CHAOS_IDS = {
  list: 'control.callbackFaults',
  add: 'control.callbackFaultsAdd',
  clear: 'control.callbackFaultsClear',
  get: 'control.callbackFaultsGet',
  remove: 'control.callbackFaultsRemove',
} as const;

/** GET/POST/DELETE over one rule set. */
function ruleRoutes<R>(router: ControlRouter, ids: typeof FAULT_IDS | typeof CHAOS_IDS, rules: RuleStore<R>, what: string): void {
  const notFound = (id: string) => new ApiError('NOT_FOUND', `no ${what} ${id}`);
  router.on(ids.list, () => ({ rules: rules.list() }));
  router.on(ids.add, ({ body }) => {
    const inputs: unknown[] = Array.isArray(body) ? body : [body];
    const texts = inputs.map((i) => (i && typeof i === 'object' && 'text' in i && Object.keys(i).length === 1 ? String(i.text) : i));
    // All or none: a list with one bad rule adds nothing.
    return { rules: rules.addAll(texts) };
  });
  router.on(ids.clear, () => {
    rules.clear();
    return { status: 'cleared' };
  });
  router.on(ids.get, ({ params }) => {
    const rule = rules.get(params.id);
    if (!rule) throw notFound(params.id);
    return rule;
  });
  router.on(ids.remove, ({ params }) => {
    if (!rules.remove(params.id)) throw notFound(params.id);
    return { status: 'removed' };
  });
}

/** `/_mock/faults`, `/_mock/faults/callbacks` and `/_mock/faults/callbacks/log?notification_id=`. */
export function faultControlRoutes(
  router: ControlRouter,
  requests: RuleStore<unknown>,
  callbacks?: RuleStore<unknown> & { log(filter?: { notification_id?: string }): unknown[] },
): void {
  if (callbacks) {
    router.on('control.callbackFaultsLog', ({ query }) => ({ events: callbacks.log({ notification_id: query.notification_id }) }));
    ruleRoutes(router, CHAOS_IDS, callbacks, 'callback chaos rule');
  }
  ruleRoutes(router, FAULT_IDS, requests, 'fault rule');
}
