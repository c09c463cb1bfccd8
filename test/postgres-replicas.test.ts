/**
 * Several mock replicas on one PostgreSQL database (docs/reference/postgres.md): one world. Two
 * replicas are two `createApp`s on the same database (their own engines and connections, as two
 * processes would have), or a spawned CLI where a process must die.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresBackend } from '../mock-server/index.js';
import { bodyText, NOW_MS, runningStock, send, sendOk, USER, USER2 } from './helpers/favor.js';
import { CREATOR, json, newMock, SAME_BRAND, type TestMock } from './helpers/mock.js';
import { closeAdmin, freshDatabase, restartCluster, startCluster, stopCluster } from './helpers/postgres.js';
import { listeningUrl } from './helpers/cli.js';

const FAVOR = '/v3/marketing/favor';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open: TestMock[] = [];
const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const t of open.splice(0)) await t.mock.close().catch(() => {});
  for (const s of servers.splice(0)) s.close();
});
afterAll(closeAdmin);

async function replica(url: string, options: Parameters<typeof newMock>[0] = {}): Promise<TestMock> {
  const t = await newMock({ store: await postgresBackend(url), ...options });
  open.push(t);
  return t;
}

/** Two replicas on a new database (of the shared cluster, or of `cluster`), the clock frozen at NOW (set on A: B sees it). */
async function pair(options: Parameters<typeof newMock>[0] = {}, cluster?: string) {
  const url = await freshDatabase(cluster);
  const a = await replica(url, options);
  const b = await replica(url, options);
  await a.mock.clock.freeze(NOW_MS);
  return { url, a, b };
}

/** A notify receiver counting COUPON.USE notifications by id; `hold` keeps answering nothing. */
async function receiver(behaviour: { hold?: boolean } = {}) {
  const seen: string[] = [];
  const waiting = new Set<ServerResponse>();
  let firstArrived!: () => void;
  const first = new Promise<void>((r) => (firstArrived = r));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
      firstArrived();
      if (behaviour.hold) {
        waiting.add(res);
        return;
      }
      seen.push(body.id);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/notify`,
    seen,
    first,
    /** From now on answer 200 (held requests stay unanswered). */
    answer() {
      behaviour.hold = false;
    },
  };
}

const stockOf = async (t: TestMock, stockId: string) =>
  json(await t.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`));

describe('replicas on one PostgreSQL database', () => {
  it('200 parallel sends split across two replicas against max_coupons 50 → exactly 50 coupons', async () => {
    const { a, b } = await pair();
    const stockId = await runningStock(a, {
      stock_use_rule: { max_coupons: 50, max_amount: 5000, max_coupons_per_user: 50 },
    });
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => send(i % 2 ? b : a, stockId, { openid: i % 4 < 2 ? USER : USER2 })),
    );
    const ok = replies.filter((r) => r.status === 200);
    expect(ok.length, replies.map((r) => `${r.status} ${bodyText(r)}`).find((x) => !x.startsWith('200')) ?? '').toBe(50);
    expect(new Set(ok.map((r) => json(r).coupon_id)).size).toBe(50);
    // Every refusal is the stock running out, and both replicas see 50.
    for (const r of replies.filter((x) => x.status !== 200))
      expect(json(r).code, bodyText(r)).toMatch(/^(NOT_ENOUGH|STOCK|RULE|RESOURCE|USER)/);
    expect((await stockOf(a, stockId)).distributed_coupons).toBe(50);
    expect((await stockOf(b, stockId)).distributed_coupons).toBe(50);
  });

  it('the same out_request_no on both replicas → one coupon; the same Idempotency-Key → one partnership', async () => {
    const { a, b } = await pair();
    const stockId = await runningStock(a);
    const [x, y] = await Promise.all([send(a, stockId, { outRequestNo: 'TWICE-1' }), send(b, stockId, { outRequestNo: 'TWICE-1' })]);
    expect(x.status, bodyText(x)).toBe(200);
    expect(y.status, bodyText(y)).toBe(200);
    expect(json(y).coupon_id).toBe(json(x).coupon_id);
    expect((await stockOf(b, stockId)).distributed_coupons).toBe(1);

    const build = (t: TestMock) =>
      t.call('POST', '/v3/marketing/partnerships/build', {
        body: {
          partner: { type: 'MERCHANT', merchant_id: SAME_BRAND },
          authorized_data: { business_type: 'FAVOR_STOCK', stock_id: stockId },
        },
        headers: { 'Idempotency-Key': 'REPLICAS-KEY-1' },
      });
    const [p, q] = await Promise.all([build(a), build(b)]);
    expect(p.status, bodyText(p)).toBe(200);
    expect(q.status, bodyText(q)).toBe(200);
    expect(json(q).id ?? json(q)).toEqual(json(p).id ?? json(p));
    const list = await b.call(
      'GET',
      `/v3/marketing/partnerships?authorized_data=${encodeURIComponent(JSON.stringify({ business_type: 'FAVOR_STOCK', stock_id: stockId }))}&limit=10&offset=0`,
    );
    expect(list.status, bodyText(list)).toBe(200);
    expect(json(list).total_count).toBe(1);
  });

  it('a write on one replica is read on the other at once (read-your-writes behind a load balancer)', async () => {
    const { a, b } = await pair();
    for (let i = 0; i < 5; i++) {
      const url = `https://m.example.com/n${i}`;
      expect((await (i % 2 ? b : a).call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: url } })).status).toBe(200);
      expect(json(await (i % 2 ? a : b).call('GET', `${FAVOR}/callbacks?mchid=${CREATOR}`)).notify_url).toBe(url);
    }
  });

  it('advancing the clock on A moves B: promptly by itself (NOTIFY), and at once through B’s API', async () => {
    const { a, b } = await pair();
    await a.mock.clock.advance('1d');
    const expected = NOW_MS + 86_400_000;
    // Through B's control API: it catches up before answering.
    const clock = await b.mock.request('/_mock/clock');
    expect(((await clock.json()) as { now_ms: number }).now_ms).toBe(expected);
    await a.mock.clock.advance('1d');
    // By itself: B's clock (read without any request) moves within a moment.
    for (let i = 0; i < 100 && b.mock.clock.nowMs() !== expected + 86_400_000; i++) await sleep(20);
    expect(b.mock.clock.nowMs()).toBe(expected + 86_400_000);
  });

  it('coupons used on A and B are each delivered exactly once though both dispatch', async () => {
    const { a, b } = await pair();
    const r = await receiver();
    expect((await a.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: r.url } })).status).toBe(200);
    const stockId = await runningStock(a, { stock_use_rule: { max_coupons: 100, max_amount: 10000, max_coupons_per_user: 60 } });
    const coupons = await Promise.all(Array.from({ length: 8 }, (_, i) => sendOk(i % 2 ? b : a, stockId)));
    const uses = await Promise.all(coupons.map((id, i) => (i % 2 ? b : a).mock.useCoupon(id)));
    const ids = uses.map((u) => u.delivery!.record.id);
    // Each replica's own deliveries settle there; then no second attempt anywhere.
    await Promise.all(uses.map((u) => u.delivery!.settled));
    await sleep(300);
    expect([...r.seen].sort()).toEqual([...ids].sort());
    for (const u of uses) expect((await u.delivery!.settled).state).toBe('delivered');
  });

  it('a scenario applied on A, a reset on A, the report: the world is shared, ids never repeat, the journal is per replica', async () => {
    const { a, b } = await pair();
    const { saved } = await a.mock.apply(
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'coupon-campaign.json'), 'utf8'),
    );
    const stockId = (saved.stock as { stock_id: string }).stock_id;
    expect((await b.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`)).status).toBe(200);
    // The report reads this replica's journal: B's GET is in B's, not A's.
    expect(b.mock.report().summary.requests).toBe(1);
    await a.mock.reset();
    expect((await b.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`)).status).toBe(404);
    await b.mock.clock.freeze(NOW_MS);
    const next = await runningStock(b);
    expect(next).not.toBe(stockId);
    expect(Number(next)).toBeGreaterThan(Number(stockId));
  });

  it('one coupon used on A and B at once: one use, the other refused', async () => {
    const { a, b } = await pair();
    const stockId = await runningStock(a);
    const couponId = await sendOk(b, stockId);
    const use = (t: TestMock) =>
      t.mock.request(`/_mock/favor/coupons/${couponId}/use`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
    const statuses = (await Promise.all([use(a), use(b)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400]);
  });

  it('a replica stopped (closed) mid-delivery gives its lease back: another delivers at once, not after the lease', async () => {
    const url = await freshDatabase();
    const r = await receiver({ hold: true });
    const a = await replica(url);
    await a.mock.clock.freeze(NOW_MS);
    expect((await a.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: r.url } })).status).toBe(200);
    const couponId = await sendOk(a, await runningStock(a));
    await a.mock.useCoupon(couponId);
    await r.first;
    await a.mock.close();
    r.answer();
    const started = Date.now();
    // The lease would have lasted 5 s (the attempt timeout) + 2 s.
    const b = await replica(url);
    let delivered: unknown[] = [];
    for (let i = 0; i < 100 && !delivered.length; i++) {
      await sleep(30);
      delivered = b.mock.deliveries({ coupon_id: couponId, state: 'delivered' });
    }
    expect(delivered).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a replica killed (SIGKILL) while it holds a delivery lease: another replica delivers it once the lease ends', async () => {
    const url = await freshDatabase();
    const r = await receiver({ hold: true });
    // The replica that will die: the built CLI, with a 1 s callback timeout (lease = 1 s + margin).
    const child = spawn(
      process.execPath,
      ['dist/mock-server/cli.js', '--store', url, '--port', '0', '--log', 'silent', '--callback-timeout', '1000'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    const base = await listeningUrl(child);
    const p = await replica(url);
    await p.mock.clock.freeze(NOW_MS);
    expect((await p.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: r.url } })).status).toBe(200);
    const stockId = await runningStock(p);
    const couponId = await sendOk(p, stockId);
    // Close the in-process replica for now: only the CLI replica dispatches when the coupon is used.
    await p.mock.close();
    open.length = 0;
    const used = await fetch(`${base}/_mock/favor/coupons/${couponId}/use`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(used.status, await used.clone().text()).toBe(200);
    await r.first;
    const started = Date.now();
    child.kill('SIGKILL');
    r.answer();
    // Another replica, started now, finds the pending delivery leased by the dead one and waits for the lease.
    const other = await replica(url);
    let delivered: unknown[] = [];
    for (let i = 0; i < 200 && !delivered.length; i++) {
      await sleep(50);
      delivered = other.mock.deliveries({ coupon_id: couponId, state: 'delivered' });
    }
    expect(delivered).toHaveLength(1);
    expect(r.seen).toHaveLength(1);
    // Not before the dead replica's lease ran out.
    expect(Date.now() - started).toBeGreaterThan(500);
  });
});

// A cluster of their own: stopping it must not reach the tests of another file running meanwhile.
describe('replicas when the database goes away', () => {
  const OUTAGE = 'outage';

  it('while it is down: /_mock/health answers 503 naming it, requests answer 500 SYSTEM_ERROR at once; started again, all works by itself', async () => {
    const { a, b } = await pair({}, OUTAGE);
    const stockId = await runningStock(a);
    await stopCluster(OUTAGE);
    try {
      const health = await b.mock.request('/_mock/health');
      expect(health.status).toBe(503);
      const body = (await health.json()) as { status: string; store: { ok: boolean; error: string } };
      expect(body.status).toBe('unavailable');
      expect(body.store.ok).toBe(false);
      expect(body.store.error).toMatch(/^PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:\d+\/t_/);
      for (const call of [() => send(a, stockId), () => b.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`)]) {
        const started = Date.now();
        const res = await call();
        expect(res.status).toBe(500);
        expect(json(res)).toEqual({ code: 'SYSTEM_ERROR', message: '系统错误' });
        expect(Date.now() - started).toBeLessThan(8000);
      }
    } finally {
      await startCluster(OUTAGE);
    }
    expect((await send(b, stockId)).status).toBe(200);
    expect((await a.mock.request('/_mock/health')).status).toBe(200);
    expect((await stockOf(a, stockId)).distributed_coupons).toBe(1);
  });

  it('the database restarted during load: no acknowledged write is lost, requests meanwhile answer 500 SYSTEM_ERROR in bounded time, and it recovers', async () => {
    const { url, a, b } = await pair({}, OUTAGE);
    const stockId = await runningStock(a, { stock_use_rule: { max_coupons: 5000, max_amount: 500000, max_coupons_per_user: 60 } });
    const acknowledged: { id: string; openid: string }[] = [];
    const refused: { status: number; body: string; ms: number }[] = [];
    let stop = false;
    // APP's five ordinary users in turn: 60 coupons each at most (max_coupons_per_user), 300 in all. The
    // load stays under it whatever the machine's speed: unthrottled to 110 coupons, then one send per
    // 10 ms per replica (so it still spans the restart), and past 240 it only waits — each user ends
    // with ≤ 50 and takes the sends after it.
    const users = [USER, USER2, 'od3htb2NrLTEtdXNlci0zX19fX19', 'od3htb2NrLTEtdXNlci00X19fX19', 'od3htb2NrLTEtdXNlci01X19fX19'];
    const load = async (t: TestMock) => {
      for (let sent = 0; !stop;) {
        if (acknowledged.length >= 240) {
          await sleep(10);
          continue;
        }
        const openid = users[sent++ % users.length];
        const started = Date.now();
        const res = await send(t, stockId, { openid });
        if (res.status === 200) acknowledged.push({ id: json(res).coupon_id, openid });
        else refused.push({ status: res.status, body: bodyText(res), ms: Date.now() - started });
        if (acknowledged.length > 110) await sleep(10);
      }
    };
    const loads = [load(a), load(b)];
    await sleep(300);
    await restartCluster(OUTAGE);
    await sleep(300);
    stop = true;
    await Promise.all(loads);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body)).toEqual({ code: 'SYSTEM_ERROR', message: '系统错误' });
      expect(r.ms).toBeLessThan(8000);
    }
    // Recovered by itself: a new send works on both, health is ok.
    expect((await send(a, stockId, { openid: USER2 })).status).toBe(200);
    expect((await send(b, stockId, { openid: USER2 })).status).toBe(200);
    expect((await b.mock.request('/_mock/health')).status).toBe(200);
    // Every acknowledged coupon is there, on a fresh replica too.
    const fresh = await replica(url);
    for (const { id, openid } of acknowledged.slice(-20)) {
      const got = await fresh.call('GET', `${FAVOR}/users/${openid}/coupons/${id}?appid=wx1a2b3c4d5e6f7001`);
      expect(got.status, bodyText(got)).toBe(200);
    }
    expect((await stockOf(fresh, stockId)).distributed_coupons).toBe(acknowledged.length + 2);
  });
});
