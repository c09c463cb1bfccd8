/**
 * Crash safety of the file store, with the real CLI and kill -9: concurrent sends, replays of earlier
 * out_request_nos and coupon uses run against a data file; the process is killed at a random moment;
 * a restart on the same file must open it and hold every acknowledged write — each coupon whose send
 * was answered 200, each use answered 200 — and the stock's counters must agree with the coupons
 * found (no half-written transaction). Runs the built CLI (npm test builds first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSigner, type Signer } from '../mock-server/index.js';
import { APP, stockBody, USER, USER2 } from './helpers/favor.js';
import { CREATOR } from './helpers/mock.js';
import { tempDataFile } from './helpers/store.js';
import { listeningUrl } from './helpers/cli.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'cli.js');
const FAVOR = '/v3/marketing/favor';
const ROUNDS = 10;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function startCli(dataFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--data', dataFile, '--log', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const url = await listeningUrl(child);
  return { child, url };
}

function client(url: string, signer: Signer) {
  return async (method: string, path: string, body?: unknown) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(url + path, {
      method,
      headers: {
        ...signer.headers(method, path, text),
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'User-Agent': 'crash-test',
      },
      body: text,
    });
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
  };
}

describe('file store under kill -9', () => {
  it(`${ROUNDS} rounds of concurrent sends, replays and uses killed at random: every acknowledged write survives, counters agree`, async () => {
    const dataFile = tempDataFile();
    const acknowledged = new Map<string, { couponId: string; openid: string }>(); // out_request_no → coupon
    const used = new Set<string>();
    const replayMismatches: string[] = [];
    let stockId = '';
    let signer: Signer | undefined;

    for (let round = 0; round < ROUNDS; round++) {
      const { child, url } = await startCli(dataFile);
      if (!signer) {
        const credentials = (await (await fetch(`${url}/_mock/credentials`)).json()) as {
          merchants: { mchid: string; merchant_serial_no: string; merchant_private_key: string }[];
        };
        const m = credentials.merchants.find((x) => x.mchid === CREATOR)!;
        signer = createSigner({ mchid: CREATOR, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
      }
      const call = client(url, signer);
      if (round === 0) {
        await fetch(`${url}/_mock/clock/freeze`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"time":"2026-03-02T10:00:00+08:00"}',
        });
        const created = await call(
          'POST',
          `${FAVOR}/coupon-stocks`,
          stockBody({ stock_use_rule: { max_coupons: 120, max_amount: 12000, max_coupons_per_user: 60 } }),
        );
        expect(created.status).toBe(200);
        stockId = created.json.stock_id;
        expect((await call('POST', `${FAVOR}/stocks/${stockId}/start`, { stock_creator_mchid: CREATOR })).status).toBe(200);
      }

      // Everything is the same kind of traffic a suite sends, in flight together; the kill lands somewhere in it.
      const earlier = [...acknowledged.entries()];
      const ops: Promise<void>[] = [];
      const sendCoupon = (no: string, openid: string) =>
        call('POST', `${FAVOR}/users/${openid}/coupons`, {
          stock_id: stockId,
          out_request_no: no,
          appid: APP,
          stock_creator_mchid: CREATOR,
        });
      for (let i = 0; i < 10; i++) {
        const no = `R${round}-${i}`;
        const openid = i % 2 ? USER : USER2;
        ops.push(
          sendCoupon(no, openid).then((r) => {
            if (r.status === 200) acknowledged.set(no, { couponId: r.json.coupon_id, openid });
          }),
        );
      }
      // A replay answered 200 must name the first coupon (kept here: allSettled below would swallow a throw).
      for (const [no, { couponId, openid }] of earlier.slice(-4)) {
        ops.push(
          sendCoupon(no, openid).then((r) => {
            if (r.status === 200 && r.json.coupon_id !== couponId) replayMismatches.push(`${no}: ${r.json.coupon_id} ≠ ${couponId}`);
          }),
        );
      }
      for (const [, { couponId }] of earlier.filter(([, c]) => !used.has(c.couponId)).slice(0, 2)) {
        ops.push(
          fetch(`${url}/_mock/favor/coupons/${couponId}/use`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{}',
          }).then((r) => {
            if (r.status === 200) used.add(couponId);
          }),
        );
      }
      const settled = Promise.allSettled(ops);
      // The kill lands mid-traffic: once a first reply of the round is in (so writes are under way
      // whatever the machine's load), after a random few more milliseconds.
      const before = acknowledged.size + used.size;
      for (let waited = 0; acknowledged.size + used.size === before && waited < 5000; waited += 5)
        await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      child.kill('SIGKILL');
      await settled;
    }

    expect(replayMismatches).toEqual([]);
    // The last restart: the file opens, and holds every acknowledged write.
    const { url } = await startCli(dataFile);
    const call = client(url, signer!);
    expect(acknowledged.size).toBeGreaterThan(0);
    for (const [no, { couponId, openid }] of acknowledged) {
      const got = await call('GET', `${FAVOR}/users/${openid}/coupons/${couponId}?appid=${APP}`);
      expect(got.status, `coupon ${couponId} (${no}) acknowledged before a kill`).toBe(200);
      if (used.has(couponId)) expect(got.json.status).toBe('USED');
    }
    const stock = await call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`);
    let found = 0;
    for (const openid of [USER, USER2]) {
      const list = await call(
        'GET',
        `${FAVOR}/users/${openid}/coupons?appid=${APP}&creator_mchid=${CREATOR}&stock_id=${stockId}&limit=100`,
      );
      found += list.json.total_count ?? 0;
    }
    expect(stock.json.distributed_coupons).toBe(found);
    expect(found).toBeGreaterThanOrEqual(acknowledged.size);
  }, 60_000);
});
