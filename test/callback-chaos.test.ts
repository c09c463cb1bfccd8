/**
 * Callback chaos (mock.faults.callbacks, /_mock/faults/callbacks) and the notify-handler conformance
 * run (mock.checkCallbackHandler, `wxpay-mock check-handler`), against the test receiver: a handler
 * that verifies as a merchant must, and handlers that do not.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCallbackReceiver, type CallbackReceiver, type ReceiverOptions } from '../mock-server/index.js';
import { couponUsePlaintext } from './helpers/coupon-use.js';
import { CREATOR, newMock, SAME_BRAND, type TestMock } from './helpers/mock.js';

const CLI = fileURLToPath(new URL('../dist/mock-server/cli.js', import.meta.url));
let t: TestMock;
const receivers: CallbackReceiver[] = [];

beforeEach(async () => {
  t = await newMock({ callbackTimeoutMs: 1000 });
  await t.mock.clock.freeze();
});
afterEach(async () => {
  await t.mock.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(mchid = CREATOR, options: Partial<ReceiverOptions> = {}) {
  const r = await createCallbackReceiver({ credentials: t.mock.credentials, mchid, ...options });
  receivers.push(r);
  const set = await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid, notify_url: r.url }, mchid });
  expect(set.status).toBe(200);
  return r;
}

const deliver = async (mchid = CREATOR, couponId?: string) =>
  (await t.mock.deliveries.send(mchid, couponUsePlaintext(mchid, { couponId })))!;

describe('callback chaos', () => {
  it('bad notifications before the real one: each refused by a verifying handler, recorded with its answer; another merchant is untouched', async () => {
    const good = await receiver();
    const other = await receiver(SAME_BRAND);
    t.mock.faults.callbacks.add({ mchid: CREATOR, bad: 'all' });
    const handle = await deliver();
    expect((await handle.settled).state).toBe('delivered');
    const got = await good.waitFor(6);
    expect(got.map((c) => [c.id, c.verified])).toEqual([...Array(5).fill([handle.record.id, false]), [handle.record.id, true]]);
    expect(got.slice(0, 5).map((c) => c.problem)).toEqual([
      'signature does not verify',
      expect.stringMatching(/^unknown Wechatpay-Serial /),
      expect.stringMatching(/^Wechatpay-Timestamp \d+ is more than 300 s away from now$/),
      expect.stringMatching(/^resource does not decrypt/),
      expect.stringMatching(/^resource does not decrypt/),
    ]);
    expect(t.mock.faults.callbacks.log().map((e) => [e.kind, e.expected, e.status, e.ok])).toEqual([
      ['wrong-signature', 'refuse', 401, true],
      ['unknown-serial', 'refuse', 401, true],
      ['stale-timestamp', 'refuse', 401, true],
      ['tampered-ciphertext', 'refuse', 401, true],
      ['wrong-associated-data', 'refuse', 401, true],
    ]);

    const elsewhere = await deliver(SAME_BRAND);
    expect((await elsewhere.settled).state).toBe('delivered');
    expect(other.received).toHaveLength(1);
    expect(t.mock.faults.callbacks.log({ notification_id: elsewhere.record.id })).toEqual([]);
  });

  it('a handler that accepts anything is caught: the chaos log says which bad notification it took', async () => {
    await receiver(CREATOR, { respond: { status: 200 } });
    t.mock.faults.callbacks.add({ bad: ['wrong-signature', 'tampered-ciphertext'], times: 1 });
    await (
      await deliver()
    ).settled;
    expect(t.mock.faults.callbacks.log().map((e) => [e.kind, e.status, e.ok])).toEqual([
      ['wrong-signature', 200, false],
      ['tampered-ciphertext', 200, false],
    ]);
    const report = t.mock.report();
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => v.summary)).toEqual([
      expect.stringMatching(
        /^callback chaos: notify handler .* answered HTTP 200 to wrong-signature of .*: expected a refusal \(non-2xx\)$/,
      ),
      expect.stringMatching(/^callback chaos: notify handler .* answered HTTP 200 to tampered-ciphertext of /),
    ]);
    expect(report.callbacks.chaos).toHaveLength(2);
  });

  it('duplicate: the same notification (same id, same body) N times in all once delivered; each answered 2xx', async () => {
    const good = await receiver();
    t.mock.faults.callbacks.add({ duplicate: 3 });
    const handle = await deliver();
    const got = await good.waitFor(3);
    expect(new Set(got.map((c) => c.id))).toEqual(new Set([handle.record.id]));
    expect(new Set(got.map((c) => c.rawBody)).size).toBe(1);
    expect(got.every((c) => c.verified)).toBe(true);
    await expect.poll(() => t.mock.faults.callbacks.log().length).toBe(2);
    expect(t.mock.faults.callbacks.log().map((e) => [e.kind, e.status, e.ok])).toEqual([
      ['duplicate', 204, true],
      ['duplicate', 204, true],
    ]);
  });

  it('delay: the first attempt waits for the virtual clock', async () => {
    const good = await receiver();
    t.mock.faults.callbacks.add({ delay: '90s' });
    const handle = await deliver();
    await t.mock.deliveries.idle();
    expect(good.received).toHaveLength(0);
    await t.mock.clock.advance(89_000);
    await t.mock.deliveries.idle();
    expect(good.received).toHaveLength(0);
    await t.mock.clock.advance(1_000);
    expect((await handle.settled).state).toBe('delivered');
    expect(t.mock.faults.callbacks.log()[0]).toMatchObject({ kind: 'delayed', notification_id: handle.record.id });
  });

  it('reorder: two deliveries held, then sent newest first; reset forgets rules and log', async () => {
    const good = await receiver();
    await request(t.mock.listener).post('/_mock/faults/callbacks').send({ reorder: 2 }).expect(200);
    const first = await deliver(CREATOR, '91');
    await t.mock.deliveries.idle();
    expect(good.received).toHaveLength(0);
    const second = await deliver(CREATOR, '92');
    const got = await good.waitFor(2);
    expect(got.map((c) => c.plaintext.coupon_id)).toEqual(['92', '91']);
    expect(got.map((c) => c.id)).toEqual([second.record.id, first.record.id]);
    const log = (await request(t.mock.listener).get('/_mock/faults/callbacks/log')).body.events;
    expect(log.map((e: { kind: string; coupon_id: string }) => [e.kind, e.coupon_id])).toEqual([
      ['reordered', '92'],
      ['reordered', '91'],
    ]);

    await t.mock.reset();
    expect((await request(t.mock.listener).get('/_mock/faults/callbacks')).body).toEqual({ rules: [] });
    expect(t.mock.faults.callbacks.log()).toEqual([]);
  });

  it('refuses rules it cannot follow, naming the field', async () => {
    const bad = async (rule: unknown) =>
      (
        await request(t.mock.listener)
          .post('/_mock/faults/callbacks')
          .send(rule as object)
      ).body;
    expect(await bad({ duplicate: 1 })).toEqual({ code: 'PARAM_ERROR', message: 'duplicate must be an integer ≥ 2, got 1' });
    expect((await bad({ bad: ['forged'] })).message).toContain('bad must be "all" or a list of wrong-signature');
    expect((await bad({ mchid: CREATOR })).message).toContain('needs at least one of bad, duplicate, delay, reorder');
    expect((await bad({ mchid: '1999999999', duplicate: 2 })).message).toBe('no merchant 1999999999 in the fixture world');
    // At most 1000 at a time: a client adding rules in a loop is told how to make room.
    for (let i = 0; i < 1000; i++) t.mock.faults.callbacks.add({ mchid: '1900000003', duplicate: 2 });
    expect(await bad({ duplicate: 2 })).toEqual({
      code: 'PARAM_ERROR',
      message:
        'at most 1000 rules at a time: remove some (DELETE /_mock/faults/callbacks/{id}, DELETE /_mock/faults/callbacks) or POST /_mock/reset',
    });
    expect(t.mock.faults.callbacks.list()).toHaveLength(1000);
  });

  it('spent rules make room, oldest first; a rule still holding deliveries to reorder is not spent', async () => {
    const good = await receiver();
    for (let i = 0; i < 998; i++) t.mock.faults.callbacks.add({ mchid: '1900000003', duplicate: 2 });
    t.mock.faults.callbacks.addAll([
      { id: 'holding', reorder: 2, times: 1 },
      { id: 'once', delay: '1s', times: 1 },
    ]);
    await deliver(CREATOR, '91'); // held by `holding`, which has taken its one delivery
    await t.mock.deliveries.idle();
    await deliver(CREATOR, '92'); // delayed by `once`
    expect(t.mock.faults.callbacks.list().slice(-2)).toMatchObject([
      { id: 'holding', fired: 1 },
      { id: 'once', fired: 1 },
    ]);
    const add = (rule: object) => request(t.mock.listener).post('/_mock/faults/callbacks').send(rule);
    expect((await add({ id: 'new', mchid: '1900000003', duplicate: 2 })).status).toBe(200);
    expect(
      t.mock.faults.callbacks
        .list()
        .map((r) => r.id)
        .slice(-2),
    ).toEqual(['holding', 'new']);
    const full = await add({ mchid: '1900000003', duplicate: 2 });
    expect([full.status, full.body.code]).toEqual([400, 'PARAM_ERROR']);
    expect(good.received).toHaveLength(0);
    // Removing it releases what it held.
    expect((await request(t.mock.listener).delete('/_mock/faults/callbacks/holding')).status).toBe(200);
    expect((await good.waitFor(1)).map((c) => c.plaintext.coupon_id)).toEqual(['91']);
  });
});

describe('notify-handler conformance run', () => {
  it('a verifying handler passes every case; the table says what was sent and answered', async () => {
    const good = await receiver();
    const check = await t.mock.checkCallbackHandler({ mchid: CREATOR });
    expect(check.passed).toBe(true);
    expect(check.cases.map((k) => [k.case, k.verdict, k.status])).toEqual([
      ['signtest-probe', 'pass', 401],
      ['wrong-signature', 'pass', 401],
      ['unknown-serial', 'pass', 401],
      ['stale-timestamp', 'pass', 401],
      ['tampered-ciphertext', 'pass', 401],
      ['wrong-associated-data', 'pass', 401],
      ['valid', 'pass', 204],
      ['duplicate', 'pass', 204],
      ['time-limit', 'pass', null],
    ]);
    expect(good.received.map((c) => c.verified)).toEqual([false, false, false, false, false, false, true, true]);
    expect(t.mock.report().ok).toBe(true);
  });

  it('a handler that takes everything fails each refusal case (report violations); one that is slow fails the time limit', async () => {
    const sloppy = await receiver(CREATOR, { respond: { status: 200 } });
    const taken = await t.mock.checkCallbackHandler({ mchid: CREATOR, url: sloppy.url });
    expect(taken.passed).toBe(false);
    expect(taken.cases.filter((k) => k.verdict === 'fail').map((k) => k.case)).toEqual([
      'signtest-probe',
      'wrong-signature',
      'unknown-serial',
      'stale-timestamp',
      'tampered-ciphertext',
      'wrong-associated-data',
    ]);
    const report = t.mock.report();
    expect(report.violations.filter((v) => v.kind === 'callback-handler').map((v) => v.summary)).toContain(
      `handler check #1: notify handler ${sloppy.url} (mchid ${CREATOR}) failed "wrong-associated-data" (signed, but associated_data is not what the ciphertext was sealed with): expected refused: a non-2xx answer; HTTP 200: the handler accepted a notification it must refuse (signed, but associated_data is not what the ciphertext was sealed with)`,
    );

    const slow = await receiver(CREATOR, { respond: (cb) => (cb.verified ? { status: 204, delayMs: 1500 } : {}) });
    const late = await t.mock.checkCallbackHandler({ mchid: CREATOR, url: slow.url });
    expect(late.cases.filter((k) => k.verdict !== 'pass').map((k) => [k.case, k.verdict, k.error])).toEqual([
      ['valid', 'fail', 'no answer within 1000 ms'],
      ['duplicate', 'fail', 'no answer within 1000 ms'],
      ['time-limit', 'fail', '2 request(s) not answered within 1000 ms'],
    ]);
  });

  it('a handler that stops answering: after two timeouts in a row the rest is not sent (inconclusive), the time limit fails', async () => {
    const silent = await receiver(CREATOR, { respond: { delayMs: 5_000 } });
    const started = performance.now();
    const check = await t.mock.checkCallbackHandler({ mchid: CREATOR, url: silent.url });
    expect(performance.now() - started).toBeLessThan(4_000); // two timeouts of 1 s, not nine
    expect(check.cases.map((k) => k.verdict)).toEqual([...Array(8).fill('inconclusive'), 'fail']);
    expect(check.cases[2].error).toBe('no answer (not sent: the handler stopped answering)');
    expect(check.passed).toBe(false);
  });

  it('wxpay-mock check-handler URL: exit 0 and a clean JUnit file for a correct handler; exit 1 and failures for one that takes forgeries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxpay-check-handler-'));
    const good = await receiver();
    // Asynchronously: the receivers answer from this process.
    const run = (url: string, junit: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [CLI, 'check-handler', url, '--mchid', CREATOR, '--junit', join(dir, junit)],
          (e, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
        );
      });
    const passed = await run(good.url, 'good.xml');
    expect(passed.status, passed.stderr).toBe(0);
    expect(passed.stdout).toContain('PASSED: 9 of 9 cases passed');
    expect(readFileSync(join(dir, 'good.xml'), 'utf8')).toContain('tests="9" failures="0" errors="0"');

    const sloppy = await receiver(CREATOR, { respond: { status: 200 } });
    const failed = await run(sloppy.url, 'sloppy.xml');
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/FAIL +wrong-signature +expect refused: a non-2xx answer; HTTP 200/);
    expect(failed.stderr).toContain('wxpay-mock check-handler: FAILED; first: signtest-probe');
    const xml = readFileSync(join(dir, 'sloppy.xml'), 'utf8');
    expect(xml).toContain('tests="9" failures="6" errors="0"');
    expect(xml).toContain('<failure message="HTTP 200: the handler accepted a notification it must refuse');

    expect(spawnSync(process.execPath, [CLI, 'check-handler'], { encoding: 'utf8' }).status).toBe(2);
  }, 30_000);
});
