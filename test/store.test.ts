import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CREATOR, json, newMock } from './helpers/mock.js';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'wxpay-mock-store-')), 'data.json');

describe('store', () => {
  it('an acknowledged write is on disk before the reply and survives a restart', async () => {
    const dataFile = tempFile();
    const first = await newMock({ dataFile });
    const res = await first.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' },
    });
    expect(res.status).toBe(200);
    // Read the file right after the reply, without closing: the write already happened.
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).merchants[CREATOR].favor_callback.notify_url).toBe('https://m.example.com/n');
    const second = await newMock({ dataFile });
    const got = await second.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`);
    expect(json(got).notify_url).toBe('https://m.example.com/n');
  });

  it('the reply waits for the commit: while the write is held back no reply leaves; released, the 200 follows', async () => {
    const dataFile = tempFile();
    const t = await newMock({ dataFile });
    const store = t.mock.store;
    const commit = store.commit.bind(store);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    (store as { commit: () => Promise<void> }).commit = async () => {
      await held;
      return commit();
    };
    let answered = false;
    const reply = t
      .call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'https://m.example.com/held' } })
      .then((r) => ((answered = true), r));
    // Long enough for an unawaited commit to let the reply through (it takes a few ms here).
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    release();
    expect((await reply).status).toBe(200);
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).merchants[CREATOR].favor_callback.notify_url).toBe('https://m.example.com/held');
  });

  it('concurrent mutations share whole-file writes (group commit)', async () => {
    const t = await newMock({ dataFile: tempFile() });
    const before = t.mock.store.writes;
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: `https://m.example.com/n${i}` } }),
      ),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(t.mock.store.writes - before).toBeLessThan(40);
    expect(t.mock.store.writes - before).toBeGreaterThan(0);
  });

  it('a rejected request writes nothing', async () => {
    const t = await newMock({ dataFile: tempFile() });
    const before = t.mock.store.writes;
    const res = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'https://m.example.com/n?a=1' },
    });
    expect(res.status).toBe(400);
    expect(t.mock.store.writes).toBe(before);
    expect(t.mock.store.data.merchants[CREATOR].favor_callback).toBeUndefined();
  });

  it('a corrupt data file is an error naming the file, and the file is left as it was', async () => {
    const dataFile = tempFile();
    writeFileSync(dataFile, '{"version":1, broken');
    await expect(newMock({ dataFile })).rejects.toThrow(dataFile);
    expect(readFileSync(dataFile, 'utf8')).toBe('{"version":1, broken');
  });

  it('a JSON file that is not ours is refused too', async () => {
    const dataFile = tempFile();
    writeFileSync(dataFile, '{"hello":"world"}');
    await expect(newMock({ dataFile })).rejects.toThrow(/not a wxpay-mock data file/);
  });

  it('reset goes back to the fixtures and is durable', async () => {
    const dataFile = tempFile();
    const t = await newMock({ dataFile });
    await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    await t.mock.reset();
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).merchants[CREATOR].favor_callback).toBeUndefined();
    expect(t.mock.journal()).toEqual([]);
  });
});
