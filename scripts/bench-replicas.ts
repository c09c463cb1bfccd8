/**
 * `npm run bench:replicas` — replicas on one PostgreSQL database (docs/reference/postgres.md):
 *   - send-coupon throughput at 16 connections with 1 and with 2 replicas (the connections split
 *     across them, as a load balancer would), and the p50/p99 of those sends;
 *   - one client's send p50 with 100k coupons stored (1 and 2 replicas), and a replica's cold start then.
 * Each replica is the built CLI in its own process (`--store postgres://…`). The database is a
 * throwaway cluster with fsync on (as in production; PostgreSQL from Debian's package), or the server
 * of `WXPAY_MOCK_DATABASE_URL` (a database per run is created there). The 100k coupons are loaded
 * through a snapshot import (a bulk path: one real send cloned 100k times, PUT /_mock/snapshot —
 * sending 100k through the API would take minutes). Requests are signed ahead of each run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { createSigner, type Signer } from '../mock-server/index.js';
import { Cluster } from '../test/setup/postgres-cluster.js';
import {
  BENCH_APPID as APPID,
  BENCH_MCHID as MCHID,
  benchStockBody,
  cloneCoupons,
  FAVOR_PATH as FAVOR,
  lineMatching,
  percentile,
  signSends as signedSends,
  stopProcess,
  timedRequest,
  type SignedSend as Signed,
  type TimedReply,
} from './bench-common.js';

const CLI = new URL('../dist/mock-server/wxpay-mock.cjs', import.meta.url).pathname; // the bin
const CONNECTIONS = 16;
const SECONDS = 6;
const SKIP_SMALL = process.argv.includes('--only-100k');

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
/** One request; a kept-alive socket the server closed meanwhile is retried once (sends are idempotent by out_request_no). */
async function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<TimedReply> {
  try {
    return await sendOnce(url, method, path, headers, body);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
    return sendOnce(url, method, path, headers, body);
  }
}

const sendOnce = (url: string, method: string, path: string, headers: Record<string, string>, body?: string) =>
  timedRequest(agent, url, method, path, headers, body);

interface Replica {
  child: ChildProcess;
  url: string;
  startMs: number;
}
interface World {
  signer: Signer;
  users: string[];
}

async function startReplica(databaseUrl: string, more: string[] = []): Promise<Replica> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, '--store', databaseUrl, '--port', '0', '--seed', '1', '--log', 'silent', ...more], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await lineMatching(child, /listening on (http:\/\/\S+)/, 120_000);
  return { child, url: /listening on (http:\/\/\S+)/.exec(line)![1], startMs: performance.now() - t0 };
}

async function worldOf(r: Replica): Promise<World> {
  const credentials = JSON.parse((await send(r.url, 'GET', '/_mock/credentials', {})).body);
  const m = credentials.merchants.find((x: { mchid: string }) => x.mchid === MCHID);
  return {
    signer: createSigner({ mchid: MCHID, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key }),
    users: credentials.users.filter((u: { appid: string }) => u.appid === APPID).map((u: { openid: string }) => u.openid),
  };
}

async function api(r: Replica, w: World, method: string, path: string, body?: unknown): Promise<any> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const reply = await send(r.url, method, path, { ...w.signer.headers(method, path, text), 'Content-Type': 'application/json' }, text);
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${reply.body}`);
  return reply.body ? JSON.parse(reply.body) : undefined;
}

let requestNo = 0;
async function runningStock(r: Replica, w: World, maxCoupons: number): Promise<string> {
  const { stock_id } = await api(
    r,
    w,
    'POST',
    `${FAVOR}/coupon-stocks`,
    benchStockBody(maxCoupons, `bench-stock-${Date.now()}-${++requestNo}`),
  );
  await api(r, w, 'POST', `${FAVOR}/stocks/${stock_id}/start`, { stock_creator_mchid: MCHID });
  return stock_id;
}

const signSends = (w: World, stocks: string[], count: number): Signed[] => signedSends(w.signer, w.users, stocks, count);

async function fire(replicas: Replica[], signed: Signed[], connections: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const url = replicas[c % replicas.length].url;
      while (next < signed.length && performance.now() < deadline) {
        const r = signed[next++];
        const reply = await send(url, 'POST', r.path, r.headers, r.body);
        if (reply.status === 200) latencies.push(reply.ms);
        else errors++;
      }
    }),
  );
  return { rate: latencies.length / ((performance.now() - started) / 1000), latencies: latencies.sort((a, b) => a - b), errors };
}

/** Stocks enough for `count` sends (60 per user per stock). */
async function stocksFor(r: Replica, w: World, count: number) {
  const stocks: string[] = [];
  for (let i = 0; i < Math.ceil(count / (w.users.length * 60)) + 1; i++) stocks.push(await runningStock(r, w, w.users.length * 60));
  return stocks;
}

/** A snapshot of the world with `n` coupons: one real send cloned `n - 1` times into a filler stock (imported with --import). */
async function fill(r: Replica, w: World, n: number): Promise<string> {
  const stockId = await runningStock(r, w, Math.max(n, 10));
  const sent = await api(r, w, 'POST', `${FAVOR}/users/${w.users[0]}/coupons`, {
    stock_id: stockId,
    out_request_no: 'fill-0',
    appid: APPID,
    stock_creator_mchid: MCHID,
  });
  const snapshot = JSON.parse((await send(r.url, 'GET', '/_mock/snapshot', {})).body);
  cloneCoupons(snapshot, stockId, sent.coupon_id, w.users, n);
  const file = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-bench-')), 'snapshot.json');
  writeFileSync(file, JSON.stringify(snapshot));
  return file;
}

async function singleClientP50(replicas: Replica[], w: World, stocks: string[], count: number) {
  const signed = signSends(w, stocks, count);
  const times: number[] = [];
  for (const [i, s] of signed.entries()) {
    const reply = await send(replicas[i % replicas.length].url, 'POST', s.path, s.headers, s.body);
    if (reply.status !== 200) throw new Error(`send: ${reply.status} ${reply.body}`);
    times.push(reply.ms);
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** One row of the table: replicas, stored coupons, throughput, send p50 / p99, one client's p50, errors. */
function printRow(replicas: number, stored: string, result: { rate: number; latencies: number[]; errors: number }, singleP50: number) {
  const latency = `${fmt(percentile(result.latencies, 50), 1)} / ${fmt(percentile(result.latencies, 99), 1)}`;
  console.log(`| ${replicas} | ${stored} | ${fmt(result.rate)} | ${latency} | ${fmt(singleP50, 2)} | ${result.errors} |`);
}

async function main() {
  let cluster: Cluster | undefined;
  let server = process.env.WXPAY_MOCK_DATABASE_URL;
  if (!server) {
    cluster = new Cluster(true);
    await cluster.init();
    server = cluster.url;
  }
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  let n = 0;
  const database = async () => {
    const name = `wxpay_mock_bench_${process.pid}_${++n}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(server!);
    u.pathname = `/${name}`;
    return u.href;
  };
  const running: Replica[] = [];
  const stopAll = async () => {
    for (const r of running.splice(0)) await stopProcess(r.child, 5000);
  };
  try {
    console.log(
      `# wxpay-mock replicas on one PostgreSQL (${cluster ? 'throwaway cluster, fsync on' : 'WXPAY_MOCK_DATABASE_URL'}); ${CONNECTIONS} connections, ${SECONDS} s per run`,
    );
    console.log('| replicas | stored coupons | send throughput, req/s | send p50 / p99, ms | one client’s send p50, ms | errors |');
    console.log('|---|---|---|---|---|---|');
    for (const count of SKIP_SMALL ? [] : [1, 2]) {
      const url = await database();
      for (let i = 0; i < count; i++) running.push(await startReplica(url));
      const w = await worldOf(running[0]);
      await send(
        running[0].url,
        'POST',
        '/_mock/clock/freeze',
        { 'Content-Type': 'application/json' },
        JSON.stringify({ time: '2026-03-02T10:00:00+08:00' }),
      );
      const stocks = await stocksFor(running[0], w, 9000);
      await fire(running, signSends(w, stocks, 300), CONNECTIONS, 2); // warm-up
      const result = await fire(running, signSends(w, stocks, 8000), CONNECTIONS, SECONDS);
      const single = await singleClientP50(running, w, stocks, 200);
      printRow(count, '~0', result, single);
      await stopAll();
    }
    // 100k stored coupons: filled through one replica, then measured with 1 and 2.
    const url = await database();
    running.push(await startReplica(url));
    const w = await worldOf(running[0]);
    await send(
      running[0].url,
      'POST',
      '/_mock/clock/freeze',
      { 'Content-Type': 'application/json' },
      JSON.stringify({ time: '2026-03-02T10:00:00+08:00' }),
    );
    const snapshotFile = await fill(running[0], w, 100_000);
    await stopAll();
    const filled = performance.now();
    running.push(await startReplica(url, ['--import', snapshotFile]));
    const fillMs = performance.now() - filled;
    rmSync(dirname(snapshotFile), { recursive: true, force: true });
    // Both rounds (1 and 2 replicas) send from these stocks: room for both, or the second round's
    // users reach the stocks' 60 coupons each and the sends are refused (1,480 errors in a run where
    // one replica sent 1,100 a second).
    const [loadSends, singleSends, rounds] = [6000, 200, [1, 2]];
    const stocks = await stocksFor(running[0], w, rounds.length * (loadSends + singleSends) + 600);
    for (const count of rounds) {
      if (count === 2) running.push(await startReplica(url));
      const single = await singleClientP50(running, w, stocks, singleSends);
      const result = await fire(running, signSends(w, stocks, loadSends), CONNECTIONS, SECONDS);
      printRow(count, '100,000', result, single);
    }
    console.log(
      `\nfill (a replica started with --import of 100k coupons): ${fmt(fillMs / 1000, 1)} s; a second replica's cold start with them: ${fmt(running[1].startMs)} ms`,
    );
  } finally {
    await stopAll();
    await admin.end();
    await cluster?.remove();
  }
  agent.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
