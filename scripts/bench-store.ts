/**
 * `npm run bench:store` — the file store's cost as it fills (issue 11's figures). For 0, 10k and 100k
 * stored coupons, on a data file (durable acks), against the built CLI in its own process:
 *   - cold start: spawn → first signed 200, with that file;
 *   - send-coupon throughput at 16 connections, and one client's p50;
 *   - log bytes per send (the sends' lines in the log): independent of the store size; a compaction,
 *     when the log outgrows max(8 MiB, the snapshot), adds at most as much again, amortised;
 *   - GET coupon p99 alone, and while sends run at 16 connections;
 *   - GET coupon at 16 connections (autocannon), alone and beside 2 connections sending: a read load
 *     keeps its rate beside a few writes, and the writes theirs (a lone read may sign ahead of
 *     writes, protocol/rsa.ts; many reads must not);
 *   - RSS of the mock after the sends;
 *   - list latency (p50, idle): the filled stock's coupons (GET /_mock/state/coupons?stock_id=, its
 *     index) and one user's (GET …/users/{openid}/coupons, the user index), a page of 20 / 10.
 * The store is filled through a snapshot import (a bulk path: sending 100k coupons through the API
 * would take minutes): a real coupon is cloned N times into a filler stock, with its indexes.
 * Requests are signed ahead of each run, so the client's RSA work is not in the measurement.
 * Loopback only, bounded: about two minutes in all. `--levels 0,10000` to pick the levels.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import autocannon from 'autocannon';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSigner, type Signer } from '../mock-server/index.js';
import {
  BENCH_APPID as APPID,
  BENCH_MCHID as MCHID,
  benchStockBody,
  cloneCoupons,
  FAVOR_PATH as FAVOR,
  lineMatching,
  percentile,
  signSends,
  stopProcess,
  timedRequest,
  type SignedSend as Signed,
} from './bench-common.js';

// The bin, as `npx wxpay-mock` runs it (it sizes libuv's pool: mock-server/wxpay-mock.cts).
const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'wxpay-mock.cjs');
const CONNECTIONS = 16;
const levelsArg = process.argv.indexOf('--levels');
const LEVELS = levelsArg > 0 ? process.argv[levelsArg + 1].split(',').map(Number) : [0, 10_000, 100_000];

// One pool per mock process: a restarted mock may get the same port, and a pooled socket to the old one would hang up.
let agent = new Agent({ keepAlive: true, maxSockets: 64 });

const send = (url: string, method: string, path: string, headers: Record<string, string>, body?: string) =>
  timedRequest(agent, url, method, path, headers, body);

interface Mock {
  child: ChildProcess;
  url: string;
  signer: Signer;
  users: string[];
}

async function startMock(dataFile: string): Promise<{ child: ChildProcess; url: string; startedMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, '--port', '0', '--data', dataFile, '--seed', '1', '--log', 'silent'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await lineMatching(child, /listening on (http:\/\/\S+)/, 60_000);
  return { child, url: /listening on (http:\/\/\S+)/.exec(line)![1], startedMs: t0 };
}

function freshPool() {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 64 });
}

async function connect(dataFile: string): Promise<Mock & { coldStartMs: number }> {
  freshPool();
  const { child, url, startedMs } = await startMock(dataFile);
  const credentials = JSON.parse((await send(url, 'GET', '/_mock/credentials', {})).body);
  const m = credentials.merchants.find((x: { mchid: string }) => x.mchid === MCHID);
  const signer = createSigner({ mchid: MCHID, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
  const path = `${FAVOR}/callbacks?mchid=${MCHID}`;
  await send(url, 'GET', path, signer.headers('GET', path)); // the first signed reply (404 until a URL is set: still a signed answer)
  const coldStartMs = performance.now() - startedMs;
  const users = credentials.users.filter((u: { appid: string }) => u.appid === APPID).map((u: { openid: string }) => u.openid);
  return { child, url, signer, users, coldStartMs };
}

async function api(mock: Mock, method: string, path: string, body?: unknown): Promise<any> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const reply = await send(
    mock.url,
    method,
    path,
    { ...mock.signer.headers(method, path, text), 'Content-Type': 'application/json' },
    text,
  );
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${reply.body}`);
  return reply.body ? JSON.parse(reply.body) : undefined;
}

let requestNo = 0;
async function runningStock(mock: Mock, maxCoupons: number): Promise<string> {
  const { stock_id } = await api(
    mock,
    'POST',
    `${FAVOR}/coupon-stocks`,
    benchStockBody(maxCoupons, `bench-stock-${Date.now()}-${++requestNo}`),
  );
  await api(mock, 'POST', `${FAVOR}/stocks/${stock_id}/start`, { stock_creator_mchid: MCHID });
  return stock_id;
}

/** Fills the store to `n` coupons: one real send, cloned `n - 1` times into the same filler stock, imported. Returns that stock. */
async function fill(mock: Mock, n: number) {
  const stockId = await runningStock(mock, Math.max(n, 10));
  const sent = await api(mock, 'POST', `${FAVOR}/users/${mock.users[0]}/coupons`, {
    stock_id: stockId,
    out_request_no: 'fill-0',
    appid: APPID,
    stock_creator_mchid: MCHID,
  });
  const snapshot = JSON.parse((await send(mock.url, 'GET', '/_mock/snapshot', {})).body);
  cloneCoupons(snapshot, stockId, sent.coupon_id, mock.users, n);
  freshPool(); // building the clones took seconds: the pooled socket may have been closed as idle
  const put = await send(mock.url, 'PUT', '/_mock/snapshot', { 'Content-Type': 'application/json' }, JSON.stringify(snapshot));
  if (put.status !== 200) throw new Error(`import: ${put.status} ${put.body}`);
  return stockId;
}

/** p50 of `count` sequential GETs of `path` (signed unless it is the control API), each answered 200. */
async function getP50(mock: Mock, path: string, count: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await send(mock.url, 'GET', path, path.startsWith('/_mock/') ? {} : mock.signer.headers('GET', path));
    if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${reply.body}`);
    times.push(reply.ms);
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

async function fire(
  mock: Mock,
  signed: Signed[],
  connections: number,
  seconds: number,
): Promise<{ rate: number; latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < signed.length && performance.now() < deadline) {
        const r = signed[next++];
        const reply = await send(mock.url, 'POST', r.path, r.headers, r.body);
        if (reply.status === 200) latencies.push(reply.ms);
        else errors++;
      }
    }),
  );
  return { rate: latencies.length / ((performance.now() - started) / 1000), latencies: latencies.sort((a, b) => a - b), errors };
}

/**
 * The GET probe runs in a process of its own: in the bench's process its replies would wait behind the
 * 16 senders' replies in the same event loop, and the figure would be the client's queue as much as
 * the mock's (a user's reads come from another client than a load generator's). The requests are
 * signed here, ahead; the probe sends them one after another until told to stop, then prints the
 * latencies (ms) as JSON.
 */
const PROBE = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let input = '';
let stop = false;
process.stdin.on('data', (d) => {
  input += d;
  if (input.includes('\\nstop')) stop = true;
  else if (input.endsWith('\\n') && !run.started) run(JSON.parse(input));
});
function get(url, headers) {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    http.get(url, { headers, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error('GET ' + res.statusCode))));
    }).on('error', reject);
  });
}
async function run({ url, requests }) {
  run.started = true;
  const times = [];
  for (const headers of requests) {
    if (stop) break;
    times.push(await get(url, headers));
  }
  process.stdout.write(JSON.stringify(times));
}`;

/** GET coupon's target: the coupon `couponId` of user `openid`. */
const couponPath = (openid: string, couponId: string) => `${FAVOR}/users/${openid}/coupons/${couponId}?appid=${APPID}`;

async function getP99(mock: Mock, couponId: string, openid: string, count: number, until?: () => boolean): Promise<number> {
  const path = couponPath(openid, couponId);
  const requests = Array.from({ length: count }, () => mock.signer.headers('GET', path));
  const probe = spawn(process.execPath, ['-e', PROBE], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  probe.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => probe.once('exit', () => resolve()));
  probe.stdin!.write(JSON.stringify({ url: mock.url + path, requests }) + '\n');
  if (until) {
    while (!until()) await new Promise((r) => setTimeout(r, 20));
    probe.stdin!.write('stop\n');
  }
  probe.stdin!.end();
  await exited;
  const times: number[] = JSON.parse(out);
  return percentile(
    times.sort((a, b) => a - b),
    99,
  );
}

/** GET coupon at 16 connections for 5 s alone, then 5 s beside 2 connections sending: reads and sends per second. */
async function readsBesideWrites(mock: Mock, couponId: string, sends: Signed[]) {
  const path = couponPath(mock.users[1], couponId);
  const reads = () =>
    new Promise<autocannon.Result>((resolve, reject) =>
      autocannon({ url: mock.url + path, headers: mock.signer.headers('GET', path), connections: CONNECTIONS, duration: 5 }, (err, r) =>
        err ? reject(err) : resolve(r),
      ),
    );
  const alone = await reads();
  const [beside, sent] = await Promise.all([reads(), fire(mock, sends, 2, 5)]);
  return {
    readsAlone: alone['2xx'] / alone.duration,
    readsBeside: beside['2xx'] / beside.duration,
    sendsBeside: sent.rate,
    errors: alone.non2xx + alone.errors + beside.non2xx + beside.errors + sent.errors,
  };
}

/**
 * Bytes per line of the log's last `lines` lines: one line per commit, and the sends are the last
 * commits. Not the file's growth divided by the sends: a compaction during the run starts a new log,
 * and the growth then counts only the lines written since (it read 196 bytes a send at 0 coupons
 * where each send's line is ≈ 1,600).
 */
function logBytesPerLine(logFile: string, lines: number): number {
  const tail = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).slice(-lines);
  return tail.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0) / tail.length;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function level(n: number) {
  const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-bench-store-')), 'data.json');
  let mock = await connect(dataFile);
  await send(mock.url, 'POST', '/_mock/clock/freeze', { 'Content-Type': 'application/json' }, '{"time":"2026-03-02T10:00:00+08:00"}');
  const filled = n > 0 ? await fill(mock, n) : undefined;
  // A restart on the filled file: the cold start a user gets the next morning.
  await stopProcess(mock.child, 30_000);
  mock = await connect(dataFile);
  const coldStartMs = mock.coldStartMs;
  const stocks = await Promise.all(Array.from({ length: 8 }, () => runningStock(mock, 100_000)));
  const probe = await api(mock, 'POST', `${FAVOR}/users/${mock.users[1]}/coupons`, {
    stock_id: stocks[0],
    out_request_no: `probe-${n}`,
    appid: APPID,
    stock_creator_mchid: MCHID,
  });
  // Signed ahead (seconds of RSA work, the event loop blocked): then a fresh pool, whatever the server did with idle sockets.
  const batch = signSends(mock.signer, mock.users, stocks, 6000);
  const singleBatch = signSends(mock.signer, mock.users, stocks.slice(4), 300);
  const mixBatch = signSends(mock.signer, mock.users, stocks.slice(2), 2000);
  freshPool();
  const idleP99 = await getP99(mock, probe.coupon_id, mock.users[1], 400);
  const logBefore = statSync(`${dataFile}.log`).ino;
  let sending = true;
  const [loaded, busyP99] = await Promise.all([
    fire(mock, batch, CONNECTIONS, 6).finally(() => (sending = false)),
    getP99(mock, probe.coupon_id, mock.users[1], 3000, () => !sending),
  ]);
  const bytesPerSend = logBytesPerLine(`${dataFile}.log`, loaded.latencies.length);
  // A compaction (the log outgrew max(8 MiB, the snapshot)) starts a new log file.
  const compacted = statSync(`${dataFile}.log`).ino !== logBefore;
  const single = await fire(mock, singleBatch, 1, 10);
  const rss = rssMb(mock.child.pid!);
  // The lists, idle (after the RSS reading: listing a 100k-coupon stock 50 times grows the heap, which
  // the figure is not about): the largest stock (all n coupons) and a user holding n / users of them.
  const byStockP50 = await getP50(mock, `/_mock/state/coupons?stock_id=${filled ?? stocks[0]}&limit=20`, 50);
  const byUserP50 = await getP50(
    mock,
    `${FAVOR}/users/${mock.users[1]}/coupons?appid=${APPID}&creator_mchid=${MCHID}&offset=0&limit=10`,
    50,
  );

  const mix = await readsBesideWrites(mock, probe.coupon_id, mixBatch);

  await stopProcess(mock.child, 30_000);
  rmSync(dirname(dataFile), { recursive: true, force: true }); // ≈ 57 MB at 100k
  return {
    n,
    coldStartMs,
    rate: loaded.rate,
    p50: percentile(loaded.latencies, 50),
    p99: percentile(loaded.latencies, 99),
    singleP50: percentile(single.latencies, 50),
    bytesPerSend,
    compacted,
    idleP99,
    busyP99,
    rss,
    byStockP50,
    byUserP50,
    mix,
    errors: loaded.errors + single.errors + mix.errors,
  };
}

const rows: Awaited<ReturnType<typeof level>>[] = [];
for (const n of LEVELS) {
  process.stderr.write(`bench:store: ${fmt(n)} stored coupons…\n`);
  rows.push(await level(n));
}
agent.destroy();
const base = rows[0];
console.log('\n| stored coupons | ' + rows.map((r) => fmt(r.n)).join(' | ') + ' |');
console.log('|---|' + rows.map(() => '---').join('|') + '|');
const line = (label: string, f: (r: (typeof rows)[number]) => string) => console.log(`| ${label} | ${rows.map(f).join(' | ')} |`);
line('send-coupon, 16 connections, req/s', (r) => `${fmt(r.rate)} (${fmt(r.rate / base.rate, 2)}×)`);
line('send p50 / p99, ms', (r) => `${fmt(r.p50, 1)} / ${fmt(r.p99, 1)}`);
line('one client send p50, ms', (r) => `${fmt(r.singleP50, 1)} (${fmt(r.singleP50 / base.singleP50, 2)}×)`);
line('log bytes per send', (r) => `${fmt(r.bytesPerSend)}${r.compacted ? ' (compacted meanwhile)' : ''}`);
line('GET coupon p99 idle / during sends, ms', (r) => `${fmt(r.idleP99, 1)} / ${fmt(r.busyP99, 1)} (${fmt(r.busyP99 / r.idleP99, 1)}×)`);
line('cold start, ms', (r) => fmt(r.coldStartMs));
line('RSS after the sends, MB', (r) => fmt(r.rss));
line('GET at 16 connections alone / beside 2 sending, req/s', (r) => `${fmt(r.mix.readsAlone)} / ${fmt(r.mix.readsBeside)}`);
line('sends beside them, req/s', (r) => fmt(r.mix.sendsBeside));
line('list by stock / by user p50, ms', (r) => `${fmt(r.byStockP50, 1)} / ${fmt(r.byUserP50, 1)}`);
line('errors', (r) => String(r.errors));
console.log(
  '\nTargets: throughput at 100k ≥ 0.7× empty; one client p50 at 100k ≤ 1.5× empty; cold start at 100k ≤ 2 s; RSS at 100k ≤ 300 MB; bytes per send flat; GET p99 during sends ≤ 3× idle.',
);
