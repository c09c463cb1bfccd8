/**
 * The fault rules of one mock (in memory: never persisted, cleared by reset back to the start-up
 * rules) and the decision for one request: which rule fires, and what it does at each point of the
 * pipeline (faults/request.ts).
 */
import type { Contract } from '../contract/types.js';
import { ApiError } from '../errors.js';
import type { PlatformKeys } from '../world.js';
import { randomSeed, SeededRandom } from './prng.js';
import { contractError } from './replies.js';
import { InjectedRequestFault, NO_FAULT, type FaultSource, type RequestFault } from './request.js';
import { FaultRuleError, pathMatcher, ruleSpecFromText, ruleSpecOf, withRoomFor, type FaultRuleSpec } from './rules.js';

/** The per-request switch: honoured only with `allowFaultHeader` (`--allow-fault-header`). */
export const FAULT_HEADER = 'Wechatpay-Mock-Fault';

/** A rule as listed: its spec (with the seed in use), where it came from, and its counters. */
export interface FaultRule extends FaultRuleSpec {
  id: string;
  seed: number;
  /** `startup`: from the options (`--fault`), restored by reset; `api`: added at run time. */
  source: 'startup' | 'api';
  /** Requests that matched the filters. */
  seen: number;
  /** Requests the rule broke. */
  fired: number;
}

interface LiveRule {
  view: FaultRule;
  path?: RegExp;
  random: SeededRandom;
}

export interface FaultRequest {
  contract: Contract;
  mchid: string;
  method: string;
  /** The raw target (path and query). */
  target: string;
  /** The `Wechatpay-Mock-Fault` header when the switch is on, else null. */
  header: string | null;
}

/** Fields a per-request header may set: it is its own filter. */
const HEADER_FIELDS = new Set(['action', 'code', 'message', 'when', 'latency_ms', 'hang_ms']);

export class FaultSet {
  private rules: LiveRule[] = [];
  private nextId = 1;

  constructor(private readonly deps: { platform: PlatformKeys; contracts: Map<string, Contract>; startup?: (FaultRuleSpec | string)[] }) {
    this.reset();
  }

  /** Adds a rule (JSON or one line of text); refuses what cannot work with FaultRuleError. */
  add(input: unknown, source: FaultRule['source'] = 'api'): FaultRule {
    return this.addAll([input], source)[0];
  }

  /** Adds rules all or none: one that cannot work (or no room, MAX_RULES) adds nothing and removes nothing. */
  addAll(inputs: unknown[], source: FaultRule['source'] = 'api'): FaultRule[] {
    let nextId = this.nextId;
    const ids = new Set(this.rules.map((r) => r.view.id));
    const added = inputs.map((input): LiveRule => {
      const spec = this.checked(input);
      const id = spec.id ?? `fault-${nextId++}`;
      if (ids.has(id)) throw new FaultRuleError(`a rule with id ${id} exists`);
      ids.add(id);
      const seed = spec.seed ?? randomSeed();
      const view: FaultRule = {
        ...spec,
        id,
        seed,
        ...(spec.nth !== undefined && spec.times === undefined ? { times: 1 } : {}),
        source,
        seen: 0,
        fired: 0,
      };
      return { view, path: spec.path === undefined ? undefined : pathMatcher(spec.path), random: new SeededRandom(seed) };
    });
    const spent = ({ view }: LiveRule) => view.times !== undefined && view.fired >= view.times;
    this.rules = [...withRoomFor(this.rules, added.length, spent, '/_mock/faults'), ...added];
    this.nextId = nextId;
    return added.map((r) => ({ ...r.view }));
  }

  /** A rule's spec, refused with FaultRuleError when it cannot work with this mock's operations. */
  private checked(input: unknown): FaultRuleSpec {
    const spec = typeof input === 'string' ? ruleSpecFromText(input) : ruleSpecOf(input);
    if (spec.operation_id !== undefined && !this.deps.contracts.has(spec.operation_id))
      throw new FaultRuleError(`no operation ${spec.operation_id} (GET /_mock/openapi.json lists them)`);
    if (spec.action === 'error' && spec.operation_id !== undefined) {
      const error = contractError(this.deps.contracts.get(spec.operation_id)!, spec.code!, spec.message);
      if (typeof error === 'string') throw new FaultRuleError(error);
    }
    return spec;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.view }));
  }

  get(id: string): FaultRule | undefined {
    const r = this.rules.find((x) => x.view.id === id);
    return r && { ...r.view };
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.view.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule, the start-up ones included. */
  clear(): void {
    this.rules = [];
  }

  /** Back to the start-up rules (`--fault`, option `faults`), counters and PRNGs from the start. */
  reset(): void {
    this.rules = [];
    this.nextId = 1;
    this.addAll(this.deps.startup ?? [], 'startup');
  }

  /**
   * The fault for one request that passed the signature and contract checks: the header's (when the
   * switch is on), else the first rule that fires. Every rule whose filters match counts the request,
   * so `nth` means the nth matching request whatever other rules did.
   */
  forRequest(req: FaultRequest): RequestFault {
    if (req.header !== null) return this.fromHeader(req);
    if (!this.rules.length) return NO_FAULT;
    const path = req.target.split('?')[0];
    let chosen: { rule: LiveRule; error?: ApiError } | undefined;
    for (const rule of this.rules) {
      const r = rule.view;
      if (r.operation_id !== undefined && r.operation_id !== req.contract.operationId) continue;
      if (r.mchid !== undefined && r.mchid !== req.mchid) continue;
      if (r.method !== undefined && r.method !== req.method) continue;
      if (rule.path && !rule.path.test(path)) continue;
      // An error code this operation does not declare: the rule is not about this operation.
      const error = r.action === 'error' ? contractError(req.contract, r.code!, r.message) : undefined;
      if (typeof error === 'string') continue;
      r.seen++;
      if (chosen) continue;
      if (r.nth !== undefined && r.seen < r.nth) continue;
      if (r.times !== undefined && r.fired >= r.times) continue;
      if (r.probability !== undefined && !(rule.random.next() < r.probability)) continue;
      r.fired++;
      chosen = { rule, error };
    }
    if (!chosen) return NO_FAULT;
    const source: FaultSource = { rule_id: chosen.rule.view.id, source: 'rule' };
    return new InjectedRequestFault(chosen.rule.view, source, chosen.error, chosen.rule.random, this.deps.platform);
  }

  private fromHeader(req: FaultRequest): RequestFault {
    let spec: FaultRuleSpec;
    try {
      spec = ruleSpecFromText(req.header!);
      const extra = Object.keys(spec).filter((k) => !HEADER_FIELDS.has(k));
      if (extra.length) throw new FaultRuleError(`${extra.join(', ')} cannot be set per request (the header applies to its own request)`);
    } catch (err) {
      if (!(err instanceof FaultRuleError)) throw err;
      throw new ApiError('INVALID_REQUEST', `${FAULT_HEADER}: ${err.message}`);
    }
    const error = spec.action === 'error' ? contractError(req.contract, spec.code!, spec.message) : undefined;
    if (typeof error === 'string') throw new ApiError('INVALID_REQUEST', `${FAULT_HEADER}: ${error}`);
    return new InjectedRequestFault(spec, { rule_id: null, source: 'header' }, error, new SeededRandom(randomSeed()), this.deps.platform);
  }
}
