/**
 * One request's fault, as the pipeline meets it (pipeline.ts `operationRoute`):
 *
 *   beforeHandler()   latency; error / hang / reset "before": the handler never runs
 *   afterCommit()     error / hang / reset "after": the work is done and durable, the reply fails
 *   reply(response)   hang, reset, truncated body, a signed reply spoiled so it fails verification
 *   journal           what was injected, for the journal and the report (never a contract finding)
 *
 * NO_FAULT answers all of these with nothing: the pipeline calls them on every request.
 */
import { ApiError } from '../errors.js';
import type { PlatformKeys } from '../world.js';
import type { SeededRandom } from './prng.js';
import { delay, hang, headersOf, incomingOf, keyOfSerial, resetReply, spoiledHeaders, tamperText, truncatedReply } from './replies.js';
import type { FaultAction, FaultEffect, FaultWhen } from './rules.js';

export interface FaultSource {
  /** The rule that fired; null for the per-request header. */
  rule_id: string | null;
  source: 'rule' | 'header';
}

/** What the journal and the report show of an injected fault. */
export interface InjectedFault extends FaultSource {
  action: FaultAction;
  when?: FaultWhen;
  code?: string;
  /** Latency added before the handler (ms). */
  latency_ms?: number;
  /** How long a hang held the connection (ms). */
  held_ms?: number;
  /** What the client got, in words. */
  note: string;
}

/** What the client got of a spoiled reply, in words. */
const SPOILED = {
  'bad-signature': () => 'signed reply with a signature over other bytes',
  'unknown-serial': (serial?: string) => `signed reply under an unknown Wechatpay-Serial ${serial}`,
  'stale-timestamp': (_serial?: string, ageS?: number) => `signed reply with a Wechatpay-Timestamp ${ageS} s old`,
  'no-signature': () => 'reply without its Wechatpay-* signature headers',
  'tampered-body': () => 'reply body changed after signing',
};

/** The hooks the pipeline calls on every request. */
export interface RequestFault {
  beforeHandler(): Promise<void> | void;
  afterCommit(): void;
  reply(res: Response, env: unknown): Promise<Response> | Response;
  /** The fault as the journal records it, when one struck (or was decided and then not reached). */
  journal(): InjectedFault | undefined;
}

/** No fault: every hook does nothing. */
export const NO_FAULT: RequestFault = {
  beforeHandler() {},
  afterCommit() {},
  reply: (res) => res,
  journal: () => undefined,
};

/** A fault that fired on this request. */
export class InjectedRequestFault implements RequestFault {
  private readonly record: InjectedFault;
  /** error, hang, reset: their point (before / after) was reached; the handler may have refused the request first. */
  private struck = false;

  constructor(
    private readonly effect: FaultEffect,
    private readonly source: FaultSource,
    private readonly error: ApiError | undefined,
    private readonly random: SeededRandom,
    private readonly platform: PlatformKeys,
  ) {
    const when = ['error', 'hang', 'reset'].includes(effect.action) ? (effect.when ?? 'before') : undefined;
    this.record = {
      ...source,
      action: effect.action,
      ...(when ? { when } : {}),
      ...(error ? { code: error.code } : {}),
      note: '',
    };
  }

  private get when(): FaultWhen | undefined {
    return this.record.when;
  }

  /** Latency, then a "before" failure: the handler does not run, nothing changes. */
  async beforeHandler(): Promise<void> {
    const range = this.effect.latency_ms;
    if (range) {
      const ms = range.min === range.max ? range.min : this.random.between(range.min, range.max);
      this.record.latency_ms = ms;
      await delay(ms);
    }
    if (this.when === 'before') this.fail();
  }

  /** An "after" failure, once the handler's work is durable. */
  afterCommit(): void {
    if (this.when === 'after') this.fail();
  }

  private fail(): never {
    this.struck = true;
    // hang and reset replace this reply in `reply()`; it only stops the handler or hides its answer.
    throw this.error ?? new ApiError('SYSTEM_ERROR', '系统错误');
  }

  /** The reply as the client gets it. `env`: Hono's `c.env` (the Node request when served). */
  async reply(res: Response, env: unknown): Promise<Response> {
    const r = this.record;
    const action = this.effect.action;
    const phase = r.when === 'after' ? 'after the work was committed' : 'before any work';
    // The handler refused the request before an "after" fault's point: its own reply stands.
    if (r.when && !this.struck) return res;
    switch (action) {
      case 'latency':
        r.note = `answered after ${r.latency_ms} ms of added latency`;
        return res;
      case 'error':
        r.note = `${res.status} ${r.code} ${phase}${r.latency_ms ? ` (+${r.latency_ms} ms)` : ''}`;
        return res;
      case 'reset':
        r.note = `connection reset ${phase}: no reply`;
        return resetReply(incomingOf(env));
      case 'hang': {
        const incoming = incomingOf(env);
        r.held_ms = await hang(incoming, this.effect.hang_ms!);
        r.note = `no reply ${phase}; connection held ${r.held_ms} ms, then closed`;
        return resetReply(incoming);
      }
      case 'truncate':
        r.note = `${res.status} reply cut at half its Content-Length, then the connection closed`;
        return truncatedReply(res, incomingOf(env));
    }
    // A reply that must fail verification: only signed (2xx) replies carry a signature to spoil.
    const headers = headersOf(res);
    if (!headers['Wechatpay-Signature']) {
      r.note = `${res.status} reply is not signed: nothing to spoil, sent as is`;
      return res;
    }
    const text = await res.text();
    const spoiled = await spoiledHeaders(action, headers, text, keyOfSerial(this.platform, headers['Wechatpay-Serial'] ?? null));
    const body = action === 'tampered-body' ? tamperText(text) : text;
    r.note = SPOILED[action as keyof typeof SPOILED](
      spoiled['Wechatpay-Serial'],
      Number(headers['Wechatpay-Timestamp']) - Number(spoiled['Wechatpay-Timestamp']),
    );
    delete spoiled['content-length'];
    return new Response(body, { status: res.status, headers: spoiled });
  }

  /** The fault for the journal entry; a latency fault whose handler refused first is noted as such. */
  journal(): InjectedFault | undefined {
    if (this.record.when && !this.struck)
      return this.record.latency_ms
        ? {
            ...this.record,
            note: `answered after ${this.record.latency_ms} ms of added latency; the handler refused the request before the fault's point`,
          }
        : undefined;
    return this.record;
  }
}
