/**
 * The shipped CLI, as a user runs it: the package's bin, `node dist/mock-server/wxpay-mock.cjs`, which
 * sizes libuv's thread pool and runs dist/mock-server/cli.js (npm test builds first).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_LIST } from '../mock-server/cli/commands.js';
import { parseCommandLine, UsageError } from '../mock-server/cli/spec.js';
import { createSigner, type Credentials } from '../mock-server/index.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'wxpay-mock.cjs');
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000 });
}

type Started = { child: ChildProcessWithoutNullStreams; stdout: string; env: Record<string, string> };

/** Starts the CLI and resolves with its stdout once the env block is printed (killed after the test, or by whoever owns `owner`). */
function start(args: string[], owner = children, env: NodeJS.ProcessEnv = process.env): Promise<Started> {
  const child = spawn(process.execPath, [CLI, ...args], { env });
  owner.push(child);
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

/** Two CLIs shared by the tests below (one spawn each): the defaults, and every flag under test at once. */
const shared: ChildProcessWithoutNullStreams[] = [];
let plain: Started;
let flagged: Started;
/**
 * Holds 127.0.0.1 on the port the --host 127.0.0.2 CLI is given: that CLI can only start if it binds
 * 127.0.0.2 alone (0.0.0.0 or 127.0.0.1 would be refused with EADDRINUSE), and a connection to
 * 127.0.0.1 on that port reaches this holder, never the mock (the files run in parallel: a port left
 * free there could be taken by another file's server).
 */
let holder: Server;
let heldPort: number;
const FLAGGED = () => [
  '--port',
  String(heldPort),
  '--in-memory',
  '--host',
  '127.0.0.2',
  '--seed',
  '42',
  '--relax-headers',
  '--journal-size',
  '3',
  '--rate-limits',
];
beforeAll(async () => {
  holder = createServer((socket) => socket.end('holder\n'));
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  heldPort = (holder.address() as { port: number }).port;
  [plain, flagged] = await Promise.all([start(['--port', '0', '--in-memory'], shared), start(FLAGGED(), shared)]);
}, 20_000);
afterAll(() => {
  for (const c of shared) if (c.exitCode === null) c.kill('SIGKILL');
  holder.close();
});

const signerOf = (env: Record<string, string>) =>
  createSigner({
    mchid: env.WXPAY_MCHID,
    serialNo: env.WXPAY_MERCHANT_SERIAL_NO,
    privateKey: readFileSync(env.WXPAY_MERCHANT_PRIVATE_KEY_PATH, 'utf8'),
  });

/** node:http sends no Accept and no User-Agent unless told (fetch adds both). */
function bareGet(
  base: string,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + target, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `credentials --json …`, run once per argument list for the file. */
const credentialsRuns = new Map<string, Credentials>();
function credentialsJson(args: string[]): Credentials {
  const key = args.join(' ');
  if (!credentialsRuns.has(key)) {
    const out = run(['credentials', '--json', ...args]);
    expect(out.status, out.stderr).toBe(0);
    credentialsRuns.set(key, JSON.parse(out.stdout));
  }
  return credentialsRuns.get(key)!;
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

describe('wxpay-mock CLI', () => {
  it('prints the base URL and an env block a CI script can eval, and serves signed replies', async () => {
    const { stdout, env } = plain;
    expect(stdout.split('\n')[0]).toMatch(/^# wxpay-mock \S+ listening on http:\/\/127\.0\.0\.1:\d+ \(data: in memory\)$/);
    // The second line names the dashboard, and it is there.
    expect(stdout.split('\n')[1]).toBe(`# dashboard: ${env.WXPAY_MOCK_URL}/_mock/ui`);
    const page = await fetch(`${env.WXPAY_MOCK_URL}/_mock/ui`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, expect.stringContaining('text/html')]);
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'WXPAY_MOCK_URL',
        'WXPAY_MCHID',
        'WXPAY_MERCHANT_SERIAL_NO',
        'WXPAY_MERCHANT_PRIVATE_KEY_PATH',
        'WXPAY_MERCHANT_CERTIFICATE_PATH',
        'WXPAY_APIV3_KEY',
        'WXPAY_PLATFORM_SERIAL_NO',
        'WXPAY_PUBLIC_KEY_ID',
      ]),
    );
    const signer = createSigner({
      mchid: env.WXPAY_MCHID,
      serialNo: env.WXPAY_MERCHANT_SERIAL_NO,
      privateKey: readFileSync(env.WXPAY_MERCHANT_PRIVATE_KEY_PATH, 'utf8'),
    });
    const res = await fetch(`${env.WXPAY_MOCK_URL}/v3/certificates`, { headers: signer.headers('GET', '/v3/certificates') });
    expect(res.status).toBe(200);
    expect(res.headers.get('wechatpay-serial')).toBe(env.WXPAY_PLATFORM_SERIAL_NO);
  });

  it('the env block really evaluates in a shell', async () => {
    const out = spawnSync('bash', ['-c', `eval "$(node ${CLI} credentials)" && echo "$WXPAY_MCHID $WXPAY_PUBLIC_KEY_ID"`], {
      encoding: 'utf8',
    });
    expect(out.stdout.trim()).toMatch(/^1900000001 PUB_KEY_ID_\d{34}$/);
  });

  it('credentials --json prints the same facts as JSON', () => {
    const creds = credentialsJson([]);
    expect(creds.merchants[0].mchid).toBe('1900000001');
    expect(creds.public_key_id).toMatch(/^PUB_KEY_ID_/);
  });

  it('SIGTERM flushes the store and exits 0; the data survives the next start', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-cli-')), 'data.json');
    const { child, env } = await start(['--port', '0', '--data', dataFile]);
    const signer = createSigner({
      mchid: env.WXPAY_MCHID,
      serialNo: env.WXPAY_MERCHANT_SERIAL_NO,
      privateKey: readFileSync(env.WXPAY_MERCHANT_PRIVATE_KEY_PATH, 'utf8'),
    });
    const body = JSON.stringify({ mchid: env.WXPAY_MCHID, notify_url: 'https://m.example.com/n' });
    const set = await fetch(`${env.WXPAY_MOCK_URL}/v3/marketing/favor/callbacks`, {
      method: 'POST',
      headers: signer.headers('POST', '/v3/marketing/favor/callbacks', body),
      body,
    });
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

  it('SIGTERM as soon as the env block is read (a script that only wanted the env) still exits 0', async () => {
    const { child } = await start(['--port', '0', '--in-memory', '--log', 'silent']);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('bad flags -> a clear message and exit 2', () => {
    // The built CLI once for each kind of refusal: an unknown flag, a bad value, flags that exclude each other, an unknown command.
    for (const args of [['--bogus'], ['--port', 'abc'], ['--data', 'x.json', '--in-memory'], ['frobnicate']]) {
      const out = run(args);
      expect(out.status, args.join(' ')).toBe(2);
      expect(out.stderr).toMatch(/^wxpay-mock: .+\nRun "wxpay-mock --help" for usage\.\n$/s);
    }
    // More bad values: refused by the parser the CLI uses (each flag's range from its table) as usage errors
    // pointing at the overview, which the CLI prints as above.
    for (const args of [
      ['--port', '70000'],
      ['--seed', '-1'],
      ['--journal-size', '0'],
    ]) {
      let refused: unknown;
      try {
        parseCommandLine(args, COMMAND_LIST);
      } catch (err) {
        refused = err;
      }
      expect(refused, args.join(' ')).toBeInstanceOf(UsageError);
      expect((refused as UsageError).message, args.join(' ')).toContain(args[0]);
      expect((refused as UsageError).command, args.join(' ')).toBeUndefined();
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

  it('--version (--help: cli-commands.test.ts)', () => {
    const out = run(['--version']);
    expect([out.status, out.stdout]).toEqual([0, expect.stringMatching(/^\d+\.\d+\.\d+\n$/)]);
  });

  it.runIf(process.platform === 'linux')(
    "the bin gives libuv's pool a thread per core (at least 2) unless UV_THREADPOOL_SIZE says otherwise",
    async () => {
      const { UV_THREADPOOL_SIZE: _, ...unset } = process.env;
      const [sized, seven] = await Promise.all([
        start(['--port', '0', '--in-memory'], children, unset),
        start(['--port', '0', '--in-memory'], children, { ...unset, UV_THREADPOOL_SIZE: '7' }),
      ]);
      const threads = async ({ child, env }: Started) => {
        expect((await fetch(`${env.WXPAY_MOCK_URL}/_mock/health`)).status).toBe(200);
        return readdirSync(`/proc/${child.pid}/task`).length;
      };
      // The same program, flags and machine: the two differ by their pools' threads alone (libuv starts them all at once).
      expect((await threads(seven)) - (await threads(sized))).toBe(7 - Math.max(2, availableParallelism()));
    },
  );

  it('--host 127.0.0.2 binds that address only; the first line and WXPAY_MOCK_URL name it', async () => {
    const { stdout, env } = flagged;
    const m = /^# wxpay-mock \S+ listening on http:\/\/127\.0\.0\.2:(\d+) \(data: in memory\)$/.exec(stdout.split('\n')[0]);
    expect(m, stdout.split('\n')[0]).not.toBeNull();
    const port = Number(m![1]);
    expect(env.WXPAY_MOCK_URL).toBe(`http://127.0.0.2:${port}`);
    const res = await fetch(`${env.WXPAY_MOCK_URL}/v3/certificates`, { headers: signerOf(env).headers('GET', '/v3/certificates') });
    expect(res.status).toBe(200);
    expect(port).toBe(heldPort);
    // Not on 127.0.0.1 (the default): the same port there is this test's holder, not the mock.
    const answer = await new Promise<string>((resolve, reject) => {
      let data = '';
      const socket = connect(port, '127.0.0.1');
      socket.on('data', (d) => (data += d));
      socket.once('end', () => resolve(data));
      socket.once('error', reject);
    });
    expect(answer).toBe('holder\n');
  });

  it('--seed N adds users and goods: listed by credentials --json and GET /_mock/credentials, the same for the same N, others for another N', async () => {
    const [base, a, c] = [credentialsJson([]), credentialsJson(['--seed', '42']), credentialsJson(['--seed', '7'])];
    // 20 users for each fixture appid, 50 goods (world.ts addSeededData).
    expect([a.users.length - base.users.length, a.goods.length - base.goods.length]).toEqual([20 * base.appids.length, 50]);
    expect(a.users.slice(0, base.users.length)).toEqual(base.users);
    expect(a.goods.slice(0, base.goods.length)).toEqual(base.goods);
    const seededOpenids = (x: Credentials) => x.users.slice(base.users.length).map((u) => u.openid);
    expect(seededOpenids(c).filter((o) => seededOpenids(a).includes(o))).toEqual([]);
    expect(c.goods.slice(base.goods.length)).not.toEqual(a.goods.slice(base.goods.length));
    // The running mock started with --seed 42 (another process) has that same world; the default one has the fixtures only.
    const served = async (s: Started) => (await (await fetch(`${s.env.WXPAY_MOCK_URL}/_mock/credentials`)).json()) as Credentials;
    expect(await served(flagged)).toMatchObject({ users: a.users, goods: a.goods });
    expect(await served(plain)).toMatchObject({ users: base.users, goods: base.goods });

    // A seeded user is a real user of the world: its openid is accepted under its appid.
    const user = a.users.slice(base.users.length).find((u) => u.appid === a.merchants[0].appids[0])!;
    const target = `/v3/marketing/favor/users/${user.openid}/coupons?appid=${user.appid}&creator_mchid=${a.merchants[0].mchid}`;
    const list = async (s: Started) => {
      const res = await fetch(s.env.WXPAY_MOCK_URL + target, { headers: signerOf(s.env).headers('GET', target) });
      return { status: res.status, body: await res.json() };
    };
    expect(await list(flagged)).toEqual({ status: 200, body: { data: [], total_count: 0, limit: 20, offset: 0 } });
    expect(await list(plain)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST', message: 'openid与appid不匹配' } });
  });

  it('a signed request without Accept or User-Agent -> 400 INVALID_REQUEST Http头缺少Accept或User-Agent; --relax-headers -> 200', async () => {
    const signed = (env: Record<string, string>) => ({ Authorization: signerOf(env).authorization('GET', '/v3/certificates') });
    for (const extra of [{}, { Accept: 'application/json' }, { 'User-Agent': 'cli-test/1.0' }] as Record<string, string>[]) {
      const res = await bareGet(plain.env.WXPAY_MOCK_URL, '/v3/certificates', { ...signed(plain.env), ...extra });
      expect([res.status, res.json], JSON.stringify(extra)).toEqual([
        400,
        { code: 'INVALID_REQUEST', message: 'Http头缺少Accept或User-Agent' },
      ]);
    }
    const relaxed = await bareGet(flagged.env.WXPAY_MOCK_URL, '/v3/certificates', signed(flagged.env));
    expect(relaxed.status).toBe(200);
    expect(relaxed.headers['wechatpay-serial']).toBe(flagged.env.WXPAY_PLATFORM_SERIAL_NO);
    // Only the header rule is lifted: the signature is still required.
    const unsigned = await bareGet(flagged.env.WXPAY_MOCK_URL, '/v3/certificates', {});
    expect([unsigned.status, unsigned.json.code]).toEqual([401, 'SIGN_ERROR']);
  });

  it('--rate-limits: use-flow from one IP, 5/min -> the 6th 429 FREQUENCY_LIMIT_EXCEED 接口限频; without the flag, never', async () => {
    const target = '/v3/marketing/favor/stocks/99999999/use-flow';
    const flow = (env: Record<string, string>) =>
      bareGet(env.WXPAY_MOCK_URL, target, {
        Authorization: signerOf(env).authorization('GET', target),
        Accept: 'application/json',
        'User-Agent': 'cli-test/1.0',
      });
    // The windows are the virtual clock's minutes: frozen, the six requests cannot straddle two of them.
    const clock = (action: string) => fetch(`${flagged.env.WXPAY_MOCK_URL}/_mock/clock/${action}`, { method: 'POST' });
    expect((await clock('freeze')).ok).toBe(true);
    try {
      for (let i = 0; i < 5; i++) expect((await flow(flagged.env)).status).toBe(404); // 批次不存在, counted all the same
      const limited = await flow(flagged.env);
      expect([limited.status, limited.json]).toEqual([429, { code: 'FREQUENCY_LIMIT_EXCEED', message: '接口限频' }]);
    } finally {
      expect((await clock('unfreeze')).ok).toBe(true);
    }
    for (let i = 0; i < 6; i++) expect((await flow(plain.env)).status).toBe(404);
  });

  it('--journal-size 3 keeps the last 3 requests and counts the dropped ones; the default keeps 2000', async () => {
    const base = flagged.env.WXPAY_MOCK_URL;
    expect((await fetch(`${base}/_mock/journal`, { method: 'DELETE' })).ok).toBe(true);
    const targets = [1, 2, 3, 4, 5].map((i) => `/v3/marketing/favor/stocks/9800000${i}?stock_creator_mchid=${flagged.env.WXPAY_MCHID}`);
    for (const target of targets) await fetch(base + target, { headers: signerOf(flagged.env).headers('GET', target) });
    const journal = await (await fetch(`${base}/_mock/journal`)).json();
    expect({ capacity: journal.capacity, dropped: journal.dropped }).toEqual({ capacity: 3, dropped: 2 });
    expect(journal.entries.map((e: { target: string }) => e.target)).toEqual(targets.slice(2));
    expect((await (await fetch(`${plain.env.WXPAY_MOCK_URL}/_mock/journal`)).json()).capacity).toBe(2000);
  });
});
