/**
 * tsx scripts/bench-callbacks.ts — COUPON.USE delivery on loopback. A report, not a test: it prints
 * the figures and exits 0 unless a notification was lost or failed verification.
 *
 * The mock runs in a child process (`tsx mock-server/cli.ts --port 0`), in memory and then with a data
 * file; this process triggers through the control API (POST /_mock/callbacks/coupon-use, what a test
 * suite or the CLI does) and runs the receiver, which verifies every signature and decrypts every
 * resource (the plaintext's coupon_id ties a receipt to its trigger). Both timestamps are taken here.
 *
 *   (1) latency   300 triggers one after another (each waits for its receipt): trigger → receipt p50/p90/p99
 *   (2) sustained 300 notifications/s offered for 10 s (open loop, paced every 10 ms): achieved rate,
 *                 latency under load, none lost, no pending left; a signed API call every 50 ms meanwhile
 *   (3) drain     receiver down (port closed) while 300/s are triggered for 5 s; every first attempt fails
 *                 (ECONNREFUSED); the receiver comes back, the virtual clock advances 60 s, and the retry
 *                 queue must drain: time to empty, none lost
 *
 * Bounded: every wait has a deadline (a notification that does not arrive counts as lost, it does not
 * hang the run), the whole run is stopped after 5 minutes, and a mock that ignores SIGTERM is killed.
 * Loopback only: the mock and the receiver bind 127.0.0.1, nothing else is contacted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { verifyCallback, type CallbackKeys } from '../mock-server/callbacks/receiver.js';
import { createSigner } from '../mock-server/client/signer.js';
import type { Credentials } from '../mock-server/credentials.js';
import { couponUsePlaintext } from '../test/helpers/coupon-use.js';
import { lineMatching, percentile, stopProcess } from './bench-common.js';

const CREATOR = '1900000001';
const ROOT = join(import.meta.dirname, '..');
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const RUN_DEADLINE_MS = 5 * 60_000;
const children = new Set<ChildProcess>();
const watchdog = setTimeout(() => {
  console.log(`\nFAILED: the benchmark did not finish within ${RUN_DEADLINE_MS / 1000} s`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
}, RUN_DEADLINE_MS);

interface Reply {
  status: number;
  body: string;
}

function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method, agent, headers: { 'Content-Type': 'application/json', ...headers } },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function startMockProcess(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    // --log silent: a console line per request and attempt would be measured too.
    ['--import', 'tsx', join(ROOT, 'mock-server', 'cli.ts'), '--host', '127.0.0.1', '--port', '0', '--log', 'silent', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  const LISTENING = /listening on (http:\/\/\S+)/;
  let out = '';
  try {
    const line = await lineMatching(child, LISTENING, 30_000, (other) => (out += other + '\n'));
    return { url: LISTENING.exec(line)![1], child };
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`mock did not start: ${(err as Error).message}: ${out}`);
  }
}

/** The merchant side: verifies and decrypts every callback, notes when each coupon_id arrived. */
class Receiver {
  server!: Server;
  port = 0;
  arrivals = new Map<string, number>();
  duplicates = 0;
  unverified = 0;
  onArrival: ((couponId: string) => void) | null = null;

  constructor(private readonly keys: CallbackKeys) {}

  async listen(port = 0) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const body = Buffer.concat(chunks).toString('utf8');
        const checked = verifyCallback({ headers: req.headers as Record<string, string>, body }, this.keys);
        if (!checked.verified) {
          this.unverified++;
          res.writeHead(401).end();
          return;
        }
        const couponId = checked.plaintext.coupon_id as string;
        if (this.arrivals.has(couponId)) this.duplicates++;
        else this.arrivals.set(couponId, at);
        res.writeHead(204).end();
        this.onArrival?.(couponId);
      });
    });
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  close() {
    return new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

let seq = 0;
function coupon() {
  const id = `${Date.now()}${String(seq++).padStart(6, '0')}`.slice(-20);
  return couponUsePlaintext(CREATOR, { couponId: id, transactionId: `42000020270301${id}` });
}

const pct = (xs: number[], p: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );
const ms = (x: number) => `${x.toFixed(2)} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

async function trigger(base: string, c: ReturnType<typeof coupon>): Promise<void> {
  const res = await call(base, 'POST', '/_mock/callbacks/coupon-use', { coupon: c });
  if (res.status !== 200) throw new Error(`trigger answered ${res.status}: ${res.body}`);
}

/** Offers `rate`/s for `seconds`, paced every 10 ms; returns trigger start times by coupon_id. */
async function offer(base: string, rate: number, seconds: number, errors: string[]): Promise<Map<string, number>> {
  const started = new Map<string, number>();
  const t0 = performance.now();
  const total = rate * seconds;
  const inflight: Promise<void>[] = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) {
      const c = coupon();
      started.set(c.coupon_id, performance.now());
      inflight.push(
        trigger(base, c).catch((e) => {
          errors.push(String(e));
          started.delete(c.coupon_id); // never triggered: not a lost notification, a failed call (reported)
        }),
      );
    }
    await sleep(10);
  }
  await Promise.all(inflight);
  return started;
}

async function stats(base: string): Promise<{ pending: number; sending: number; scheduled: number }> {
  return JSON.parse((await call(base, 'GET', '/_mock/callbacks?limit=0')).body);
}
const pending = async (base: string) => (await stats(base)).pending;

async function run(label: string, args: string[]) {
  const { url, child } = await startMockProcess(args);
  const failures: string[] = [];
  try {
    const credentials = JSON.parse((await call(url, 'GET', '/_mock/credentials')).body) as Credentials;
    const m = credentials.merchants.find((x) => x.mchid === CREATOR)!;
    const receiver = new Receiver({
      apiv3Key: m.apiv3_key,
      platformCertificate: credentials.platform_certificate,
      publicKey: credentials.public_key,
      publicKeyId: credentials.public_key_id,
    });
    await receiver.listen();
    const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    const body = JSON.stringify({ mchid: CREATOR, notify_url: `http://127.0.0.1:${receiver.port}/notify` });
    const set = await call(
      url,
      'POST',
      '/v3/marketing/favor/callbacks',
      body,
      signer.headers('POST', '/v3/marketing/favor/callbacks', body),
    );
    if (set.status !== 200) throw new Error(`set notify URL: ${set.status} ${set.body}`);
    await call(url, 'POST', '/_mock/clock/freeze', {});

    // warm-up
    for (let i = 0; i < 50; i++) await trigger(url, coupon());
    await until(() => receiver.arrivals.size >= 50, 5_000);

    // (1) latency, one at a time (a receipt later than 5 s counts as lost instead of hanging the run)
    const lat: number[] = [];
    let lost = 0;
    for (let i = 0; i < 300; i++) {
      const c = coupon();
      const arrived = new Promise<boolean>((r) => {
        const timer = setTimeout(() => r(false), 5_000);
        receiver.onArrival = (id) => id === c.coupon_id && (clearTimeout(timer), r(true));
      });
      const t = performance.now();
      await trigger(url, c);
      if (await arrived) lat.push(receiver.arrivals.get(c.coupon_id)! - t);
      else lost++;
    }
    receiver.onArrival = null;
    if (lost) failures.push(`${label}: latency: ${lost} of 300 never arrived within 5 s`);

    // (2) sustained 300/s for 10 s, with a signed API call every 50 ms
    const apiLat: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      const target = `/v3/marketing/favor/callbacks?mchid=${CREATOR}`;
      while (sampling) {
        const t = performance.now();
        const r = await call(url, 'GET', target, undefined, signer.headers('GET', target));
        if (r.status === 200) apiLat.push(performance.now() - t);
        await sleep(50);
      }
    })();
    const errors: string[] = [];
    const t0 = performance.now();
    const started = await offer(url, 300, 10, errors);
    const offeredS = (performance.now() - t0) / 1000;
    await until(() => [...started.keys()].every((id) => receiver.arrivals.has(id)), 15_000);
    sampling = false;
    await sampler;
    const got = [...started.keys()].filter((id) => receiver.arrivals.has(id));
    const lastArrival = Math.max(...got.map((id) => receiver.arrivals.get(id)!));
    const loadLat = got.map((id) => receiver.arrivals.get(id)! - started.get(id)!);
    const leftPending = await pending(url);
    if (got.length !== started.size) failures.push(`${label}: sustained: ${started.size - got.length} of ${started.size} never arrived`);
    if (errors.length) failures.push(`${label}: sustained: ${errors.length} triggers failed, e.g. ${errors[0]}`);

    // (3) receiver down, then back: the retry queue drains
    const port = receiver.port;
    await receiver.close();
    const downErrors: string[] = [];
    const down = await offer(url, 300, 5, downErrors);
    // every first attempt made (refused) before the receiver comes back
    await until(async () => {
      const st = await stats(url);
      return st.pending >= down.size && st.sending === 0;
    }, 10_000);
    const pendingBefore = await pending(url);
    await receiver.listen(port);
    const d0 = performance.now();
    await call(url, 'POST', '/_mock/clock/advance', { by: '60s' });
    await until(async () => (await pending(url)) === 0 && [...down.keys()].every((id) => receiver.arrivals.has(id)), 30_000);
    const drainMs = performance.now() - d0;
    const drained = [...down.keys()].filter((id) => receiver.arrivals.has(id)).length;
    if (drained !== down.size) failures.push(`${label}: drain: ${down.size - drained} of ${down.size} never arrived`);
    if (downErrors.length) failures.push(`${label}: drain: ${downErrors.length} triggers failed, e.g. ${downErrors[0]}`);
    if (receiver.unverified) failures.push(`${label}: ${receiver.unverified} callbacks failed verification`);
    await receiver.close();

    console.log(`\n## ${label}`);
    console.log(
      `(1) trigger → receipt, one at a time (n=${lat.length}): p50 ${ms(pct(lat, 50))}, p90 ${ms(pct(lat, 90))}, p99 ${ms(pct(lat, 99))}   [target p50 ≤ 10 ms]`,
    );
    console.log(
      `(2) offered ${started.size} in ${offeredS.toFixed(2)} s (${(started.size / offeredS).toFixed(0)}/s); received ${got.length} verified+decrypted, ` +
        `last ${((lastArrival - t0) / 1000).toFixed(2)} s after the first trigger (${(got.length / ((lastArrival - t0) / 1000)).toFixed(0)}/s); ` +
        `latency p50 ${ms(pct(loadLat, 50))}, p99 ${ms(pct(loadLat, 99))}, max ${ms(Math.max(...loadLat))}; pending left ${leftPending}; trigger errors ${errors.length}`,
    );
    console.log(`    signed API call during the load (n=${apiLat.length}): p50 ${ms(pct(apiLat, 50))}, p99 ${ms(pct(apiLat, 99))}`);
    console.log(
      `(3) receiver down: ${down.size} triggered (${downErrors.length} trigger errors), ${pendingBefore} pending after their refused first attempt; ` +
        `receiver back + clock +60 s → ${drained}/${down.size} delivered, queue empty in ${(drainMs / 1000).toFixed(2)} s (${(drained / (drainMs / 1000)).toFixed(0)}/s)`,
    );
    console.log(`    duplicates seen by the receiver: ${receiver.duplicates}; unverified: ${receiver.unverified}`);
  } finally {
    await stopProcess(child, 10_000);
  }
  return failures;
}

const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-bench-callbacks-')), 'data.json');
console.log(`# COUPON.USE delivery benchmark — node ${process.version}, loopback, mock in a child process`);
const failures = [...(await run('in-memory store', ['--in-memory'])), ...(await run(`file store (${dataFile})`, ['--data', dataFile]))];
agent.destroy();
rmSync(dirname(dataFile), { recursive: true, force: true });
clearTimeout(watchdog);
if (failures.length) {
  console.log(`\nFAILED:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('\nnone lost, every callback verified and decrypted');
