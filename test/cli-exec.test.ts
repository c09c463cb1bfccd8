/**
 * The CLI's developer-facing behaviour, spawned as a user runs it: `wxpay-mock exec -- <command>`,
 * the console log, "did you mean" for typos, one message for an unreachable mock, a port in use.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_LIST } from '../mock-server/cli/commands.js';
import { parseCommandLine, UsageError } from '../mock-server/cli/spec.js';
import { unusedPort } from './helpers/ports.js';

// The bin, as `npx wxpay-mock` runs it (it sizes libuv's pool first: mock-server/wxpay-mock.cts).
const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'wxpay-mock.cjs');

function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A node one-liner for exec to run (several arguments: run without a shell). */
const node = (script: string) => [process.execPath, '-e', script];

describe('wxpay-mock exec -- <command>', () => {
  // One exec run read by the first two tests: one argument (a shell), a request to the mock, exit 3.
  let run: Awaited<ReturnType<typeof cli>>;
  beforeAll(async () => {
    run = await cli([
      'exec',
      '--port',
      '0',
      '--log',
      'json',
      '--',
      'echo "child mchid=$WXPAY_MCHID url=$WXPAY_MOCK_URL uv=${UV_THREADPOOL_SIZE-unset}" && { curl -s -o /dev/null "$WXPAY_MOCK_URL/v3/certificates" || node -e "fetch(process.env.WXPAY_MOCK_URL + \'/v3/certificates\')"; } && exit 3',
    ]);
  });

  it('runs the command with WXPAY_MOCK_URL and the credentials env, exits with its status, prints the report, then stops the mock', async () => {
    expect(run.status).toBe(3);
    const [, url, uv] = /child mchid=1900000001 url=(http:\/\/127\.0\.0\.1:\d+) uv=(\S+)$/m.exec(run.stdout) ?? [];
    expect(url).toBeDefined();
    // The bin sets UV_THREADPOOL_SIZE only while its pool starts: the command gets the environment as it was.
    expect(uv).toBe(process.env.UV_THREADPOOL_SIZE ?? 'unset');
    expect(run.stdout).toContain('wxpay-mock contract report');
    // The command's request reached the mock at that URL: the report lists it.
    expect(run.stdout).toContain(`signature failure: GET /v3/certificates (certificates.list) → 401 SIGN_ERROR`);
    await expect(fetch(url + '/_mock/health')).rejects.toThrow(); // stopped
  });

  it('one argument runs in a shell; --log json logs each request to stderr, one object per line', () => {
    expect(run.stdout).toContain('child mchid=1900000001');
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ type: 'request', path: '/v3/certificates', status: 401, code: 'SIGN_ERROR' }),
    );
  });

  it('--report-strict: a command that passes with a contract violation in the report → exit 1; without it → 0', async () => {
    const unsigned = node(`fetch(process.env.WXPAY_MOCK_URL + '/v3/certificates').then((r) => console.log('got', r.status))`);
    const strict = await cli(['exec', '--port', '0', '--log', 'silent', '--report-strict', '--', ...unsigned]);
    expect(strict.stdout).toContain('got 401');
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(
      /the command passed but the report FAILED \(--report-strict\): 1 violation\(s\); first: signature failure/,
    );
    const lenient = await cli(['exec', '--port', '0', '--log', 'silent', '--format', 'json', '--', ...unsigned]);
    expect(lenient.status).toBe(0);
    expect(JSON.parse(lenient.stdout.slice(lenient.stdout.indexOf('{'))).ok).toBe(false);
  });

  it('exec without a command → exit 2 with the usage line', async () => {
    const run = await cli(['exec', '--port', '0']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('exec runs one command after --: wxpay-mock exec [options] -- <command> [args…]');
  });
});

describe('the console log never stalls the mock', () => {
  it('start whose reader goes away (`wxpay-mock start | head -2`): the log meets EPIPE, the mock goes on answering', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--in-memory'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m && out.includes('WXPAY_PUBLIC_KEY_PATH')) {
            child.stdout.destroy(); // the reader closes its end of the pipe
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      for (let i = 0; i < 200; i += 50)
        await Promise.all(Array.from({ length: 50 }, () => fetch(url + '/v3/certificates').then((r) => r.arrayBuffer())));
      await new Promise((r) => setTimeout(r, 100));
      expect(child.exitCode).toBeNull();
      expect((await fetch(url + '/_mock/health', { signal: AbortSignal.timeout(5000) })).status).toBe(200);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('createApp and startMock write nothing to stdout by default (a test suite output stays its own)', async () => {
    const entry = join(import.meta.dirname, '..', 'dist', 'mock-server', 'index.js');
    const script = `const { startMock } = await import(${JSON.stringify(entry)});
      const mock = await startMock();
      await fetch(mock.url + '/v3/certificates');
      await fetch(mock.url + '/_mock/reset', { method: 'POST' });
      await mock.close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const status = await new Promise((resolve) => child.once('exit', resolve));
    expect(status).toBe(0);
    expect(stdout).toBe('');
  });
});

describe('typos, an unreachable mock, a port in use', () => {
  it('unknown flags and commands → exit 2 with the nearest known one', async () => {
    const flag = await cli(['--prot', '0']);
    expect([flag.status, flag.stderr.split('\n')[0]]).toEqual([2, 'wxpay-mock: unknown option --prot (did you mean --port?)']);
    // The same refusal, as the parser the CLI uses words it (cli.test.ts runs an unknown command, and
    // cli-commands.test.ts a bad choice, through the built CLI).
    const refusal = (args: string[]) => {
      try {
        parseCommandLine(args, COMMAND_LIST);
      } catch (err) {
        if (err instanceof UsageError) return err.message;
        throw err;
      }
      throw new Error(`${args.join(' ')} was accepted`);
    };
    expect(refusal(['reprot'])).toBe('unknown command "reprot" (did you mean report?)');
    expect(refusal(['--log', 'loud'])).toBe('--log must be pretty, json, silent, got "loud"');
  });

  it('use-coupon and report say the same thing about a mock that is not there', async () => {
    const port = await unusedPort(); // a port nobody listens on
    const url = `http://127.0.0.1:${port}`;
    const [use, report] = await Promise.all([cli(['use-coupon', '123', '--url', url]), cli(['report', '--url', url])]);
    expect([use.status, report.status]).toEqual([1, 3]);
    const says = `(connect ECONNREFUSED 127.0.0.1:${port}): is the mock running? Start it with "wxpay-mock start", or point --url or WXPAY_MOCK_URL at it\n`;
    expect(use.stderr).toBe(`wxpay-mock use-coupon: cannot reach ${url}/_mock/favor/coupons/123/use ${says}`);
    expect(report.stderr).toBe(`wxpay-mock report: cannot reach ${url}/_mock/journal ${says}`);
  });

  it('start on a port in use → exit 1 naming the port and --port 0', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const run = await cli(['--port', String(port), '--in-memory']);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is already in use (another wxpay-mock?): stop that process, or use --port 0`);
    } finally {
      taken.close();
    }
  });
});
