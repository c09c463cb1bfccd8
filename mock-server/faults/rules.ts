/**
 * Fault rules: what to break, on which requests. A rule is plain JSON (the control API's body, the
 * programmatic `mock.faults.add()` argument) or one line of text (`--fault`, the per-request header):
 *
 *   {"operation_id": "favor.sendCoupon", "mchid": "1900000001", "action": "error", "code": "SYSTEM_ERROR", "when": "after", "times": 1}
 *   --fault "op=favor.sendCoupon SYSTEM_ERROR after times=1"
 *   Wechatpay-Mock-Fault: latency=800ms
 *
 * Matching: every filter given must hold (operation id, caller mchid, method, path with `*` for one
 * segment). `nth` skips the first nth-1 matching calls; `times` caps how often the rule fires (default:
 * once when `nth` is given, else no cap); `probability` fires on that share of the remaining calls,
 * drawn from a PRNG seeded by `seed` (a random seed is picked and shown when none is given).
 */

import { parseDuration } from '../clock-input.js';

export const FAULT_ACTIONS = [
  'error',
  'latency',
  'hang',
  'reset',
  'truncate',
  'bad-signature',
  'unknown-serial',
  'stale-timestamp',
  'no-signature',
  'tampered-body',
] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** Replies that must fail the client's verification: the handler runs, then the signed reply is spoiled. */
export const TAMPER_ACTIONS: readonly FaultAction[] = [
  'bad-signature',
  'unknown-serial',
  'stale-timestamp',
  'no-signature',
  'tampered-body',
];

/** `before`: nothing happens (the handler does not run); `after`: the work is done and durable, then the reply fails. */
export type FaultWhen = 'before' | 'after';

/** Shorthand for "the operation's rate-limit reply" (its declared 429, else the family's code). */
export const RATE_LIMIT = 'RATE_LIMIT';

/** What a rule does to a request it fires on. */
export interface FaultEffect {
  action: FaultAction;
  /** error: the code (declared by the operation's contract, or SYSTEM_ERROR, or RATE_LIMIT). */
  code?: string;
  /** error: one of the messages the contract declares for the code (default: the first). */
  message?: string;
  /** error, hang, reset: before or after the handler's work (default before). */
  when?: FaultWhen;
  /** Extra delay before the handler, fixed or a range (ms); with action `latency` the only effect. */
  latency_ms?: { min: number; max: number };
  /** hang: the longest the connection is held before it is closed (ms, default 30 s). */
  hang_ms?: number;
}

export interface FaultFilter {
  operation_id?: string;
  mchid?: string;
  method?: string;
  /** The request path (no query); `*` matches one segment. */
  path?: string;
  nth?: number;
  times?: number;
  probability?: number;
  seed?: number;
}

export interface FaultRuleSpec extends FaultFilter, FaultEffect {
  id?: string;
}

export const DEFAULT_HANG_MS = 30_000;
/** Longest latency or hang a rule may ask for: a fault must never hold a connection for good. */
export const MAX_DELAY_MS = 10 * 60_000;

/**
 * Rules a set holds at a time (request faults, callback chaos each): a client that adds rules in a loop
 * and never removes them must not grow the mock without bound, nor make every request scan them all.
 */
export const MAX_RULES = 1000;

export class FaultRuleError extends Error {}

/**
 * The rules to keep so that `adding` more fit under MAX_RULES. A spent rule (its `times` used up, so it
 * can fire no more) only shows its counters: the oldest spent ones make room first, so a suite that adds
 * a `times: 1` rule per test without removing it never meets the bound. Refuses when that is not
 * enough, naming the ways to make room. Changes nothing: the set swaps the list in once all is checked.
 */
export function withRoomFor<R>(rules: R[], adding: number, spent: (rule: R) => boolean, path: string): R[] {
  let excess = rules.length + adding - MAX_RULES;
  if (excess <= 0) return rules;
  const keep: R[] = [];
  for (const rule of rules) {
    if (excess > 0 && spent(rule)) excess--;
    else keep.push(rule);
  }
  if (excess > 0)
    throw new FaultRuleError(
      `at most ${MAX_RULES} rules at a time: remove some (DELETE ${path}/{id}, DELETE ${path}) or POST /_mock/reset`,
    );
  return keep;
}

const fail = (message: string): never => {
  throw new FaultRuleError(message);
};

function positiveInt(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n as number;
}

/** Milliseconds (a number or digits) or text like `800ms`, `2s`, `1m` (the clock's parser). */
function duration(name: string, v: unknown): number {
  const ms = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : parseDuration(v);
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DELAY_MS)
    fail(`${name} must be a duration from 0 to 10m (milliseconds or text like "800ms", "2s"), got ${JSON.stringify(v)}`);
  return Math.round(ms);
}

/** `800`, `"800ms"`, `"100ms..300ms"`, `[100, 300]`, `{min, max}` → a range in ms. */
function latencyRange(v: unknown): { min: number; max: number } {
  if (Array.isArray(v) && v.length === 2) return ordered(duration('latency', v[0]), duration('latency', v[1]));
  if (v && typeof v === 'object' && 'min' in v && 'max' in v)
    return ordered(duration('latency', (v as { min: unknown }).min), duration('latency', (v as { max: unknown }).max));
  if (typeof v === 'string' && v.includes('..')) {
    const [a, b] = v.split('..');
    return ordered(duration('latency', a), duration('latency', b));
  }
  const ms = duration('latency', v);
  return { min: ms, max: ms };
}

function ordered(a: number, b: number) {
  if (a > b) fail(`latency range must go from low to high, got ${a}..${b} ms`);
  return { min: a, max: b };
}

const KEYS = new Set([
  'id',
  'operation_id',
  'mchid',
  'method',
  'path',
  'nth',
  'times',
  'probability',
  'seed',
  'action',
  'code',
  'message',
  'when',
  'latency',
  'latency_ms',
  'hang',
  'hang_ms',
]);

/** A rule from JSON (control API, programmatic API): checked field by field, normalized. */
export function ruleSpecOf(input: unknown): FaultRuleSpec {
  if (!input || typeof input !== 'object' || Array.isArray(input)) fail('a fault rule must be a JSON object');
  const o = input as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
  if (unknown.length) fail(`unknown field(s) ${unknown.join(', ')}; a rule has ${[...KEYS].join(', ')}`);
  for (const k of ['id', 'operation_id', 'mchid', 'method', 'path', 'code', 'message'] as const)
    if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) fail(`${k} must be a non-empty string`);
  if (o.path !== undefined && !(o.path as string).startsWith('/')) fail(`path must start with /, got ${o.path}`);
  const latency = o.latency ?? o.latency_ms;
  const hang = o.hang ?? o.hang_ms;
  let action = o.action as FaultAction | undefined;
  if (action === undefined)
    action = o.code !== undefined ? 'error' : latency !== undefined ? 'latency' : hang !== undefined ? 'hang' : undefined;
  if (action === undefined) fail(`action is required: one of ${FAULT_ACTIONS.join(', ')} (or give code, latency or hang)`);
  if (!FAULT_ACTIONS.includes(action!)) fail(`action must be one of ${FAULT_ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
  if (action === 'error' && o.code === undefined)
    fail('an error rule needs code (e.g. SYSTEM_ERROR, RATE_LIMIT or a code the contract declares)');
  if (action !== 'error' && (o.code !== undefined || o.message !== undefined))
    fail(`code and message belong to action error, not ${action}`);
  if (action === 'latency' && latency === undefined) fail('a latency rule needs latency (e.g. "800ms" or "100ms..300ms")');
  if (action !== 'hang' && hang !== undefined) fail(`hang belongs to action hang, not ${action}`);
  if (o.when !== undefined && o.when !== 'before' && o.when !== 'after')
    fail(`when must be before or after, got ${JSON.stringify(o.when)}`);
  if (o.when !== undefined && !['error', 'hang', 'reset'].includes(action!))
    fail(
      `when applies to error, hang and reset; ${action} ${TAMPER_ACTIONS.includes(action!) || action === 'truncate' ? 'always acts on the real reply (after)' : 'acts before the handler'}`,
    );
  const probability = o.probability;
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)))
    fail(`probability must be a number from 0 to 1, got ${JSON.stringify(probability)}`);
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isInteger(o.seed)))
    fail(`seed must be an integer, got ${JSON.stringify(o.seed)}`);
  return {
    ...(o.id === undefined ? {} : { id: o.id as string }),
    ...(o.operation_id === undefined ? {} : { operation_id: o.operation_id as string }),
    ...(o.mchid === undefined ? {} : { mchid: o.mchid as string }),
    ...(o.method === undefined ? {} : { method: (o.method as string).toUpperCase() }),
    ...(o.path === undefined ? {} : { path: o.path as string }),
    ...(o.nth === undefined ? {} : { nth: positiveInt('nth', o.nth) }),
    ...(o.times === undefined ? {} : { times: positiveInt('times', o.times) }),
    ...(probability === undefined ? {} : { probability: probability as number }),
    ...(o.seed === undefined ? {} : { seed: o.seed as number }),
    action: action!,
    ...(o.code === undefined ? {} : { code: o.code as string }),
    ...(o.message === undefined ? {} : { message: o.message as string }),
    ...(o.when === undefined ? {} : { when: o.when as FaultWhen }),
    ...(latency === undefined ? {} : { latency_ms: latencyRange(latency) }),
    ...(action === 'hang' ? { hang_ms: hang === undefined ? DEFAULT_HANG_MS : duration('hang', hang) } : {}),
  };
}

/** Text keys → JSON fields (`op` is short for operation_id, `p` for probability). */
const TEXT_KEYS: Record<string, string> = { op: 'operation_id', p: 'probability' };
const NUMBER_FIELDS = new Set(['nth', 'times', 'probability', 'seed']);

/**
 * One rule from text (`--fault`, `Wechatpay-Mock-Fault`): words and `key=value` pairs separated by
 * spaces, commas or semicolons. A bare word is an action (`reset`, `hang`, `truncate`,
 * `bad-signature`, …), `before`/`after`, or an error code (`SYSTEM_ERROR`, `RATE_LIMIT`, `429`, a code
 * the contract declares). `latency=800ms`, `latency=100ms..300ms` and `hang=2s` act alone or with a code.
 */
export function ruleSpecFromText(text: string): FaultRuleSpec {
  const o: Record<string, unknown> = {};
  const tokens = text.split(/[\s,;]+/).filter(Boolean);
  if (!tokens.length) fail('empty fault');
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq === -1) {
      if ((FAULT_ACTIONS as readonly string[]).includes(token)) o.action = token;
      else if (token === 'before' || token === 'after') o.when = token;
      else if (token === '429') o.code = RATE_LIMIT;
      else if (/^[A-Z][A-Z0-9_]*$/.test(token)) o.code = token;
      else fail(`unknown word "${token}": expected an action (${FAULT_ACTIONS.join(', ')}), before/after, an error code or key=value`);
      continue;
    }
    const key = TEXT_KEYS[token.slice(0, eq)] ?? token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (!KEYS.has(key)) fail(`unknown key "${token.slice(0, eq)}"`);
    o[key] = NUMBER_FIELDS.has(key) && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return ruleSpecOf(o);
}

/** Turns `*` segments into a matcher for raw request paths. */
export function pathMatcher(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${escaped}$`);
}
