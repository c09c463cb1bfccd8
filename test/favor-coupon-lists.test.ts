/**
 * The coupon lists read the 代金券 repository's indexes (operations/favor/repository.ts): a stock's
 * coupons (GET /_mock/state/coupons?stock_id=) and a user's (GET …/favor/users/{openid}/coupons) answer
 * the same after sends across several stocks, users and creators, after a restart of a file-store
 * mock, from a data file written before the indexes (which the first send then builds, durably), and
 * on two replicas of one PostgreSQL database (the indexes replicate with the coupons).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresBackend, readDataFile } from '../mock-server/index.js';
import { APP, APP2, BRANCH_APP, BRANCH_USER, FAVOR, NOW_MS, runningStock, SAME_PERSON, sendOk, USER, USER2 } from './helpers/favor.js';
import { CREATOR, json, newMock, SAME_BRAND, type TestMock } from './helpers/mock.js';
import { closeAdmin, freshDatabase } from './helpers/postgres.js';

interface Sent {
  id: string;
  stock: string;
  creator: string;
  openid: string;
  appid: string;
}

const open: TestMock[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.mock.close();
});

async function fileMock(dataFile: string): Promise<TestMock> {
  const t = await newMock({ dataFile });
  open.push(t);
  await t.mock.clock.freeze(NOW_MS);
  return t;
}

async function close(t: TestMock) {
  open.splice(open.indexOf(t), 1);
  await t.mock.close();
}

const newestFirst = (sent: Sent[]) => sent.map((s) => s.id).sort((a, b) => Number(b) - Number(a));

async function sendAs(t: TestMock, stock: string, creator: string, openid: string, appid: string): Promise<Sent> {
  const id = await sendOk(t, stock, { openid, appid, mchid: creator, creator });
  return { id, stock, creator, openid, appid };
}

/** Every stock's list and every user's list (per creator, and per stock) answer exactly what was sent. */
async function expectLists(t: TestMock, sent: Sent[]) {
  for (const stock of new Set(sent.map((s) => s.stock))) {
    const mine = sent.filter((s) => s.stock === stock);
    const all = (await request(t.mock.listener).get(`/_mock/state/coupons?stock_id=${stock}&limit=1000`).expect(200)).body;
    expect([stock, all.total, all.coupons.map((c: { coupon_id: string }) => c.coupon_id)]).toEqual([stock, mine.length, newestFirst(mine)]);
    expect(all.coupons.every((c: { stock_id: string }) => c.stock_id === stock)).toBe(true);
    const page = (await request(t.mock.listener).get(`/_mock/state/coupons?stock_id=${stock}&limit=1`).expect(200)).body;
    expect([page.total, page.coupons.map((c: { coupon_id: string }) => c.coupon_id)]).toEqual([mine.length, newestFirst(mine).slice(0, 1)]);
  }
  const users = new Map(sent.map((s) => [`${s.openid}|${s.appid}|${s.creator}`, s]));
  for (const { openid, appid, creator } of users.values()) {
    const mine = sent.filter((s) => s.openid === openid && s.appid === appid && s.creator === creator);
    const path = `${FAVOR}/users/${openid}/coupons?appid=${appid}&creator_mchid=${creator}&offset=0&limit=20`;
    const res = json(await t.call('GET', path, { mchid: creator }));
    expect([openid, res.total_count, res.data.map((c: { coupon_id: string }) => c.coupon_id)]).toEqual([
      openid,
      mine.length,
      newestFirst(mine),
    ]);
    for (const stock of new Set(mine.map((s) => s.stock))) {
      const byStock = json(await t.call('GET', `${path}&stock_id=${stock}`, { mchid: creator }));
      expect(byStock.data.map((c: { coupon_id: string }) => c.coupon_id)).toEqual(newestFirst(mine.filter((s) => s.stock === stock)));
    }
  }
}

/** Three stocks of two creators; coupons to four users under three appids. */
async function sendAcross(t: TestMock): Promise<{ sent: Sent[]; stocks: string[] }> {
  const s1 = await runningStock(t);
  const s2 = await runningStock(t);
  const s3 = await runningStock(t, {}, SAME_BRAND);
  const sent: Sent[] = [];
  for (const [stock, creator, openid, appid] of [
    [s1, CREATOR, USER, APP],
    [s2, CREATOR, USER, APP],
    [s1, CREATOR, USER2, APP],
    [s1, CREATOR, USER, APP],
    [s2, CREATOR, SAME_PERSON, APP2],
    [s3, SAME_BRAND, BRANCH_USER, BRANCH_APP],
    [s2, CREATOR, USER2, APP],
    [s3, SAME_BRAND, BRANCH_USER, BRANCH_APP],
  ])
    sent.push(await sendAs(t, stock, creator, openid, appid));
  return { sent, stocks: [s1, s2, s3] };
}

/** The document as data files kept it before the indexes: `coupons_by_openid` only. */
function olderShape(state: any): any {
  const old = structuredClone(state);
  for (const merchant of Object.values<any>(old.merchants)) {
    const favor = merchant.favor;
    if (!favor) continue;
    delete favor.coupons_by_user;
    delete favor.coupons_by_stock;
    favor.coupons_by_openid = {};
    for (const c of Object.values<any>(favor.coupons).sort((a, b) => Number(a.coupon_id) - Number(b.coupon_id)))
      (favor.coupons_by_openid[c.openid] ??= []).push(c.coupon_id);
  }
  return old;
}

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'wxpay-mock-lists-')), 'data.json');

describe('coupon lists by stock and by user', () => {
  it('answer every send across stocks, users and creators, and again after a restart of the file-store mock', async () => {
    const dataFile = tempFile();
    const first = await fileMock(dataFile);
    const { sent, stocks } = await sendAcross(first);
    await expectLists(first, sent);
    await close(first);

    const second = await fileMock(dataFile);
    await expectLists(second, sent);
    // Sending after the restart extends the same lists.
    sent.push(await sendAs(second, stocks[0], CREATOR, USER2, APP));
    await expectLists(second, sent);
  });

  it('a data file written before the indexes opens with the same lists; the first send builds the indexes in its own commit', async () => {
    const source = await fileMock(tempFile());
    const { sent, stocks } = await sendAcross(source);
    const state = (await source.mock.snapshot()).state;
    await close(source);

    const dataFile = tempFile();
    writeFileSync(dataFile, JSON.stringify({ wxpay_mock_data: 2, seq: 0, document: olderShape(state) }));
    const old = await fileMock(dataFile);
    await expectLists(old, sent);

    sent.push(await sendAs(old, stocks[1], CREATOR, USER, APP));
    await expectLists(old, sent);
    // Durable with the send that needed them: what a restart reads has the indexes (and not the old one).
    const onDisk = (await readDataFile(dataFile)) as any;
    const favor = onDisk.merchants[CREATOR].favor;
    expect(favor.coupons_by_openid).toBeUndefined();
    expect(favor.coupons_by_stock[stocks[1]]).toEqual(newestFirst(sent.filter((s) => s.stock === stocks[1])).reverse());
    // The other creator's slice was not written: it is still read without its indexes.
    expect(onDisk.merchants[SAME_BRAND].favor.coupons_by_stock).toBeUndefined();
    await close(old);

    const reopened = await fileMock(dataFile);
    await expectLists(reopened, sent);
  });

  it('a snapshot exported before the indexes imports with the same lists', async () => {
    const t = await fileMock(tempFile());
    const { sent, stocks } = await sendAcross(t);
    const snapshot = await t.mock.snapshot();
    await t.mock.reset();
    await t.mock.restore({ ...snapshot, state: olderShape(snapshot.state) });
    await t.mock.clock.freeze(NOW_MS);
    await expectLists(t, sent);
    sent.push(await sendAs(t, stocks[2], SAME_BRAND, BRANCH_USER, BRANCH_APP));
    await expectLists(t, sent);
  });
});

describe('coupon lists on replicas of one PostgreSQL database', () => {
  afterAll(closeAdmin);

  it("a send on one replica is in the other's lists; an older-shape import on one is indexed by a send on the other", async () => {
    const url = await freshDatabase();
    const [a, b] = [await newMock({ store: await postgresBackend(url) }), await newMock({ store: await postgresBackend(url) })];
    open.push(a, b);
    await a.mock.clock.freeze(NOW_MS);
    const { sent, stocks } = await sendAcross(a);
    sent.push(await sendAs(b, stocks[0], CREATOR, USER2, APP));
    await expectLists(a, sent);
    await expectLists(b, sent);

    const snapshot = await a.mock.snapshot();
    await a.mock.restore({ ...snapshot, state: olderShape(snapshot.state) });
    await expectLists(b, sent);
    sent.push(await sendAs(b, stocks[1], CREATOR, USER, APP));
    await expectLists(a, sent);
    expect((await a.mock.snapshot()).state.merchants[CREATOR].favor!.coupons_by_stock![stocks[1]]).toHaveLength(
      sent.filter((s) => s.stock === stocks[1]).length,
    );
  });
});
