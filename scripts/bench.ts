/**
 * npm run bench — how fast the mock answers a signed call, next to what one RSA verify and one RSA
 * signature per request (the mock's own cryptography) allow on this machine. A report, not a test: it
 * prints a table and exits 0 whatever the figures.
 *
 *   (a) ceiling  a bare Hono app (scripts/bench-server.ts ceiling) whose one route verifies the request's
 *                signature (one RSA-2048 SHA256 verify, the caller's key, on the event loop as the mock does it) and signs its reply (one
 *                async sign), same keys and same reply bytes as the mock; 32 connections
 *   (b) mock     signed GET /v3/marketing/favor/callbacks?mchid=1900000001 (notify URL set first by a
 *                signed POST) at 32 connections; every reply must be the expected 200 body; b/a: the
 *                median of the rounds' own ratios (each round measures both, back to back)
 *   (c) latency  the mock at a fixed offered rate of 500 req/s for 10 s: p50 and p99
 *   (d) cold     `node dist/mock-server/wxpay-mock.cjs --port 0 --in-memory --log silent` (the bin): spawn → first signed 200, median of 5
 *
 * The servers under test run in child processes, never in the load generator's process, on the mock's
 * modules as built in dist/ (`npm run bench` runs scripts/build-if-stale.mjs first), as the CLI runs
 * them; (a) and (b) run side by side (both started and warmed before either is measured, measured in
 * alternating rounds with identical autocannon options and request bytes). Loopback only, bounded durations: about a
 * minute and a half, two at most.
 *
 * The CPUs may be shared with other work. Each measurement waits (a bounded while) for other processes
 * to leave them alone, is redone (a bounded number of times) when they did not, and the report lists what
 * stayed disturbed. Per-reply server CPU (from /proc) is printed beside b/a: it does not depend on how
 * busy the machine was.
 *
 * About (c): autocannon's `overallRate` is a per-connection quota per one-second window, and every
 * connection's window starts at the same instant, so it offers its 500 requests as a burst at the top of
 * each second (32 at a time), not 500/s spread over it: what it measures is the latency of a saturated
 * burst. The target is judged on a paced run: the same autocannon clients and timing, but one request
 * dispatched every 2 ms onto an idle connection (open loop). The ceiling app gets the same paced run as a
 * reference (what this machine and load generator give a server that only verifies and signs), and the burst form is
 * printed for the record. Latencies are the client's per-request times (autocannon's `response` event),
 * exact rather than histogram buckets, without autocannon's coordinated-omission correction (which would
 * assume a 1 ms interval here).
 */
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { createSigner, type Signer } from '../mock-server/client/signer.js';
import { PACKAGE_ROOT } from '../mock-server/paths.js';
import { threadPoolSize } from '../mock-server/threadpool.cjs';
import { loadWorld } from '../mock-server/world.js';
import { BENCH_MCHID, BENCH_NOTIFY_URL, BENCH_PATH, lineMatching, percentile, stopProcess } from './bench-common.js';

const CONNECTIONS = 32;
const WARMUP_SECONDS = 2;
// Eight rounds (≈ 50 s of the run): the VM's speed drifts over seconds (the same server's req/s ranged
// 3,400–4,900 between rounds in one run), and b/a is the median of the rounds' own ratios.
const ROUNDS = 8;
const ROUND_SECONDS = 3;
const RATE = 500;
const RATE_SECONDS = 10;
const REFERENCE_SECONDS = 5;
const BURST_SECONDS = 5;
const COLD_RUNS = 5;
// ratio: issue 16 item 9 (the mock's signed GET ≥ 0.9 × a server that does only its two RSA operations).
const TARGET = { ratio: 0.9, p99Ms: 10, coldMs: 600 };
/** Cores used by other processes during a measurement above which the report flags it as noisy. */
const NEIGHBOUR_WARNING = 0.1;
/** At most this long, over the whole run, waiting for other processes to leave the CPUs alone. */
const QUIET_BUDGET_SECONDS = 20;
/** At most this much measuring time, over the whole run, spent redoing measurements that other processes disturbed. */
const RETRY_BUDGET_SECONDS = 25;

const ROOT = PACKAGE_ROOT;
// The bin, as `npx wxpay-mock` runs it (it sizes libuv's pool, then runs dist/mock-server/cli.js).
const CLI = join(ROOT, 'dist', 'mock-server', 'wxpay-mock.cjs');
const TARGET_PATH = `${BENCH_PATH}?mchid=${BENCH_MCHID}`;
const EXPECTED_BODY = JSON.stringify({ notify_url: BENCH_NOTIFY_URL, mchid: BENCH_MCHID });
const SET_BODY = JSON.stringify({ mchid: BENCH_MCHID, notify_url: BENCH_NOTIFY_URL });

const world = await loadWorld();
const merchant = world.merchants.get(BENCH_MCHID)!;
const signer: Signer = createSigner({ mchid: BENCH_MCHID, serialNo: merchant.merchant.serial_no, privateKey: merchant.privateKeyPem });

const log = (line: string) => process.stderr.write(`# ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Child processes (only ours, by handle; killed on the way out whatever happens)

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** The environment without tsx's loader hooks, so children load exactly what they name. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.NODE_OPTIONS?.includes('tsx')) delete env.NODE_OPTIONS;
  return env;
}

/**
 * The servers under test, both with libuv's pool as the `wxpay-mock` bin sizes it (a thread per core,
 * mock-server/threadpool.cts) unless UV_THREADPOOL_SIZE is set: the mock as the CLI runs it, and the
 * ceiling on the same footing (its RSA signatures run on that pool too).
 */
function serverEnv(): NodeJS.ProcessEnv {
  return { UV_THREADPOOL_SIZE: String(threadPoolSize()), ...childEnv() };
}

async function stopChild(child: ChildProcess): Promise<void> {
  await stopProcess(child, 3000);
  children.delete(child);
}

interface ServerUnderTest {
  name: string;
  url: string;
  child: ChildProcess;
}
/** Every server under test that is up (their CPU is ours, not the neighbours'). */
const ALL_SERVERS: ServerUnderTest[] = [];

async function startServer(mode: 'ceiling' | 'mock'): Promise<ServerUnderTest> {
  const flags = process.env.BENCH_SERVER_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(ROOT, 'scripts', 'bench-server.ts'), mode], {
    cwd: ROOT,
    env: serverEnv(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.add(child);
  // Anything else a server prints (e.g. --trace-gc) goes to stderr, tagged.
  const relay = (line: string) => process.stderr.write(`[${mode}] ${line}\n`);
  const line = await lineMatching(child, /^READY /, 30_000, relay);
  const m = /^READY (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  if (!m) throw new Error(`${mode} server said "${line}"`);
  child.stdout!.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString('utf8').split('\n')) if (l) relay(l);
  });
  const server = { name: mode, url: m[1], child };
  ALL_SERVERS.push(server);
  child.once('exit', () => {
    const i = ALL_SERVERS.indexOf(server);
    if (i !== -1) ALL_SERVERS.splice(i, 1);
  });
  return server;
}

/**
 * User + system CPU of a process (all its threads, libuv's pool included) in ms, Linux only; with
 * `reaped`, plus that of its children that have exited (the cold-start CLIs).
 */
const CLOCK_TICKS = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(out.stdout?.trim()) || 100;
})();
function cpuMs(pid: number | 'self' | undefined, reaped = false): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return ((fields[11] + fields[12] + (reaped ? fields[13] + fields[14] : 0)) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * CPU the rest of the machine used while a measurement ran (Linux): busy time from /proc/stat minus
 * this process, the servers under test and our exited children, in cores.
 */
function neighbourMeter(servers: ServerUnderTest[]): () => number | undefined {
  const machine = () => {
    try {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      return ((f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0)) * 1000) / CLOCK_TICKS; // user nice system irq softirq steal
    } catch {
      return undefined;
    }
  };
  const ours = () => {
    const all = [cpuMs('self', true), ...servers.map((s) => cpuMs(s.child.pid))];
    return all.some((k) => k === undefined) ? undefined : all.reduce<number>((t, k) => t + k!, 0);
  };
  const t0 = performance.now();
  const m0 = machine();
  const o0 = ours();
  return () => {
    const m1 = machine();
    const o1 = ours();
    if (m0 === undefined || m1 === undefined || o0 === undefined || o1 === undefined) return undefined;
    return Math.max(0, m1 - m0 - (o1 - o0)) / (performance.now() - t0);
  };
}

/**
 * Waits, within a budget shared by the whole run, until other processes leave the CPUs alone
 * (less than NEIGHBOUR_WARNING cores over half a second). Returns at once off Linux.
 */
let quietBudgetMs = QUIET_BUDGET_SECONDS * 1000;
async function awaitQuiet(what: string): Promise<void> {
  const began = performance.now();
  for (;;) {
    const meter = neighbourMeter(ALL_SERVERS);
    await sleep(500);
    const cores = meter();
    if (cores === undefined || cores < NEIGHBOUR_WARNING) break;
    if (performance.now() - began >= quietBudgetMs) {
      if (quietBudgetMs > 0) log(`${what}: other processes still use ${fmt(cores, 2)} cores; measuring anyway (no more waiting this run)`);
      quietBudgetMs = 0;
      break;
    }
  }
  const waited = performance.now() - began - 500;
  quietBudgetMs = Math.max(0, quietBudgetMs - Math.max(0, waited));
  if (waited > 100) log(`${what}: waited ${fmt(waited / 1000, 1)} s for other processes to quiet down`);
}

/**
 * A measurement taken when the CPUs are quiet, redone (within a budget shared by the whole run) when
 * other processes used them meanwhile; the least disturbed attempt is kept.
 */
let retryBudgetMs = RETRY_BUDGET_SECONDS * 1000;
async function quietly<T extends { neighbours?: number }>(what: string, seconds: number, measure: () => Promise<T>): Promise<T> {
  let best: T | undefined;
  for (;;) {
    await awaitQuiet(what);
    const result = await measure();
    if (!best || (result.neighbours ?? 0) < (best.neighbours ?? 0)) best = result;
    if ((result.neighbours ?? 0) <= NEIGHBOUR_WARNING || retryBudgetMs < seconds * 1000) return best;
    retryBudgetMs -= seconds * 1000;
    log(`${what}: other processes used ${fmt(result.neighbours, 2)} cores meanwhile; again`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Plain HTTP (one connection per call) and the reply check

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function call(url: string, method: string, target: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + target, { method, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${target}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A 200 with the expected body and a valid platform signature over it, or an exception saying why not. */
function checkReply(what: string, reply: Reply, expectedBody?: string): void {
  if (reply.status !== 200) throw new Error(`${what}: HTTP ${reply.status} ${reply.body}`);
  if (expectedBody !== undefined && reply.body !== expectedBody) throw new Error(`${what}: unexpected body ${reply.body}`);
  const h = (name: string) => String(reply.headers[name] ?? '');
  const serial = h('wechatpay-serial');
  const key = serial === world.platform.publicKey.id ? world.platform.publicKey.verifyKey : world.platform.certificate.verifyKey;
  const message = Buffer.from(`${h('wechatpay-timestamp')}\n${h('wechatpay-nonce')}\n${reply.body}\n`, 'utf8');
  if (!verify('sha256', message, key, Buffer.from(h('wechatpay-signature'), 'base64')))
    throw new Error(`${what}: reply signature does not verify`);
}

const signedGet = () => signer.headers('GET', TARGET_PATH);
const signedSet = () => signer.headers('POST', BENCH_PATH, SET_BODY);

// ---------------------------------------------------------------------------------------------------
// Load

function cannon(
  options: autocannon.Options,
  onResponse?: (client: autocannon.Client, status: number, ms: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
    if (onResponse) instance.on('response', (client, status, _bytes, ms) => onResponse(client, status, ms));
  });
}

/** Anything but a clean run of expected 200s, in words. */
function problems(result: autocannon.Result): string[] {
  const out: string[] = [];
  if (result.non2xx) out.push(`${result.non2xx} non-2xx (${Object.keys(result.statusCodeStats ?? {}).join(', ')})`);
  if (result.errors) out.push(`${result.errors} errors`);
  if (result.timeouts) out.push(`${result.timeouts} timeouts`);
  if (result.mismatches) out.push(`${result.mismatches} bodies not as expected`);
  if (!result['2xx']) out.push('no 2xx at all');
  return out;
}

interface Throughput {
  rps: number;
  cpuUsPerReq?: number;
  /** Cores used by other processes meanwhile. */
  neighbours?: number;
  problems: string[];
}

async function throughput(server: ServerUnderTest, seconds: number): Promise<Throughput> {
  const cpu0 = cpuMs(server.child.pid);
  const neighbours = neighbourMeter(ALL_SERVERS);
  const result = await cannon({
    url: server.url + TARGET_PATH,
    method: 'GET',
    headers: signedGet(),
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    expectBody: EXPECTED_BODY,
  });
  const cpu1 = cpuMs(server.child.pid);
  const ok = result['2xx'];
  return {
    neighbours: neighbours(),
    rps: ok / result.duration,
    cpuUsPerReq: cpu0 !== undefined && cpu1 !== undefined && ok ? ((cpu1 - cpu0) * 1000) / ok : undefined,
    problems: problems(result),
  };
}

interface Latency {
  neighbours?: number;
  p50: number;
  p99: number;
  max: number;
  offered: number;
  samples: number;
  problems: string[];
}

/** Internals of autocannon 9's HTTP client (lib/httpClient.js) that pacing needs. */
interface PacedClient {
  rate: number;
  reqsMadeThisSecond: number;
  destroyed: boolean;
  rateInterval?: NodeJS.Timeout;
  _doRequest(): void;
}

/**
 * `rate` req/s offered for `seconds`.
 *
 * paced: one request every 1000/rate ms on the connection idle longest (round robin, so none sits
 * idle into a keep-alive or client timeout), from one dispatcher. autocannon sends on its own clients and times each request; the clients are held by
 * their own rate limit (quota 1, never refilled by autocannon) and refilled by the dispatcher only.
 * (Per-connection windows shifted in phase do not stay shifted: Node restarts every interval that fires
 * in the same loop turn from the same instant, so any hiccup merges them into bursts for good.)
 *
 * burst: autocannon's `overallRate` as it comes, each connection's quota sent back to back at the
 * top of each second.
 */
async function fixedRate(server: ServerUnderTest, rate: number, seconds: number, mode: 'paced' | 'burst'): Promise<Latency> {
  const settleMs = 500; // connections are set up before the schedule starts
  const samples: number[] = [];
  const idle: PacedClient[] = [];
  let scheduleStart = Infinity;
  let sent = 0;
  let waitedForConnection = 0;
  let dispatcher: NodeJS.Timeout | undefined;

  const hold = (raw: autocannon.Client) => {
    const client = raw as unknown as PacedClient;
    if (typeof client._doRequest !== 'function' || !('reqsMadeThisSecond' in client))
      throw new Error('bench: autocannon internals changed, cannot pace');
    client.rate = 1;
    client.reqsMadeThisSecond = 1; // the request autocannon sends on connect waits for the dispatcher
    setImmediate(() => {
      clearInterval(client.rateInterval); // autocannon's per-second refill
      idle.push(client);
    });
  };
  const dispatch = () => {
    const due = Math.floor(((performance.now() - scheduleStart) * rate) / 1000);
    while (sent < due && idle.length) {
      const client = idle.shift()!;
      if (client.destroyed) continue;
      client.reqsMadeThisSecond = 0;
      client._doRequest();
      sent++;
    }
    if (sent < due) waitedForConnection++;
  };

  const started = performance.now();
  const measureFrom = started + settleMs + 1000;
  const neighbours = neighbourMeter(ALL_SERVERS);
  if (mode === 'paced') {
    setTimeout(() => {
      scheduleStart = performance.now();
      dispatcher = setInterval(dispatch, 1);
    }, settleMs);
  }
  const result = await cannon(
    {
      url: server.url + TARGET_PATH,
      method: 'GET',
      headers: signedGet(),
      connections: CONNECTIONS,
      pipelining: 1,
      duration: (settleMs + 1000) / 1000 + seconds,
      expectBody: EXPECTED_BODY,
      ...(mode === 'paced' ? { setupClient: hold } : { overallRate: rate, ignoreCoordinatedOmission: true }),
    },
    (client, status, ms) => {
      if (status === 200 && performance.now() >= measureFrom) samples.push(ms);
      if (mode === 'paced') idle.push(client as unknown as PacedClient);
    },
  );
  clearInterval(dispatcher);
  const measuredSeconds = (performance.now() - measureFrom) / 1000;
  samples.sort((x, y) => x - y);
  const out = problems(result);
  if (waitedForConnection) out.push(`${waitedForConnection} dispatches found all ${CONNECTIONS} connections busy`);
  return {
    neighbours: neighbours(),
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples[samples.length - 1] ?? NaN,
    offered: samples.length / measuredSeconds,
    samples: samples.length,
    problems: out,
  };
}

// ---------------------------------------------------------------------------------------------------
// Cold start

interface ColdRun {
  listening: number;
  first200: number;
  get200: number;
}

async function coldStart(): Promise<ColdRun> {
  // Signed before the clock starts: the signature covers method and target, not the port.
  const set = signedSet();
  const get = signedGet();
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, '--port', '0', '--in-memory', '--log', 'silent'], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  try {
    const line = await lineMatching(child, /./, 15_000);
    const listening = performance.now() - t0;
    const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
    if (!url) throw new Error(`unexpected first line: ${line}`);
    child.stdout!.resume();
    child.stderr!.resume();
    // A fresh mock has no notify URL: the signed POST that sets it is the first /v3 call answering 200,
    // the signed GET then answers 200 with it.
    const setReply = await call(url, 'POST', BENCH_PATH, set, SET_BODY);
    const first200 = performance.now() - t0;
    checkReply('cold start POST', setReply);
    const getReply = await call(url, 'GET', TARGET_PATH, get);
    const get200 = performance.now() - t0;
    checkReply('cold start GET', getReply, EXPECTED_BODY);
    return { listening, first200, get200 };
  } finally {
    await stopChild(child);
  }
}

// ---------------------------------------------------------------------------------------------------

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * The phases to run, `BENCH_PHASES=c npm run bench` to iterate on one (default: all). Node flags for the
 * servers under test (a, b, c): `BENCH_SERVER_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'`.
 */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'abcd').toLowerCase());

/** 0 whatever the figures (a report, not a test); 1 only when a figure could not be measured at all. */
async function main(): Promise<number> {
  const began = performance.now();
  const autocannonVersion = (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')) as { version: string }
  ).version;
  log(
    `node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model.trim() ?? '?'}), autocannon ${autocannonVersion}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 'default (4)'}`,
  );
  const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const rows: [string, string, string, string][] = [['measure', 'figure', 'target', '']];
  const notes: string[] = [];
  const note = (what: string, list: string[]) => notes.push(...list.map((p) => `${what} ${p}`));
  const extra: string[] = [];
  const busy = (what: string, cores: number | undefined) => {
    if (cores !== undefined && cores > NEIGHBOUR_WARNING)
      notes.push(`${what}: other processes used ${fmt(cores, 2)} of ${availableParallelism()} cores meanwhile (noisy)`);
  };

  let failed = false;
  const failure = (phases: string, err: unknown) => {
    failed = true;
    rows.push([`${phases} could not be measured`, 'ERROR', '', '']);
    notes.push(`${phases}: ${(err as Error).message ?? err}`);
    log(`${phases} failed: ${(err as Error).stack ?? err}`);
  };

  if (PHASES.has('a') || PHASES.has('b') || PHASES.has('c')) {
    try {
      // Both servers up and checked before either is measured.
      const [ceiling, mock] = await Promise.all([startServer('ceiling'), startServer('mock')]);
      checkReply('ceiling GET', await call(ceiling.url, 'GET', TARGET_PATH, signedGet()), EXPECTED_BODY);
      checkReply('mock POST (set notify URL)', await call(mock.url, 'POST', BENCH_PATH, signedSet(), SET_BODY));
      checkReply('mock GET', await call(mock.url, 'GET', TARGET_PATH, signedGet()), EXPECTED_BODY);

      log(`warm-up ${WARMUP_SECONDS} s each`);
      await throughput(ceiling, WARMUP_SECONDS);
      await throughput(mock, WARMUP_SECONDS);

      if (PHASES.has('a') || PHASES.has('b')) {
        // Alternating rounds (a b, b a, ...) so drift and neighbours' load fall on both alike; medians.
        const runs = { ceiling: [] as Throughput[], mock: [] as Throughput[] };
        for (let round = 1; round <= ROUNDS; round++) {
          for (const server of round % 2 ? [ceiling, mock] : [mock, ceiling]) {
            const t = await quietly(`round ${round} ${server.name}`, ROUND_SECONDS, () => throughput(server, ROUND_SECONDS));
            runs[server.name as 'ceiling' | 'mock'].push(t);
            log(
              `round ${round} ${server.name}: ${fmt(t.rps)} req/s, server CPU ${fmt(t.cpuUsPerReq)} µs/req, other processes ${fmt(t.neighbours, 2)} cores${t.problems.length ? ' — ' + t.problems.join('; ') : ''}`,
            );
            busy(`(${server.name === 'ceiling' ? 'a' : 'b'}) round ${round}`, t.neighbours);
          }
        }
        const med = (xs: (number | undefined)[]) => (xs.some((x) => x === undefined) ? undefined : median(xs as number[]));
        const a = med(runs.ceiling.map((t) => t.rps))!;
        const b = med(runs.mock.map((t) => t.rps))!;
        // Each round's b over its a (measured back to back), then the median of those: a drift of the
        // machine's speed between rounds cancels within a round, where a ratio of the two medians takes
        // it in whole (the median req/s of each are printed above it).
        const ratios = runs.mock.map((t, i) => t.rps / runs.ceiling[i].rps);
        const ratio = median(ratios);
        const problemsAB = [
          ...runs.ceiling.flatMap((t) => t.problems.map((p) => `(a) ${p}`)),
          ...runs.mock.flatMap((t) => t.problems.map((p) => `(b) ${p}`)),
        ];
        notes.push(...problemsAB);
        rows.push(
          [`(a) ceiling: bare Hono + 1 RSA-2048 verify + 1 async sign, ${CONNECTIONS} conns`, `${fmt(a)} req/s`, '', ''],
          [`(b) mock: signed GET favor/callbacks, ${CONNECTIONS} conns`, `${fmt(b)} req/s`, '', ''],
          ['    b/a, median of the rounds', fmt(ratio, 2), `≥ ${TARGET.ratio}`, mark(ratio >= TARGET.ratio && !problemsAB.length)],
          [
            '    server CPU per reply, a / b',
            `${fmt(med(runs.ceiling.map((t) => t.cpuUsPerReq)))} / ${fmt(med(runs.mock.map((t) => t.cpuUsPerReq)))} µs`,
            '',
            '',
          ],
        );
        extra.push(
          `(a)/(b) rounds of ${ROUND_SECONDS} s, req/s: a ${runs.ceiling.map((t) => fmt(t.rps)).join(', ')}; b ${runs.mock.map((t) => fmt(t.rps)).join(', ')}; b/a ${ratios.map((r) => fmt(r, 2)).join(', ')}`,
        );
      }

      if (PHASES.has('c')) {
        // The Authorization is signed afresh per run.
        log(`mock at ${RATE} req/s, paced, ${RATE_SECONDS} s`);
        const paced = await quietly('(c)', RATE_SECONDS, () => fixedRate(mock, RATE, RATE_SECONDS, 'paced'));
        log(`ceiling at ${RATE} req/s, paced, ${REFERENCE_SECONDS} s`);
        const reference = await quietly('(c, reference)', REFERENCE_SECONDS, () => fixedRate(ceiling, RATE, REFERENCE_SECONDS, 'paced'));
        log(`mock at ${RATE} req/s, autocannon overallRate as-is over ${CONNECTIONS} connections, ${BURST_SECONDS} s`);
        const burst = await fixedRate(mock, RATE, BURST_SECONDS, 'burst');
        log(`other processes used ${fmt(paced.neighbours, 2)} / ${fmt(reference.neighbours, 2)} / ${fmt(burst.neighbours, 2)} cores`);
        busy('(c)', paced.neighbours);
        busy('(c, reference)', reference.neighbours);
        note('(c)', paced.problems);
        note('(c, reference)', reference.problems);
        note('(c, as-is)', burst.problems);
        rows.push(
          [
            `(c) mock at ${RATE} req/s paced (1 req / ${1000 / RATE} ms): p50 / p99`,
            `${fmt(paced.p50, 2)} / ${fmt(paced.p99, 2)} ms`,
            `p99 ≤ ${TARGET.p99Ms} ms`,
            mark(paced.p99 <= TARGET.p99Ms && !paced.problems.length),
          ],
          ['    achieved rate, max', `${fmt(paced.offered)} req/s, ${fmt(paced.max, 1)} ms`, '', ''],
          ['    reference: ceiling app, same paced run: p50 / p99', `${fmt(reference.p50, 2)} / ${fmt(reference.p99, 2)} ms`, '', ''],
          [
            `    overallRate as-is (per-second bursts of ${CONNECTIONS}): p50 / p99`,
            `${fmt(burst.p50, 2)} / ${fmt(burst.p99, 2)} ms`,
            '(info)',
            '',
          ],
        );
      }
      await Promise.all([stopChild(ceiling.child), stopChild(mock.child)]);
    } catch (err) {
      failure(
        [...'abc']
          .filter((p) => PHASES.has(p))
          .map((p) => `(${p})`)
          .join(''),
        err,
      );
      await Promise.all([...children].map(stopChild));
    }
  }

  if (PHASES.has('d')) {
    try {
      log(`cold start × ${COLD_RUNS}`);
      const series = await quietly('(d)', 3, async () => {
        const neighbours = neighbourMeter(ALL_SERVERS);
        const runs: ColdRun[] = [];
        for (let i = 0; i < COLD_RUNS; i++) runs.push(await coldStart());
        return { runs, neighbours: neighbours() };
      });
      busy('(d)', series.neighbours);
      const cold = series.runs;
      const first = median(cold.map((c) => c.first200));
      rows.push(
        [
          `(d) cold start: spawn → first signed 200, median of ${COLD_RUNS}`,
          `${fmt(first)} ms`,
          `≤ ${TARGET.coldMs} ms`,
          mark(first <= TARGET.coldMs),
        ],
        [
          '    spawn → listening line / → signed GET 200',
          `${fmt(median(cold.map((c) => c.listening)))} / ${fmt(median(cold.map((c) => c.get200)))} ms`,
          '',
          '',
        ],
      );
      extra.push(`cold start runs (spawn → first 200): ${cold.map((c) => fmt(c.first200)).join(', ')} ms`);
    } catch (err) {
      failure('(d)', err);
    }
  }

  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3]}`.trimEnd();
  const out = [
    `wxpay-mock bench — node ${process.version}, ${availableParallelism()} CPU(s), autocannon ${autocannonVersion}, loopback`,
    line(rows[0]),
    '-'.repeat(widths[0] + widths[1] + widths[2] + 10),
    ...rows.slice(1).map(line),
  ];
  if (notes.length) out.push('', 'caveats (the figures they concern are less trustworthy):', ...notes.map((n) => `  ${n}`));
  out.push('', ...extra, `total bench time ${fmt((performance.now() - began) / 1000, 1)} s`);
  process.stdout.write(out.join('\n') + '\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
