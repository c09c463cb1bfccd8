/** What the benchmarks (scripts/bench.ts, bench-callbacks.ts) and their server processes (bench-server.ts) share. */
import type { ChildProcess } from 'node:child_process';
import { request, type Agent } from 'node:http';
import type { Signer } from '../mock-server/index.js';
import { indexCoupon } from '../mock-server/operations/favor/repository.js';

export const BENCH_MCHID = '1900000001';
export const BENCH_NOTIFY_URL = 'http://127.0.0.1:9/wxpay-mock-bench/notify';
export const BENCH_PATH = '/v3/marketing/favor/callbacks';

/** The value at percentile `p` (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The first stdout line matching `wanted`; other lines go to `others`. */
export function lineMatching(child: ChildProcess, wanted: RegExp, timeoutMs: number, others?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => done(new Error(`no line matching ${wanted} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (wanted.test(line)) return done(undefined, line);
        others?.(line);
      }
    };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before printing a line matching ${wanted}`));
    const done = (err?: Error, line?: string) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(line!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM (the mock flushes its store and exits), SIGKILL if it is still there after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// ── what bench-store.ts and bench-replicas.ts both send ──────────────────────────────────────────

export const BENCH_APPID = 'wx1a2b3c4d5e6f7001';
export const FAVOR_PATH = '/v3/marketing/favor';

/** A no-cash stock of BENCH_MCHID with room for `maxCoupons` (60 per user), valid in March 2026. */
export function benchStockBody(maxCoupons: number, outRequestNo: string) {
  return {
    stock_name: '压测代金券批次名称',
    belong_merchant: BENCH_MCHID,
    available_begin_time: '2026-03-02T10:00:00+08:00',
    available_end_time: '2026-03-31T23:59:59+08:00',
    stock_use_rule: {
      max_coupons: maxCoupons,
      max_amount: maxCoupons * 10,
      max_coupons_per_user: 60,
      natural_person_limit: false,
      prevent_api_abuse: false,
    },
    coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 10, transaction_minimum: 100 }, available_merchants: [BENCH_MCHID] },
    no_cash: true,
    stock_type: 'NORMAL',
    out_request_no: outRequestNo,
  };
}

export interface SignedSend {
  path: string;
  headers: Record<string, string>;
  body: string;
}

let sendNo = 0;
/** `count` send-coupon requests signed ahead, spread over `users` and then `stocks` (60 per user and stock). */
export function signSends(signer: Signer, users: string[], stocks: string[], count: number): SignedSend[] {
  const out: SignedSend[] = [];
  for (let i = 0; i < count; i++) {
    const openid = users[i % users.length];
    const stock = stocks[Math.floor(i / users.length) % stocks.length];
    const path = `${FAVOR_PATH}/users/${openid}/coupons`;
    const body = JSON.stringify({
      stock_id: stock,
      out_request_no: `b${Date.now()}x${++sendNo}`,
      appid: BENCH_APPID,
      stock_creator_mchid: BENCH_MCHID,
    });
    out.push({ path, body, headers: { ...signer.headers('POST', path, body), 'Content-Type': 'application/json' } });
  }
  return out;
}

/**
 * The bulk path to a big store: a snapshot (GET /_mock/snapshot) in which coupon `couponId` of `stockId`,
 * sent with out_request_no `fill-0`, is cloned until the stock holds `n` coupons, with their indexes and
 * idempotency records. Changes `snapshot` in place; import it with PUT /_mock/snapshot or --import.
 */
export function cloneCoupons(snapshot: any, stockId: string, couponId: string, users: string[], n: number): void {
  const favor = snapshot.state.merchants[BENCH_MCHID].favor;
  const model = favor.coupons[couponId];
  let next = snapshot.state.sequences['favor.coupon'];
  for (let i = 1; i < n; i++) {
    const id = String(30_000_000_000 + ++next);
    const openid = users[i % users.length];
    favor.coupons[id] = { ...model, coupon_id: id, openid, out_request_no: `fill-${i}` };
    indexCoupon(favor, favor.coupons[id]);
    favor.send_requests[`fill-${i}`] = { fingerprint: favor.send_requests['fill-0'].fingerprint, id };
  }
  favor.stocks[stockId].distributed_coupons = n;
  snapshot.state.sequences['favor.coupon'] = next;
}

export interface TimedReply {
  status: number;
  body: string;
  ms: number;
}

/** One request on `agent`, with its body and the milliseconds to the end of the reply. */
export function timedRequest(
  agent: Agent,
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<TimedReply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
      );
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}
