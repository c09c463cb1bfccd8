/**
 * Callback chaos: COUPON.USE deliveries that misbehave on purpose, per merchant or per delivery, to
 * test a notify handler's unhappy paths. A rule picks new deliveries (mchid, coupon_id, stock_id,
 * `times`) and does any of:
 *
 *   bad: [kinds] | "all"   before the first valid attempt, send the notification broken each way
 *                          (bad-notifications.ts); the handler must refuse each (non-2xx)
 *   duplicate: N           once delivered, send the same notification (same id, same body, fresh
 *                          signature) N-1 more times; the handler must answer each 200/204
 *   delay: "90s"           the first attempt goes this much later on the virtual clock
 *   reorder: N             hold N deliveries, then send them newest first, one after another
 *
 * Every chaos send is logged with what the handler answered and whether that was right. Rules and the
 * log live in memory only (a restart or reset forgets them; held deliveries then go out normally).
 */
import { parseDuration } from '../clock-input.js';
import type { Clock } from '../clock.js';
import { FaultRuleError, withRoomFor } from '../faults/rules.js';
import { signingKeyOf } from '../protocol/sign-response.js';
import type { World } from '../world.js';
import { BAD_NOTIFICATIONS, BAD_NOTIFICATION_TEXT, badNotification, type BadNotification } from './bad-notifications.js';
import type { CallbackDispatcher } from './dispatcher.js';
import { callbackHeaders } from './notification.js';
import type { DeliveryRecord } from './types.js';
import { idText } from '../id-text.js';

export interface ChaosRuleSpec {
  id?: string;
  mchid?: string;
  coupon_id?: string;
  stock_id?: string;
  /** Deliveries the rule takes at most (default: every matching one). */
  times?: number;
  bad?: BadNotification[];
  duplicate?: number;
  /** Virtual milliseconds. */
  delay_ms?: number;
  reorder?: number;
}

export interface ChaosRule extends ChaosRuleSpec {
  id: string;
  /** Deliveries taken so far. */
  fired: number;
}

export type ChaosKind = BadNotification | 'duplicate' | 'delayed' | 'reordered';

/** One thing chaos did to a delivery, with the handler's answer when something was sent. */
export interface ChaosEvent {
  seq: number;
  rule_id: string;
  notification_id: string;
  mchid: string;
  coupon_id: string;
  kind: ChaosKind;
  /** What was sent or done, in words. */
  detail: string;
  url: string | null;
  time: string;
  /** What a correct handler does: refuse (non-2xx), accept (200/204); null for delay and reorder. */
  expected: 'refuse' | 'accept' | null;
  status: number | null;
  latency_ms: number | null;
  error: string | null;
  /** The answer was what a correct handler gives; null when nothing was sent or no answer came. */
  ok: boolean | null;
}

const KEYS = new Set(['id', 'mchid', 'coupon_id', 'stock_id', 'times', 'bad', 'duplicate', 'delay', 'delay_ms', 'reorder']);
const fail = (m: string): never => {
  throw new FaultRuleError(m);
};

/** `delay`: virtual milliseconds, or text like `90s`, `15m`, `2h` (the clock's parser). */
function durationMs(v: unknown): number {
  const ms = parseDuration(v);
  if (!(ms >= 0)) return fail(`delay must be milliseconds or a duration like "90s", "15m", got ${JSON.stringify(v)}`);
  return ms;
}

function count(name: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

export function chaosSpecOf(input: unknown): ChaosRuleSpec {
  if (!input || typeof input !== 'object' || Array.isArray(input)) fail('a callback chaos rule must be a JSON object');
  const o = input as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
  if (unknown.length) fail(`unknown field(s) ${unknown.join(', ')}; a rule has ${[...KEYS].join(', ')}`);
  for (const k of ['id', 'mchid', 'coupon_id', 'stock_id'] as const)
    if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) fail(`${k} must be a non-empty string`);
  let bad: BadNotification[] | undefined;
  if (o.bad === 'all') bad = [...BAD_NOTIFICATIONS];
  else if (o.bad !== undefined) {
    if (!Array.isArray(o.bad) || !o.bad.length || o.bad.some((k) => !(BAD_NOTIFICATIONS as readonly unknown[]).includes(k)))
      fail(`bad must be "all" or a list of ${BAD_NOTIFICATIONS.join(', ')}`);
    bad = o.bad as BadNotification[];
  }
  const delay = o.delay ?? o.delay_ms;
  const spec: ChaosRuleSpec = {
    ...(o.id === undefined ? {} : { id: o.id as string }),
    ...(o.mchid === undefined ? {} : { mchid: o.mchid as string }),
    ...(o.coupon_id === undefined ? {} : { coupon_id: o.coupon_id as string }),
    ...(o.stock_id === undefined ? {} : { stock_id: o.stock_id as string }),
    ...(o.times === undefined ? {} : { times: count('times', o.times, 1) }),
    ...(bad ? { bad } : {}),
    ...(o.duplicate === undefined ? {} : { duplicate: count('duplicate', o.duplicate, 2) }),
    ...(delay === undefined ? {} : { delay_ms: durationMs(delay) }),
    ...(o.reorder === undefined ? {} : { reorder: count('reorder', o.reorder, 2) }),
  };
  if (!spec.bad && !spec.duplicate && spec.delay_ms === undefined && !spec.reorder)
    fail('a callback chaos rule needs at least one of bad, duplicate, delay, reorder');
  return spec;
}

export class CallbackChaos {
  private rules: ChaosRule[] = [];
  private held = new Map<string, string[]>();
  private events: ChaosEvent[] = [];
  private nextId = 1;
  private seq = 0;
  /** Bumped by reset: work started before it stops sending. */
  private gen = 0;

  constructor(private readonly deps: { dispatcher: CallbackDispatcher; clock: Clock; world: World; logSize: number }) {
    deps.dispatcher.setChaos((record) => this.firstDue(record));
  }

  add(input: unknown): ChaosRule {
    return this.addAll([input])[0];
  }

  /** Adds rules all or none (faults/rules.ts `withRoomFor`: spent rules make room, oldest first). */
  addAll(inputs: unknown[]): ChaosRule[] {
    let nextId = this.nextId;
    const ids = new Set(this.rules.map((r) => r.id));
    const added = inputs.map((input): ChaosRule => {
      const spec = chaosSpecOf(input);
      const id = spec.id ?? `chaos-${nextId++}`;
      if (ids.has(id)) fail(`a rule with id ${id} exists`);
      ids.add(id);
      if (spec.mchid !== undefined && !this.deps.world.merchants.has(spec.mchid))
        fail(`no merchant ${idText(spec.mchid)} in the fixture world`);
      return { ...spec, id, fired: 0 };
    });
    // A rule still holding deliveries for a reorder group is not spent: removing it would release them.
    const spent = (r: ChaosRule) => r.times !== undefined && r.fired >= r.times && !this.held.has(r.id);
    this.rules = [...withRoomFor(this.rules, added.length, spent, '/_mock/faults/callbacks'), ...added];
    this.nextId = nextId;
    return added.map((r) => ({ ...r }));
  }

  list(): ChaosRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  get(id: string): ChaosRule | undefined {
    const r = this.rules.find((x) => x.id === id);
    return r && { ...r };
  }

  /** Removing a rule releases the deliveries it holds for reordering, in their order. */
  remove(id: string): boolean {
    const rule = this.rules.find((r) => r.id === id);
    if (!rule) return false;
    this.rules = this.rules.filter((r) => r !== rule);
    for (const held of this.held.get(id) ?? []) this.deps.dispatcher.release(held, this.deps.clock.nowMs());
    this.held.delete(id);
    return true;
  }

  clear(): void {
    for (const r of this.list()) this.remove(r.id);
  }

  /** What chaos did, oldest first; `notification_id` filters. */
  log(filter: { notification_id?: string } = {}): ChaosEvent[] {
    return this.events
      .filter((e) => filter.notification_id === undefined || e.notification_id === filter.notification_id)
      .map((e) => ({ ...e }));
  }

  reset(): void {
    this.gen++;
    this.rules = [];
    this.held.clear();
    this.events = [];
    this.nextId = 1;
    this.seq = 0;
  }

  /** The dispatcher's hook for a new delivery: undefined = as usual, a time = delayed, null = held here. */
  private firstDue(record: DeliveryRecord): number | null | undefined {
    const rule = this.rules.find(
      (r) =>
        (r.mchid === undefined || r.mchid === record.mchid) &&
        (r.coupon_id === undefined || r.coupon_id === record.coupon_id) &&
        (r.stock_id === undefined || r.stock_id === record.stock_id) &&
        (r.times === undefined || r.fired < r.times),
    );
    if (!rule) return undefined;
    rule.fired++;
    const gen = this.gen;
    if (rule.duplicate) void this.duplicateOnceDelivered(rule, record, gen);
    const at = this.deps.clock.nowMs() + (rule.delay_ms ?? 0);
    if (rule.delay_ms) this.note(rule, record, 'delayed', `first attempt ${rule.delay_ms} ms later on the virtual clock`);
    if (!rule.bad && !rule.reorder) return at;
    void this.beforeRelease(rule, record, at, gen);
    return null;
  }

  /** Bad notifications first (each answered before the next), then the reorder group, then the real attempt. */
  private async beforeRelease(rule: ChaosRule, record: DeliveryRecord, at: number, gen: number) {
    for (const kind of rule.bad ?? []) {
      if (gen !== this.gen) return;
      await this.sendBad(rule, record, kind);
    }
    if (gen !== this.gen) return;
    if (!rule.reorder) return this.deps.dispatcher.release(record.id, at);
    const group = [...(this.held.get(rule.id) ?? []), record.id];
    if (group.length < rule.reorder) return void this.held.set(rule.id, group);
    this.held.delete(rule.id);
    // Newest first, each once its first attempt is answered, so they arrive in that order.
    for (const [i, id] of group.reverse().entries()) {
      if (gen !== this.gen) return;
      const r = this.deps.dispatcher.get(id);
      if (r) this.note(rule, r, 'reordered', `sent ${i + 1} of ${group.length} (created ${group.length - i} of ${group.length})`);
      this.deps.dispatcher.release(id, this.deps.clock.nowMs());
      await this.deps.dispatcher
        .waitUntil(id, (x) => x.state !== 'pending' || x.attempts.some((a) => !a.probe), this.deps.dispatcher.options.timeoutMs + 5_000)
        .catch(() => undefined);
    }
  }

  private async duplicateOnceDelivered(rule: ChaosRule, record: DeliveryRecord, gen: number) {
    // Never times out on its own: reset and close resolve every waiter.
    const done = await this.deps.dispatcher.waitUntil(record.id, (r) => r.state !== 'pending', 2 ** 31 - 1).catch(() => undefined);
    if (!done || done.state !== 'delivered') return;
    for (let copy = 2; copy <= rule.duplicate!; copy++) {
      if (gen !== this.gen) return;
      const url = new URL(done.url);
      const key = signingKeyOf(this.deps.world.platform, done.signing.mode);
      const answer = await this.deps.dispatcher.sendRaw(url, await callbackHeaders(url, done.body, key), done.body);
      this.record(rule, done, 'duplicate', `copy ${copy} of ${rule.duplicate}: same id, same body, fresh signature`, 'accept', answer);
    }
  }

  private async sendBad(rule: ChaosRule, record: DeliveryRecord, kind: BadNotification) {
    const url = new URL(record.url);
    const key = signingKeyOf(this.deps.world.platform, record.signing.mode);
    const bad = await badNotification(kind, url, record.body, key);
    const answer = await this.deps.dispatcher.sendRaw(url, bad.headers, bad.body);
    this.record(rule, record, kind, BAD_NOTIFICATION_TEXT[kind], 'refuse', answer);
  }

  private record(
    rule: ChaosRule,
    record: DeliveryRecord,
    kind: ChaosKind,
    detail: string,
    expected: 'refuse' | 'accept',
    answer: { status: number | null; latency_ms: number; error: string | null },
  ) {
    const s = answer.status;
    const ok = s === null ? null : expected === 'accept' ? s === 200 || s === 204 : s < 200 || s >= 300;
    this.push({ rule, record, kind, detail, url: record.url, expected, status: s, latency_ms: answer.latency_ms, error: answer.error, ok });
  }

  private note(rule: ChaosRule, record: DeliveryRecord, kind: ChaosKind, detail: string) {
    this.push({ rule, record, kind, detail, url: null, expected: null, status: null, latency_ms: null, error: null, ok: null });
  }

  private push(
    e: Omit<ChaosEvent, 'seq' | 'rule_id' | 'notification_id' | 'mchid' | 'coupon_id' | 'time'> & {
      rule: ChaosRule;
      record: DeliveryRecord;
    },
  ) {
    const { rule, record, ...rest } = e;
    this.events.push({
      seq: ++this.seq,
      rule_id: rule.id,
      notification_id: record.id,
      mchid: record.mchid,
      coupon_id: record.coupon_id,
      time: new Date().toISOString(),
      ...rest,
    });
    if (this.events.length > this.deps.logSize) this.events.shift();
  }
}
