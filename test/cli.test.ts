/**
 * The shipped CLI, as a user runs it: `node dist/mock-server/cli.js` (npm test builds first).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSigner } from '../mock-server/index.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'cli.js');
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000 });
}

/** Starts the CLI and resolves with its stdout once the env block is printed. */
function start(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; stdout: string; env: Record<string, string> }> {
  const child = spawn(process.execPath, [CLI, ...args]);
  children.push(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('WXPAY_PUBLIC_KEY_PATH')) {
        const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
        resolve({ child, stdout, env });
      }
    });
    child.once('exit', (code) => reject(new Error(`CLI exited ${code}: ${stderr}`)));
  });
}

const exited = (child: ChildProcessWithoutNullStreams) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

describe('wxpay-mock CLI', () => {
  it('prints the base URL and an env block a CI script can eval, and serves signed replies', async () => {
    const { stdout, env } = await start(['--port', '0', '--in-memory']);
    expect(stdout.split('\n')[0]).toMatch(/^# wxpay-mock \S+ listening on http:\/\/127\.0\.0\.1:\d+ \(data: in memory\)$/);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['WXPAY_MOCK_URL', 'WXPAY_MCHID', 'WXPAY_MERCHANT_SERIAL_NO', 'WXPAY_MERCHANT_PRIVATE_KEY_PATH', 'WXPAY_MERCHANT_CERTIFICATE_PATH', 'WXPAY_APIV3_KEY', 'WXPAY_PLATFORM_SERIAL_NO', 'WXPAY_PUBLIC_KEY_ID']));
    const signer = createSigner({ mchid: env.WXPAY_MCHID, serialNo: env.WXPAY_MERCHANT_SERIAL_NO, privateKey: readFileSync(env.WXPAY_MERCHANT_PRIVATE_KEY_PATH, 'utf8') });
    const res = await fetch(`${env.WXPAY_MOCK_URL}/v3/certificates`, { headers: signer.headers('GET', '/v3/certificates') });
    expect(res.status).toBe(200);
    expect(res.headers.get('wechatpay-serial')).toBe(env.WXPAY_PLATFORM_SERIAL_NO);
  });

  it('the env block really evaluates in a shell', async () => {
    const out = spawnSync('bash', ['-c', `eval "$(node ${CLI} credentials)" && echo "$WXPAY_MCHID $WXPAY_PUBLIC_KEY_ID"`], { encoding: 'utf8' });
    expect(out.stdout.trim()).toMatch(/^1900000001 PUB_KEY_ID_\d{34}$/);
  });

  it('credentials --json prints the same facts as JSON', () => {
    const out = run(['credentials', '--json']);
    expect(out.status).toBe(0);
    const creds = JSON.parse(out.stdout);
    expect(creds.merchants[0].mchid).toBe('1900000001');
    expect(creds.public_key_id).toMatch(/^PUB_KEY_ID_/);
  });

  it('SIGTERM flushes the store and exits 0; the data survives the next start', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-cli-')), 'data.json');
    const { child, env } = await start(['--port', '0', '--data', dataFile]);
    const signer = createSigner({ mchid: env.WXPAY_MCHID, serialNo: env.WXPAY_MERCHANT_SERIAL_NO, privateKey: readFileSync(env.WXPAY_MERCHANT_PRIVATE_KEY_PATH, 'utf8') });
    const body = JSON.stringify({ mchid: env.WXPAY_MCHID, notify_url: 'https://m.example.com/n' });
    const set = await fetch(`${env.WXPAY_MOCK_URL}/v3/marketing/favor/callbacks`, { method: 'POST', headers: signer.headers('POST', '/v3/marketing/favor/callbacks', body), body });
    expect(set.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    const again = await start(['--port', '0', '--data', dataFile]);
    const target = `/v3/marketing/favor/callbacks?mchid=${env.WXPAY_MCHID}`;
    const got = await fetch(`${again.env.WXPAY_MOCK_URL}${target}`, { headers: signer.headers('GET', target) });
    expect(await got.json()).toEqual({ notify_url: 'https://m.example.com/n', mchid: env.WXPAY_MCHID });
    again.child.kill('SIGINT');
    expect(await exited(again.child)).toBe(0);
  });

  it('bad flags -> a clear message and exit 2', () => {
    for (const args of [['--bogus'], ['--port', 'abc'], ['--port', '70000'], ['--data', 'x.json', '--in-memory'], ['frobnicate'], ['--seed', '-1']]) {
      const out = run(args);
      expect(out.status, args.join(' ')).toBe(2);
      expect(out.stderr).toMatch(/^wxpay-mock: .+\nRun "wxpay-mock --help" for usage\.\n$/s);
    }
  });

  it('a corrupt data file -> an error naming the file and a non-zero exit; the file is kept', () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-cli-')), 'data.json');
    writeFileSync(dataFile, 'not json');
    const out = run(['--port', '0', '--data', dataFile]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(dataFile);
    expect(readFileSync(dataFile, 'utf8')).toBe('not json');
  });

  it('--help and --version', () => {
    expect(run(['--help']).stdout).toContain('Usage:');
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
