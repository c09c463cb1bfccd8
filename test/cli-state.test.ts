/**
 * The CLI's state commands against a running mock (the built CLI, as a user runs it): export and
 * import of snapshots, --import / --scenario / --export-on-exit at start, `trigger coupon-use`, and
 * use-coupon's exit status when the delivery fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listeningUrl } from './helpers/cli.js';
import { startMock, type RunningMock } from '../mock-server/index.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'mock-server', 'cli.js');
const SCENARIO = join(ROOT, 'fixtures', 'scenarios', 'coupon-campaign.json');
const dir = () => mkdtempSync(join(tmpdir(), 'wxpay-mock-cli-state-'));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function mock(): Promise<RunningMock> {
  const running = await startMock({ port: 0 });
  cleanups.push(() => running.close());
  return running;
}

const stocksOf = async (running: RunningMock) =>
  Object.keys((await running.mock.snapshot()).state.merchants['1900000001'].favor?.stocks ?? {}).length;

describe('wxpay-mock export / import', () => {
  it('export → reset → import restores the state; a foreign file is refused and changes nothing', async () => {
    const running = await mock();
    await running.mock.apply(readFileSync(SCENARIO, 'utf8'));
    const file = join(dir(), 'state.json');
    const exported = await run(['export', file, '--url', running.url]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'wxpay-mock-snapshot', version: 1 });
    await running.reset();
    expect(await stocksOf(running)).toBe(0);
    const imported = await run(['import', file], { WXPAY_MOCK_URL: running.url });
    expect(imported.code, imported.stderr).toBe(0);
    expect(await stocksOf(running)).toBe(1);

    const foreign = join(dir(), 'foreign.json');
    writeFileSync(foreign, '{"hello":"world"}');
    const refused = await run(['import', foreign, '--url', running.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /refused, the state is unchanged \(HTTP 400 PARAM_ERROR snapshot refused, nothing changed: not a wxpay-mock snapshot/,
    );
    expect(await stocksOf(running)).toBe(1);
  });

  it('start --scenario FILE --export-on-exit OUT, then start --import OUT: the same world comes back', async () => {
    const out = join(dir(), 'exit.json');
    const first = spawn(
      process.execPath,
      [CLI, '--port', '0', '--in-memory', '--log', 'silent', '--scenario', SCENARIO, '--export-on-exit', out],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const url = await listeningUrl(first);
    const before = await (await fetch(`${url}/_mock/snapshot`)).json();
    first.kill('SIGTERM');
    await new Promise((r) => first.once('exit', r));
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written.state).toEqual(before.state);

    const second = spawn(process.execPath, [CLI, '--port', '0', '--in-memory', '--log', 'silent', '--import', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => {
      second.kill('SIGKILL');
    });
    const again = await (await fetch(`${await listeningUrl(second)}/_mock/snapshot`)).json();
    expect(again.state).toEqual(before.state);
    expect(again.media).toEqual(before.media);

    const bad = join(dir(), 'bad.json');
    writeFileSync(bad, '{"format":"wxpay-mock-snapshot","version":7}');
    const refused = await run(['--port', '0', '--in-memory', '--import', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`--import ${bad}: snapshot version 7 is not supported`);
  });
});

describe('wxpay-mock trigger coupon-use', () => {
  it('with no setup but a notify URL: creates a stock, sends, uses, prints the delivered COUPON.USE; reuses the stock next time', async () => {
    const running = await mock();
    const receiver = await running.createCallbackReceiver({ mchid: '1900000001' });
    const first = await run(['trigger', 'coupon-use', '--url', running.url, '--notify-url', receiver.url]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/COUPON\.USE \S+ → http:\/\/127\.0\.0\.1:\d+\S*: delivered/);
    expect(receiver.received).toHaveLength(1);
    const again = await run(['trigger', 'coupon-use', '--url', running.url, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).stock_id).toBe(/of stock (\d+)/.exec(first.stdout)![1]);
    expect(receiver.received).toHaveLength(2);
  });

  it('exits 1 when the delivery fails (trigger and use-coupon) or has nowhere to go', async () => {
    const running = await mock();
    const nowhere = await run(['trigger', 'coupon-use', '--url', running.url]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('has no notify URL');
    const receiver = await running.createCallbackReceiver({ mchid: '1900000001' });
    receiver.respond({ status: 500 });
    const failed = await run(['trigger', 'coupon-use', '--url', running.url, '--notify-url', receiver.url, '--json']);
    expect(failed.code).toBe(1);
    const { stock_id } = JSON.parse(failed.stdout);
    const coupon = await running.mock.apply({
      scenario: 'wxpay-mock-scenario',
      version: 1,
      steps: [
        {
          op: 'favor.sendCoupon',
          params: { openid: 'od3htb2NrLTEtdXNlci0xX19fX19' },
          body: { stock_id, out_request_no: 'use${unique}', appid: 'wx1a2b3c4d5e6f7001', stock_creator_mchid: '1900000001' },
          save: 'c',
        },
      ],
    });
    const used = await run(['use-coupon', (coupon.saved.c as { coupon_id: string }).coupon_id, '--url', running.url]);
    expect(used.code).toBe(1);
    expect(used.stdout).toMatch(/attempt 1\/9 .*HTTP 500/);
  });
});
