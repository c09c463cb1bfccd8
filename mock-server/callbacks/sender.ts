/**
 * One HTTP attempt at a notify URL: fresh signature headers over the notification's body, a POST
 * within the time limit, the answer kept (its first 2 KiB) and classified — only HTTP 200/204 within
 * the limit count as received (protocol.md §4.1). Attempts, handler checks and callback chaos all
 * send through here: the same keep-alive agents, the same limit.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Clock } from '../clock.js';
import { signingKeyOf, type SigningKey } from '../protocol/sign-response.js';
import { rfc3339 } from '../time.js';
import type { World } from '../world.js';
import { callbackHeaders } from './notification.js';
import type { DeliveryAttempt, DeliveryRecord } from './types.js';

/** The merchant must answer within 5 s (protocol.md §4.1). */
export const DEFAULT_TIMEOUT_MS = 5_000;

export interface PostResult {
  status: number | null;
  body: string;
  error: string | null;
}

const RESPONSE_KEEP = 2048;

/** `text` as a URL we can POST to, or undefined when it is none or not http(s). */
export function httpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export class CallbackSender {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(
    private readonly deps: { clock: Clock; world: World },
    /** timeoutMs: real milliseconds an answer may take; concurrency: sockets per agent. */
    private readonly options: { timeoutMs: number; concurrency: number },
  ) {
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: options.concurrency });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: options.concurrency });
  }

  /** One attempt (or `WECHATPAY/SIGNTEST/` probe) of `record` at its `url`, as the record keeps it. */
  async attempt(record: DeliveryRecord, probe: boolean, signal: AbortSignal): Promise<DeliveryAttempt> {
    const base = { round: record.round, n: record.attempts_in_round + 1, probe, url: record.url };
    const time = new Date().toISOString();
    const virtual_time = rfc3339(this.deps.clock.nowMs(), { millis: true });
    const url = httpUrl(record.url);
    if (!url) {
      return {
        ...base,
        time,
        virtual_time,
        status: null,
        latency_ms: 0,
        error: `invalid notify URL ${record.url}`,
        outcome: probe ? 'probe' : 'failed',
        headers: {},
        response_body: '',
      };
    }
    const { headers, latency_ms, ...result } = await this.exchange(
      url,
      record.body,
      signingKeyOf(this.deps.world.platform, record.signing.mode),
      probe,
      signal,
    );
    const ok = !result.error && (result.status === 200 || result.status === 204);
    let error = result.error;
    if (probe && ok) error = 'the receiver accepted a WECHATPAY/SIGNTEST/ signature: it does not verify signatures';
    else if (!error && !ok) error = `HTTP ${result.status}: only 200 and 204 count as received`;
    return {
      ...base,
      time,
      virtual_time,
      status: result.status,
      latency_ms,
      error,
      outcome: probe ? 'probe' : ok ? 'delivered' : 'failed',
      headers,
      response_body: result.body,
    };
  }

  /** One signed request (fresh signature headers) and its answer, timed: what an attempt and a handler check both send. */
  async exchange(
    url: URL,
    body: string,
    key: SigningKey,
    probe: boolean,
    signal: AbortSignal,
  ): Promise<PostResult & { headers: Record<string, string>; latency_ms: number }> {
    const headers = await callbackHeaders(url, body, key, { probe });
    const started = performance.now();
    const result = await this.post(url, headers, body, signal);
    return { ...result, headers, latency_ms: Math.round((performance.now() - started) * 1000) / 1000 };
  }

  /** One POST outside any delivery (chaos, handler checks): same agents and timeout as attempts, timed. */
  async sendRaw(url: URL, headers: Record<string, string>, body: string): Promise<PostResult & { latency_ms: number }> {
    const started = performance.now();
    const result = await this.post(url, headers, body, new AbortController().signal);
    return { ...result, latency_ms: Math.round((performance.now() - started) * 1000) / 1000 };
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private post(url: URL, headers: Record<string, string>, body: string, outer: AbortSignal): Promise<PostResult> {
    const timeoutMs = this.options.timeoutMs;
    return new Promise((resolve) => {
      const ac = new AbortController();
      let timedOut = false;
      let status: number | null = null;
      let kept = 0;
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        timedOut = true;
        ac.abort();
      }, timeoutMs);
      const onOuter = () => ac.abort();
      outer.addEventListener('abort', onOuter, { once: true });
      let finished = false;
      const finish = (error: string | null) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        outer.removeEventListener('abort', onOuter);
        if (timedOut) error = `timeout: no complete answer within ${timeoutMs} ms`;
        else if (outer.aborted) error = 'cut short: the mock stopped or was reset';
        resolve({ status, body: Buffer.concat(chunks).toString('utf8'), error });
      };
      const onResponse = (res: IncomingMessage) => {
        status = res.statusCode ?? null;
        res.on('data', (c: Buffer) => {
          if (kept < RESPONSE_KEEP) {
            chunks.push(c.subarray(0, RESPONSE_KEEP - kept));
            kept += c.length;
          }
        });
        res.on('end', () => finish(null));
        res.on('error', (e) => finish(e.message));
        res.on('close', () => finish(res.complete ? null : 'connection closed before the answer was complete'));
      };
      const options = { method: 'POST', headers, signal: ac.signal };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...options, agent: this.httpsAgent }, onResponse)
          : httpRequest(url, { ...options, agent: this.httpAgent }, onResponse);
      req.on('error', (e: NodeJS.ErrnoException) => finish(e.code ? `${e.code}: ${e.message}` : e.message));
      req.end(body);
    });
  }
}
