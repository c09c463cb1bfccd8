/**
 * The state store: the store contract (test/store/contract.ts) for the in-memory and the file
 * backends, and what only the file backend does — the change log beside a lowdb snapshot, recovery,
 * compaction, refusing files that are not ours, media as files.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fileBackend, memoryBackend } from '../mock-server/index.js';
import { freezeAtNow, runningStock, sendOk, USER2, USER } from './helpers/favor.js';
import { CREATOR, json, newMock, type TestMock } from './helpers/mock.js';
import { uploadImage } from './helpers/image-upload.js';
import { tempDataFile } from './helpers/store.js';
import { storeContract } from './store/contract.js';

storeContract('memory', { create: async () => memoryBackend() });

let current = tempDataFile();
storeContract('file (change log + lowdb snapshot)', {
  create: async () => fileBackend((current = tempDataFile())),
  reopen: async () => fileBackend(current),
});

const FAVOR = '/v3/marketing/favor';

describe('file store', () => {
  const open: TestMock[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) await t.mock.close().catch(() => {});
  });
  const start = async (dataFile: string, compactMinBytes?: number) => {
    const t = await newMock({ store: await fileBackend(dataFile, { compactMinBytes }) });
    open.push(t);
    return t;
  };

  it('an acknowledged write is in the log before the reply and survives a restart', async () => {
    const dataFile = tempDataFile();
    const first = await start(dataFile);
    const res = await first.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    expect(res.status).toBe(200);
    expect(readFileSync(`${dataFile}.log`, 'utf8')).toContain('https://m.example.com/n');
    const second = await newMock({ dataFile });
    open.push(second);
    expect(json(await second.call('GET', `${FAVOR}/callbacks?mchid=${CREATOR}`)).notify_url).toBe('https://m.example.com/n');
  });

  it('a torn last record (kill -9 mid-write) is cut off; everything before it is there', async () => {
    const dataFile = tempDataFile();
    const t = await start(dataFile);
    await t.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: 'https://m.example.com/kept' } });
    await t.mock.close();
    open.length = 0;
    appendFileSync(`${dataFile}.log`, '{"seq":99,"changes":[[["merchants","1900000001","favor_callback"],{"notify_url":"https://torn');
    const again = await start(dataFile);
    expect(json(await again.call('GET', `${FAVOR}/callbacks?mchid=${CREATOR}`)).notify_url).toBe('https://m.example.com/kept');
    expect(readFileSync(`${dataFile}.log`, 'utf8')).not.toContain('torn');
  });

  it('a corrupt data file or log stops the start with a message naming it, and is left as it was', async () => {
    const dataFile = tempDataFile();
    writeFileSync(dataFile, '{"version":1, broken');
    await expect(newMock({ dataFile })).rejects.toThrow(dataFile);
    expect(readFileSync(dataFile, 'utf8')).toBe('{"version":1, broken');

    const other = tempDataFile();
    const t = await start(other);
    await t.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    await t.mock.close();
    open.length = 0;
    const log = readFileSync(`${other}.log`, 'utf8');
    writeFileSync(`${other}.log`, `garbage\n${log}`);
    await expect(newMock({ dataFile: other })).rejects.toThrow(`${other}.log is corrupt`);
    expect(readFileSync(`${other}.log`, 'utf8')).toBe(`garbage\n${log}`);
  });

  it('a JSON file that is not ours is refused', async () => {
    const dataFile = tempDataFile();
    writeFileSync(dataFile, '{"hello":"world"}');
    await expect(newMock({ dataFile })).rejects.toThrow(/not a wxpay-mock data file/);
    expect(readFileSync(dataFile, 'utf8')).toBe('{"hello":"world"}');
  });

  it('a data file of version 1 (one whole document) opens as it was', async () => {
    const dataFile = tempDataFile();
    const legacy = {
      version: 1,
      clock: { offsetMs: 0, frozenAtMs: null },
      merchants: {
        [CREATOR]: {
          balance: 100,
          favor_callback: { notify_url: 'https://old.example.com/n', switch: true, update_time: '2026-01-01T00:00:00+08:00' },
        },
      },
    };
    writeFileSync(dataFile, JSON.stringify(legacy));
    const t = await start(dataFile);
    expect(json(await t.call('GET', `${FAVOR}/callbacks?mchid=${CREATOR}`)).notify_url).toBe('https://old.example.com/n');
  });

  it('compaction folds the log into the snapshot; a restart finds every write', async () => {
    const dataFile = tempDataFile();
    const t = await start(dataFile, 4096);
    await freezeAtNow(t);
    const stockId = await runningStock(t, { stock_use_rule: { max_coupons: 500, max_amount: 50000, max_coupons_per_user: 60 } });
    const coupons: string[] = [];
    for (const openid of [USER, USER2])
      coupons.push(...(await Promise.all(Array.from({ length: 50 }, () => sendOk(t, stockId, { openid })))));
    // Let the background snapshot finish, then check it took over from the log.
    for (let i = 0; i < 50 && existsSync(`${dataFile}.log.old`); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(`${dataFile}.log.old`)).toBe(false);
    expect(statSync(dataFile).size).toBeGreaterThan(4096);
    await t.mock.close();
    open.length = 0;
    const again = await start(dataFile);
    const stock = json(await again.call('GET', `${FAVOR}/stocks/${stockId}?stock_creator_mchid=${CREATOR}`));
    expect(stock.distributed_coupons).toBe(100);
    // The snapshot is written as ASCII (\uXXXX escapes: a one-byte string when read back); the text survives.
    expect(/^[ -~]*$/.test(readFileSync(dataFile, 'utf8'))).toBe(true);
    expect(stock.stock_name).toBe('测试代金券');
    const last = await again.call('GET', `${FAVOR}/users/${USER2}/coupons/${coupons[99]}?appid=wx1a2b3c4d5e6f7001`);
    expect(last.status).toBe(200);
  });

  it('uploaded images are files beside the data (content-addressed), not base64 in it', async () => {
    const dataFile = tempDataFile();
    const t = await start(dataFile);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64 * 1024, 7)]);
    const res = await uploadImage(t, png, 'big.png');
    expect(res.status, res.text).toBe(200);
    const files = readdirSync(`${dataFile}.media`);
    expect(files).toHaveLength(1);
    expect(readFileSync(`${dataFile}.media/${files[0]}`).equals(png)).toBe(true);
    expect(readFileSync(`${dataFile}.log`).length).toBeLessThan(8 * 1024);
    const url = new URL(res.body.media_url);
    const again = await newMock({ dataFile });
    open.push(again);
    const got = await again.mock.request(url.pathname);
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
  });
});

describe('in-memory store', () => {
  it('uploaded images are capped: past the cap an upload answers 500 SYSTEM_ERROR 系统错误 saying why in detail.issue; nothing is stored', async () => {
    const t = await newMock({ store: memoryBackend({ blobLimit: 100 * 1024 }) });
    const image = (fill: number) =>
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(60 * 1024, fill)]);
    expect((await uploadImage(t, image(1), 'a.png')).status).toBe(200);
    const refused = await uploadImage(t, image(2), 'b.png');
    expect(refused.status).toBe(500);
    expect(refused.body).toMatchObject({
      code: 'SYSTEM_ERROR',
      message: '系统错误',
      detail: { issue: expect.stringContaining('in-memory image storage is full') },
    });
    expect(Object.keys((await t.mock.snapshot()).state.media!.images)).toHaveLength(1);
    await t.mock.close();
  });
});

describe('a saved clock out of range', () => {
  it('a data file whose clock cannot be represented (written before the range checks) starts on real time, and requests answer', async () => {
    const dataFile = tempDataFile();
    writeFileSync(
      dataFile,
      JSON.stringify({ version: 1, clock: { offsetMs: 1e20, frozenAtMs: null }, merchants: { [CREATOR]: { balance: 100 } } }),
    );
    const t = await newMock({ dataFile });
    expect(Math.abs(t.mock.clock.nowMs() - Date.now())).toBeLessThan(60_000);
    const res = await t.call('POST', `${FAVOR}/callbacks`, { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    expect(res.status).toBe(200);
    await t.mock.close();
  });
});
