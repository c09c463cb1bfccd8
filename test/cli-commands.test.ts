/**
 * Every command's help and flags: `wxpay-mock --help` lists the commands, `wxpay-mock <command> --help`
 * that command's options as its table declares them, and a flag the command does not take is a usage
 * error (exit 2) naming the nearest flag of that command, or the commands that take it.
 *
 * The built CLI (`node dist/mock-server/wxpay-mock.cjs`, the bin, as a user runs it) is run once for each way it answers
 * (a help text, an unknown flag, a typo, another command's flag, a bad choice); what differs from one
 * command to the next is its table, checked for every command through the parser and help writer the
 * CLI uses (cli/spec.ts) — a process per command and case cost ~35 CLI starts.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_LIST } from '../mock-server/cli/commands.js';
import { commandHelp, parseCommandLine, UsageError } from '../mock-server/cli/spec.js';
import { createSigner } from '../mock-server/index.js';

// The package's bin, as a user runs it.
const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'wxpay-mock.cjs');

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** The command line as the CLI reads it: the help it prints, or the usage error (and whose help it points at). */
function parse(args: string[]): { help?: string; error?: string; helpOf?: string } {
  try {
    const parsed = parseCommandLine(args, COMMAND_LIST);
    if (parsed.kind !== 'help' || !parsed.command) throw new Error(`${args.join(' ')}: not a command's help (${parsed.kind})`);
    return { help: commandHelp(parsed.command) };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { error: err.message, helpOf: err.command };
  }
}

/** A typo: the flag with its first two letters swapped. */
const typo = (flag: string) => flag[1] + flag[0] + flag.slice(2);

/** Each command's longest flag and its typo. */
const typos = COMMAND_LIST.map((c) => {
  const flag = Object.keys(c.options).sort((a, b) => b.length - a.length)[0];
  return { command: c.name, flag, wrong: typo(flag) };
});

describe('wxpay-mock --help and <command> --help', () => {
  it('--help lists every command with its synopsis; -h is the same text', async () => {
    const [long, short] = await Promise.all([cli(['--help']), cli(['-h'])]);
    expect(long.status).toBe(0);
    expect(short.stdout).toBe(long.stdout);
    expect(long.stdout).toMatch(/^wxpay-mock \d+\.\d+\.\d+ — /);
    for (const c of COMMAND_LIST) expect(long.stdout, c.name).toMatch(new RegExp(`^  wxpay-mock (\\[${c.name}\\]|${c.name})( |$)`, 'm'));
    expect(long.stdout).toContain('Run "wxpay-mock <command> --help" for the options of a command.');
  });

  it('<command> --help: its synopsis and each of its flags, and no flag it does not take, for each command; the built CLI prints that text and exits 0', async () => {
    const all = new Set(COMMAND_LIST.flatMap((c) => Object.keys(c.options)));
    for (const c of COMMAND_LIST) {
      const { help } = parse([c.name, '--help']);
      expect(help, c.name).toMatch(new RegExp(`^Usage: wxpay-mock \\[?${c.name}[\\] ]`));
      const listed = [...help!.matchAll(/^ {2}(?:-\w, )?--([a-z-]+)/gm)].map((m) => m[1]);
      expect(listed, c.name).toEqual([...Object.keys(c.options), 'help', 'version']);
      for (const name of all) if (!(name in c.options)) expect(listed, `${c.name} --${name}`).not.toContain(name);
    }
    const report = await cli(['report', '--help']);
    expect(report).toEqual({ status: 0, stdout: `${parse(['report', '--help']).help}\n`, stderr: '' });
  });

  it('--help wins over missing operands (use-coupon, exec, check-handler show their help, not an error)', async () => {
    for (const args of [
      ['use-coupon', '--help'],
      ['exec', '-h'],
      ['check-handler', '--help'],
    ])
      expect(parse(args).help, args.join(' ')).toMatch(/^Usage: /);
    const exec = await cli(['exec', '-h']);
    expect([exec.status, exec.stdout]).toEqual([0, `${parse(['exec', '-h']).help}\n`]);
  });
});

describe('a flag the command does not take → exit 2, pointing at that command’s help', () => {
  it('an unknown flag, for each command', async () => {
    for (const c of COMMAND_LIST)
      expect(parse([c.name, '--no-such-flag']), c.name).toEqual({ error: 'unknown option --no-such-flag', helpOf: c.name });
    const out = await cli(['proxy', '--no-such-flag']);
    expect([out.status, out.stderr]).toEqual([2, 'wxpay-mock: unknown option --no-such-flag\nRun "wxpay-mock proxy --help" for usage.\n']);
  });

  it('a typo of one of its flags names that flag, for each command', async () => {
    for (const k of typos)
      expect(parse([k.command, `--${k.wrong}`]), k.command).toEqual({
        error: `unknown option --${k.wrong} (did you mean --${k.flag}?)`,
        helpOf: k.command,
      });
    const k = typos.find((x) => x.command === 'check-handler')!;
    const out = await cli([k.command, `--${k.wrong}`]);
    expect([out.status, out.stderr]).toEqual([
      2,
      `wxpay-mock: unknown option --${k.wrong} (did you mean --${k.flag}?)\nRun "wxpay-mock check-handler --help" for usage.\n`,
    ]);
  });

  it("another command's flag names the commands that take it", async () => {
    const report = await cli(['report', '--report-strict']);
    expect([report.status, report.stderr]).toEqual([
      2,
      'wxpay-mock: unknown option --report-strict (an option of exec, not of report)\nRun "wxpay-mock report --help" for usage.\n',
    ]);
    // start, named or not: the overview when start was not named.
    const upstream = await cli(['--upstream', 'http://127.0.0.1:1']);
    expect([upstream.status, upstream.stderr]).toEqual([
      2,
      'wxpay-mock: unknown option --upstream (an option of proxy, not of start)\nRun "wxpay-mock --help" for usage.\n',
    ]);
  });

  it('credentials and openapi take the flags they read; a bad choice is refused', async () => {
    const seeded = await cli(['credentials', '--json', '--seed', '3']);
    expect(seeded.status, seeded.stderr).toBe(0);
    const wait = await cli(['trigger', 'coupon-use', '--wait', 'none']);
    expect([wait.status, wait.stderr.split('\n')[0]]).toEqual([2, 'wxpay-mock: --wait must be attempt, settled, got "none"']);
  });
});

/** The status a signed request without Accept and User-Agent gets from a mock started with `flags`. */
async function headerlessStatus(flags: string[]): Promise<number> {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--in-memory', '--log', 'silent', ...flags]);
  try {
    const env = await new Promise<Record<string, string>>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('WXPAY_PUBLIC_KEY_PATH'))
          resolve(Object.fromEntries([...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]])));
      });
      child.once('exit', (code) => reject(new Error(`the CLI exited ${code}`)));
    });
    const signer = createSigner({
      mchid: env.WXPAY_MCHID,
      serialNo: env.WXPAY_MERCHANT_SERIAL_NO,
      privateKey: readFileSync(env.WXPAY_MERCHANT_PRIVATE_KEY_PATH, 'utf8'),
    });
    // node:http sends neither header unless told; the default profile (real) answers 400 (cli.test.ts).
    return await new Promise<number>((resolve, reject) =>
      request(
        `${env.WXPAY_MOCK_URL}/v3/certificates`,
        { headers: { Authorization: signer.authorization('GET', '/v3/certificates') } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      )
        .on('error', reject)
        .end(),
    );
  } finally {
    child.kill('SIGKILL');
  }
}

it('--fidelity lenient starts a mock of that profile (a signed request without Accept and User-Agent → 200); a profile it does not know → exit 2', async () => {
  expect(await headerlessStatus(['--fidelity', 'lenient'])).toBe(200);
  const bad = await cli(['--fidelity', 'loose']);
  expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, 'wxpay-mock: --fidelity must be lenient, real, strict, got "loose"']);
}, 20_000);

it('--check NAME=VALUE sets one fidelity check over the profile (lenient with headers=required → 400); a bad one → exit 2 before anything starts', async () => {
  expect(await headerlessStatus(['--fidelity', 'lenient', '--check', 'headers=required'])).toBe(400);
  const first = async (args: string[]) => {
    const r = await cli(args);
    return [r.status, r.stderr.split('\n')[0]];
  };
  expect(await first(['--check', 'imageSize=documented'])).toEqual([
    2,
    'wxpay-mock: unknown fidelity check "imageSize" (did you mean imageSizes?)',
  ]);
  expect(await first(['--check', 'imageSizes=yes'])).toEqual([2, 'wxpay-mock: --check imageSizes must be any or documented, got "yes"']);
  expect(await first(['--check', 'imageSizes'])).toEqual([
    2,
    'wxpay-mock: --check must be NAME=VALUE, e.g. imageSizes=documented, got "imageSizes"',
  ]);
  expect(await first(['--check', 'headers=required', '--relax-headers'])).toEqual([
    2,
    'wxpay-mock: relaxHeaders: true and fidelityOverrides.headers: "required" disagree (relaxHeaders is the older name of that override: keep one)',
  ]);
}, 20_000);
