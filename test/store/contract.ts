/**
 * The store contract: what every implementation of the store port (mock-server/store/port.ts) must
 * give the mock, checked through the public surfaces — signed API requests, the programmatic API and
 * the port itself (`createApp({ store })`). Run by test/store.test.ts for memory and the file log, and
 * by the PostgreSQL suite for its backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreBackend } from '../../mock-server/index.js';
import { bodyText, freezeAtNow, runningStock, send, sendOk, USER, USER2 } from '../helpers/favor.js';
import { CREATOR, json, newMock, type TestMock } from '../helpers/mock.js';
import { instrumented, type Instrumented } from '../helpers/store.js';

export interface BackendFactory {
  /** A new, empty store. */
  create(): Promise<StoreBackend>;
  /** The same store again, as a restart would open it (persistent backends only). */
  reopen?(): Promise<StoreBackend>;
}

const FAVOR = '/v3/marketing/favor';
const couponPath = (couponId: string) => `${FAVOR}/users/${USER}/coupons/${couponId}?appid=wx1a2b3c4d5e6f7001`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function storeContract(name: string, factory: BackendFactory) {
  describe(`store contract: ${name}`, () => {
    const open: TestMock[] = [];
    afterEach(async () => {
      for (const t of open.splice(0)) await t.mock.close().catch(() => {});
    });
    const start = async (backend?: StoreBackend): Promise<{ t: TestMock; store: Instrumented }> => {
      const store = instrumented(backend ?? (await factory.create()));
      const t = await newMock({ store });
      open.push(t);
      await freezeAtNow(t);
      return { t, store };
    };
    const restart = async () => {
      for (const t of open.splice(0)) await t.mock.close();
      const t = await newMock({ store: await factory.reopen!() });
      open.push(t);
      return t;
    };

    it('the reply waits for the commit: while the write is held back no reply leaves; released, the 200 follows', async () => {
      const { t, store } = await start();
      const held = store.hold();
      let answered = false;
      const reply = t
        .call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: 'https://m.example.com/held' } })
        .then((r) => ((answered = true), r));
      await sleep(200);
      expect(answered).toBe(false);
      held.release();
      expect((await reply).status).toBe(200);
    });

    it('a replay of an out_request_no still being written waits for it, then answers the same coupon; a GET waits too', async () => {
      const { t, store } = await start();
      const stockId = await runningStock(t);
      const held = store.hold();
      const first = send(t, stockId, { outRequestNo: 'HELD-1' }).then((r) => r);
      await sleep(50);
      let replayed = false;
      const replay = send(t, stockId, { outRequestNo: 'HELD-1' }).then((r) => ((replayed = true), r));
      await sleep(150);
      expect(replayed).toBe(false);
      held.release();
      const [a, b] = await Promise.all([first, replay]);
      expect(a.status, bodyText(a)).toBe(200);
      expect(b.status, bodyText(b)).toBe(200);
      expect(json(b).coupon_id).toBe(json(a).coupon_id);
    });

    it('a read waits only for the pending writes it touched: an earlier coupon answers at once, the stock being changed waits', async () => {
      const { t, store } = await start();
      const stockId = await runningStock(t);
      const earlier = await sendOk(t, stockId);
      const held = store.hold();
      const sending = send(t, stockId, { openid: USER2 }).then((r) => r); // then: supertest sends on demand
      while (store.held === 0) await sleep(5); // the send is sealed and waits to be written
      // Durable and untouched by the send in flight: answered while that write is held back.
      const coupon = await t.call('GET', couponPath(earlier));
      expect(coupon.status).toBe(200);
      // A HEAD is a read as well (the GET's operation, its body dropped): answered at once too, not
      // queued behind the held write as a write transaction's commit would be.
      const head = await Promise.race([t.call('HEAD', couponPath(earlier)).then((r) => r.status), sleep(1000).then(() => 'still waiting')]);
      expect(head).toBe(200);
      let stockAnswered = false;
      const stock = t.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`).then((r) => ((stockAnswered = true), r));
      await sleep(150);
      expect(stockAnswered).toBe(false); // distributed_coupons is being changed by the held send
      held.release();
      expect(json(await stock).distributed_coupons).toBe(2);
      expect((await sending).status).toBe(200);
    });

    it('a failed commit answers 500 SYSTEM_ERROR 系统错误 without internals, and nothing of it is ever seen', async () => {
      const { t, store } = await start();
      const stockId = await runningStock(t);
      store.failNext();
      const failed = await send(t, stockId, { outRequestNo: 'FULL-1' });
      expect(failed.status).toBe(500);
      expect(json(failed)).toEqual({ code: 'SYSTEM_ERROR', message: '系统错误' });
      // Rolled back: the stock sent nothing, the user holds nothing.
      const stock = await t.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`);
      expect(json(stock).distributed_coupons).toBe(0);
      const list = await t.call('GET', `${FAVOR}/users/${USER}/coupons?appid=wx1a2b3c4d5e6f7001&creator_mchid=${CREATOR}`);
      expect(json(list).total_count ?? 0).toBe(0);
      // The retry is a new, real send, durable like any other.
      const retry = await send(t, stockId, { outRequestNo: 'FULL-1' });
      expect(retry.status, bodyText(retry)).toBe(200);
      const got = await t.call('GET', couponPath(json(retry).coupon_id));
      expect(got.status).toBe(200);
      if (factory.reopen) {
        const again = await restart();
        expect((await again.call('GET', couponPath(json(retry).coupon_id))).status).toBe(200);
        const s = await again.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`);
        expect(json(s).distributed_coupons).toBe(1);
      }
    });

    it('concurrent requests share writes (group commit), and a refused request writes nothing', async () => {
      const { t, store } = await start();
      const before = store.appends;
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          t.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: `https://m.example.com/n${i}` } }),
        ),
      );
      expect(replies.every((r) => r.status === 200)).toBe(true);
      expect(store.appends - before).toBeGreaterThan(0);
      // Memory makes a commit durable at once: only a backend that writes has something to share.
      if (factory.reopen) expect(store.appends - before).toBeLessThan(40);
      const commits = store.commits.length;
      const refused = await t.call('POST', `${FAVOR}/callbacks`, {
        body: { mchid: '1900000002', notify_url: 'https://m.example.com/other' },
      });
      expect(refused.status).toBe(400);
      expect(store.commits.length).toBe(commits);
    });

    it('a send writes what it changed: its commit is as small with 110 more coupons stored as with one', async () => {
      const { t, store } = await start();
      const stockId = await runningStock(t, { stock_use_rule: { max_coupons: 1000, max_amount: 100000, max_coupons_per_user: 60 } });
      const sizeOfNextSend = async () => {
        const n = store.commits.length;
        await sendOk(t, stockId);
        return store.commits.slice(n).reduce((sum, c) => sum + c.line.length, 0);
      };
      const early = await sizeOfNextSend();
      for (const openid of [USER, USER2]) await Promise.all(Array.from({ length: 55 }, () => sendOk(t, stockId, { openid })));
      const late = await sizeOfNextSend();
      expect(late).toBeLessThan(early * 1.3);
    });

    it('ids never repeat, across reset too', async () => {
      const { t } = await start();
      const first = await runningStock(t);
      const coupon = await sendOk(t, first);
      await t.mock.reset();
      await freezeAtNow(t);
      const second = await runningStock(t);
      expect(second).not.toBe(first);
      expect(await sendOk(t, second)).not.toBe(coupon);
    });

    it('snapshot round trip: export → reset → import gives identical replies; a foreign snapshot is refused and changes nothing', async () => {
      const { t } = await start();
      const stockId = await runningStock(t);
      const couponId = await sendOk(t, stockId);
      const view = async () => [
        bodyText(await t.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`)),
        bodyText(await t.call('GET', couponPath(couponId))),
      ];
      const before = await view();
      const snapshot = await t.mock.snapshot();
      await t.mock.reset();
      expect((await t.call('GET', couponPath(couponId))).status).toBe(404);
      await t.mock.restore(JSON.parse(JSON.stringify(snapshot)));
      expect(await view()).toEqual(before);
      await expect(t.mock.restore({ format: 'something-else' })).rejects.toThrow(/not a wxpay-mock snapshot/);
      await expect(t.mock.restore({ ...snapshot, version: 99 })).rejects.toThrow(/version 99/);
      expect(await view()).toEqual(before);
      if (factory.reopen) {
        const again = await restart();
        expect((await again.call('GET', couponPath(couponId))).status).toBe(200);
      }
    });
  });
}
