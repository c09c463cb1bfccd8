#!/usr/bin/env node
/**
 * wxpay-mock command line: start the emulator, or print the credentials.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VERSION } from './app.js';
import { checkHandlerCommand } from './callbacks/cli-check-handler.js';
import { useCouponCommand } from './callbacks/cli-use-coupon.js';
import { ruleSpecFromText } from './faults/rules.js';
import { openapiCommand } from './contract/cli-openapi.js';
import { DEFAULT_SERVER_URL } from './contract/openapi.js';
import { DEFAULT_PROXY_PORT, parseUpstream } from './proxy/upstream.js';
import { credentialsOf, envBlock } from './credentials.js';
import { reportCommand } from './report/cli-report.js';
import { REPORT_FORMATS, type ReportFormat } from './report/format.js';
import { execCommand } from './cli/exec.js';
import { fdWriter, LOG_FORMATS, logsWritten, type LogFormat } from './log.js';
import { startMock, type StartOptions } from './server.js';
import { didYouMean } from './suggest.js';
import { loadWorld } from './world.js';

export const DEFAULT_PORT = 8750;
export const DEFAULT_DATA_FILE = '.wxpay-mock/data.json';

const USAGE = `wxpay-mock ${VERSION} — local emulator of the WeChat Pay APIv3 marketing APIs

Usage:
  wxpay-mock [start] [options]        start the mock
  wxpay-mock credentials [--json]     print the fixture credentials (no server)
  wxpay-mock exec [options] [--report-strict] [--format F] [--out FILE] -- <command> [args…]
                                      start the mock (in memory unless --data), run the command with
                                      WXPAY_MOCK_URL and the credentials env, stop the mock, print the
                                      report; exit with the command's status (1 with --report-strict
                                      when the command passed but the report has a violation)
  wxpay-mock use-coupon <coupon_id> [--url URL] [--consume-mchid M] [--transaction-id T]
             [--consume-time T] [--wait attempt|settled|none] [--json]
                                      use a coupon on a running mock (default URL: $WXPAY_MOCK_URL or
                                      http://127.0.0.1:${DEFAULT_PORT}) and print the COUPON.USE delivery
  wxpay-mock report [--url URL] [--format text|json|junit] [--out FILE] [--strict]
                                      the contract report of a running mock: coverage, violations,
                                      signature failures, callbacks; exit 1 on a violation
  wxpay-mock openapi [--server URL] [--out FILE]
                                      the contracts as an OpenAPI 3.1 document (JSON; servers: URL,
                                      default $WXPAY_MOCK_URL or ${DEFAULT_SERVER_URL})
  wxpay-mock check-handler <URL> [--mchid M] [--junit FILE] [--json]
                                      the notify-handler conformance run: a valid COUPON.USE, a duplicate,
                                      each bad kind (wrong signature, unknown serial, stale timestamp,
                                      tampered ciphertext, wrong associated data, the SIGNTEST probe) and
                                      the 5 s limit; a table of verdicts, exit 1 when one fails
  wxpay-mock export FILE [--url URL]  the running mock's state as a snapshot (JSON, media included)
  wxpay-mock import FILE [--url URL]  replace the running mock's state with a snapshot (refused whole if bad)
  wxpay-mock trigger coupon-use [--url URL] [--mchid M] [--notify-url URL] [--wait attempt|settled] [--json]
                                      reuse or create a running stock, send a coupon to a fixture user,
                                      use it and print the COUPON.USE delivery; exit 1 if it failed
  wxpay-mock proxy --upstream URL [--port N]
                                      forward requests unchanged to URL (the real API or another mock),
                                      journal contract findings on both sides at /_mock/journal
                                      (port default ${DEFAULT_PROXY_PORT}, 127.0.0.1 only)

Options:
  --port N                 port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H                 address to bind (default 127.0.0.1)
  --data PATH              JSON data file (default ./${DEFAULT_DATA_FILE})
  --in-memory              keep state in memory only
  --store URL              keep state in PostgreSQL (postgres://user:pass@host:port/db; default
                           $WXPAY_MOCK_DATABASE_URL): several replicas share one world
                           (docs/reference/postgres.md)
  --seed N                 add faker-generated users and goods, reproducibly
  --relax-headers          do not require Accept and User-Agent headers
  --strict-notify-url      require https notify URLs that answer (a HEAD probe), as the real API does
  --relax-media-urls       accept any http(s) image URL, not only media_urls this mock issued
  --real-bill-urls         bill download URLs on https://api.mch.weixin.qq.com (for host-rewriting clients)
  --allow-remote-control   serve /_mock/ to non-loopback clients
  --base-url URL           base URL used in URLs the mock hands out
  --fixtures DIR           another fixture world
  --callback-time-scale X  divide the 1-minute COUPON.USE retry interval by X (virtual time; default 1)
  --callback-probe         send a WECHATPAY/SIGNTEST/ probe before each valid callback
  --callback-timeout MS    real milliseconds a COUPON.USE attempt may take (default 5000, the platform's limit)
  --strict                 (start) also refuse fields the contracts mark x-not-open, and enforce
                           the documented rate limits (as --rate-limits); (report) warnings fail the report too
  --journal-size N         requests kept in the journal (default 2000; the report reads it)
  --journal-bytes N        bytes the journal keeps, as JSON (default 33554432 = 32 MiB)
  --log F                  console log: pretty (default for start and exec), json (one object per
                           line, for CI logs) or silent; exec logs to stderr
  --allow-host H           (repeatable) another Host name the control API answers, besides localhost,
                           127.0.0.1, [::1] and --base-url's host (DNS-rebinding guard)
  --fault RULE             (repeatable) break replies on purpose, e.g. "op=favor.sendCoupon SYSTEM_ERROR
                           after times=1", "latency=100ms..800ms", "mchid=1900000001 reset p=0.1 seed=7"
                           (docs/guides/faults.md); /_mock/faults adds more at run time
  --allow-fault-header     honour the Wechatpay-Mock-Fault request header (e.g. SYSTEM_ERROR, latency=800ms)
  --import FILE            (start) begin from a snapshot (wxpay-mock export, GET /_mock/snapshot)
  --export-on-exit FILE    (start) write a snapshot to FILE on SIGINT/SIGTERM
  --scenario FILE          (start) apply a scenario (fixtures/scenarios/, docs/guides/scenarios.md)
  --report-strict          (exec) exit 1 when the command passed but the report has a violation
  --rate-limits            enforce the documented request frequencies (429, virtual-clock windows)
  --format F, --out FILE   (report) text (default), json or junit; write it to FILE (stdout: text)
  --server URL             (openapi) the URL put in "servers"
  --upstream URL           (proxy) where requests go: scheme://host[:port]
  --json                   (credentials) print JSON instead of an env block
  -h, --help               this text
  -v, --version            the version

On start it prints the base URL and an env block that a CI script can eval.
Test-only keys: every key in fixtures/ is public.`;

class UsageError extends Error {}

function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

const CLI_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  data: { type: 'string' },
  'in-memory': { type: 'boolean' },
  store: { type: 'string' },
  seed: { type: 'string' },
  'relax-headers': { type: 'boolean' },
  'strict-notify-url': { type: 'boolean' },
  'relax-media-urls': { type: 'boolean' },
  'real-bill-urls': { type: 'boolean' },
  'allow-remote-control': { type: 'boolean' },
  'base-url': { type: 'string' },
  fixtures: { type: 'string' },
  'callback-time-scale': { type: 'string' },
  'callback-probe': { type: 'boolean' },
  'callback-timeout': { type: 'string' },
  strict: { type: 'boolean' },
  'journal-size': { type: 'string' },
  'journal-bytes': { type: 'string' },
  log: { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
  'report-strict': { type: 'boolean' },
  'rate-limits': { type: 'boolean' },
  fault: { type: 'string', multiple: true },
  'allow-fault-header': { type: 'boolean' },
  mchid: { type: 'string' },
  junit: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  url: { type: 'string' },
  server: { type: 'string' },
  upstream: { type: 'string' },
  'consume-mchid': { type: 'string' },
  'transaction-id': { type: 'string' },
  'consume-time': { type: 'string' },
  wait: { type: 'string' },
  scenario: { type: 'string' },
  import: { type: 'string' },
  'export-on-exit': { type: 'string' },
  'notify-url': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;
const OPTION_NAMES = Object.keys(CLI_OPTIONS);

/** parseArgs' refusal of an unknown flag, with the nearest known one. */
function unknownOption(err: Error & { code?: string }, known: string[]): UsageError {
  const name = /Unknown option '(-{1,2}[^']*)'/.exec(err.message)?.[1];
  if (err.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !name) return new UsageError(err.message);
  return new UsageError(`unknown option ${name}${didYouMean(name.replace(/^-+/, ''), known, '--')}`);
}

const COMMANDS = [
  'start',
  'credentials',
  'exec',
  'use-coupon',
  'report',
  'openapi',
  'proxy',
  'check-handler',
  'export',
  'import',
  'trigger',
];

function parse(input: string[]) {
  // exec: everything after the first `--` is the command, passed through untouched.
  const [execAt, dashes] = [input.indexOf('exec'), input.indexOf('--')];
  const split = execAt !== -1 && dashes > execAt ? dashes : -1;
  const argv = split === -1 ? input : input.slice(0, split);
  const execCommandLine = split === -1 ? [] : input.slice(split + 1);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: CLI_OPTIONS,
    });
  } catch (err) {
    throw unknownOption(err as Error, OPTION_NAMES);
  }
  const { values, positionals } = parsed;
  const command = positionals[0] ?? 'start';
  if (command === 'exec') {
    if (positionals.length > 1 || !execCommandLine.length)
      throw new UsageError('exec runs one command after --: wxpay-mock exec [options] -- <command> [args…]');
    if (values.format !== undefined && !(REPORT_FORMATS as readonly string[]).includes(values.format))
      throw new UsageError(`--format must be ${REPORT_FORMATS.join(', ')}, got "${values.format}"`);
  } else if (values['report-strict']) throw new UsageError('--report-strict belongs to exec (report has --strict)');
  if (command === 'use-coupon') {
    if (positionals.length !== 2) throw new UsageError('use-coupon takes one coupon id: wxpay-mock use-coupon <coupon_id> [--url URL]');
    if (values.wait !== undefined && !['attempt', 'settled', 'none'].includes(values.wait))
      throw new UsageError(`--wait must be attempt, settled or none, got "${values.wait}"`);
  } else if (command === 'report') {
    if (positionals.length > 1)
      throw new UsageError('report takes no arguments: wxpay-mock report [--url URL] [--format text|json|junit] [--out FILE] [--strict]');
    if (values.format !== undefined && !(REPORT_FORMATS as readonly string[]).includes(values.format))
      throw new UsageError(`--format must be ${REPORT_FORMATS.join(', ')}, got "${values.format}"`);
  } else if (command === 'openapi') {
    if (positionals.length > 1) throw new UsageError('openapi takes no arguments: wxpay-mock openapi [--server URL] [--out FILE]');
    if (values.server !== undefined && !/^https?:\/\/[^/]/.test(values.server))
      throw new UsageError(`--server must be an absolute http(s) URL, got "${values.server}"`);
  } else if (command === 'export' || command === 'import') {
    if (positionals.length !== 2) throw new UsageError(`${command} takes one file: wxpay-mock ${command} FILE [--url URL]`);
  } else if (command === 'trigger') {
    if (positionals.length !== 2) throw new UsageError('trigger takes the event to trigger: wxpay-mock trigger coupon-use [--url URL]');
    if (values.wait !== undefined && !['attempt', 'settled'].includes(values.wait))
      throw new UsageError(`--wait must be attempt or settled, got "${values.wait}"`);
  } else if (command === 'check-handler') {
    if (positionals.length !== 2 || !/^https?:\/\/[^/]/.test(positionals[1]))
      throw new UsageError('check-handler takes the notify URL to check: wxpay-mock check-handler http://127.0.0.1:3000/notify');
  } else if (command === 'proxy') {
    if (positionals.length > 1) throw new UsageError('proxy takes no arguments: wxpay-mock proxy --upstream URL [--port N]');
    if (!values.upstream) throw new UsageError('proxy needs --upstream URL (e.g. https://api.mch.weixin.qq.com or a running mock)');
    try {
      parseUpstream(values.upstream);
    } catch (err) {
      throw new UsageError(`--upstream: ${(err as Error).message}`);
    }
  } else if (command !== 'exec' && (!['start', 'credentials'].includes(command) || positionals.length > 1))
    throw new UsageError(
      COMMANDS.includes(command)
        ? `${command} takes no arguments, got "${positionals.slice(1).join(' ')}"`
        : `unknown command "${command}"${didYouMean(command, COMMANDS)}`,
    );
  for (const text of values.fault ?? []) {
    try {
      ruleSpecFromText(text);
    } catch (err) {
      throw new UsageError(`--fault "${text}": ${(err as Error).message}`);
    }
  }
  if (values.log !== undefined && !(LOG_FORMATS as readonly string[]).includes(values.log))
    throw new UsageError(`--log must be ${LOG_FORMATS.join(', ')}, got "${values.log}"`);
  if (values.data && values['in-memory']) throw new UsageError('--data and --in-memory exclude each other');
  if (values.store !== undefined) {
    if (values.data || values['in-memory']) throw new UsageError('--store excludes --data and --in-memory');
    if (!/^postgres(ql)?:\/\/./.test(values.store))
      throw new UsageError(`--store must be a PostgreSQL URL (postgres://user:password@host:port/database), got "${values.store}"`);
  }
  if (values['base-url']) {
    try {
      new URL(values['base-url']);
    } catch {
      throw new UsageError(`--base-url must be an absolute URL, got "${values['base-url']}"`);
    }
  }
  const scale = values['callback-time-scale'];
  if (scale !== undefined && !(/^\d+(\.\d+)?$/.test(scale) && Number(scale) > 0))
    throw new UsageError(`--callback-time-scale must be a positive number, got "${scale}"`);
  return {
    command,
    positionals,
    values,
    execCommandLine,
    journalBytes: intOption('journal-bytes', values['journal-bytes'], 1024, 2 ** 40),
    port: intOption('port', values.port, 0, 65535),
    callbackTimeoutMs: intOption('callback-timeout', values['callback-timeout'], 1, 600_000),
    seed: intOption('seed', values.seed, 0, 2 ** 31 - 1),
    journalSize: intOption('journal-size', values['journal-size'], 1, 10_000_000),
  };
}

type Parsed = ReturnType<typeof parse>;

/** The mock's options from the flags (start and exec); the log is pretty unless --log says otherwise. */
function startOptions(args: Parsed, dataFile: string | undefined, logWrite?: (text: string) => void, color?: boolean): StartOptions {
  const { values } = args;
  return {
    port: args.port ?? DEFAULT_PORT,
    host: values.host,
    dataFile,
    seed: args.seed,
    fixturesDir: values.fixtures,
    relaxHeaders: values['relax-headers'],
    strictNotifyUrl: values['strict-notify-url'],
    relaxMediaUrls: values['relax-media-urls'],
    realBillUrls: values['real-bill-urls'],
    allowRemoteControl: values['allow-remote-control'],
    baseUrl: values['base-url'],
    callbackTimeScale: values['callback-time-scale'] === undefined ? undefined : Number(values['callback-time-scale']),
    callbackProbe: values['callback-probe'],
    callbackTimeoutMs: args.callbackTimeoutMs,
    strictContracts: values.strict,
    journalSize: args.journalSize,
    // The strict fidelity profile includes the documented frequencies (issue 13).
    rateLimits: values['rate-limits'] || values.strict,
    journalBytes: args.journalBytes,
    allowHosts: values['allow-host'],
    faults: values.fault,
    allowFaultHeader: values['allow-fault-header'],
    log: (values.log as LogFormat | undefined) ?? 'pretty',
    logWrite,
    logColor: color,
  };
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wxpay-mock: ${err.message}\nRun "wxpay-mock --help" for usage.\n`);
    return 2;
  }
  const { values } = args;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (values.version) {
    process.stdout.write(VERSION + '\n');
    return 0;
  }

  if (args.command === 'use-coupon') {
    const write = (stream: NodeJS.WriteStream) => (line: string) => stream.write(line + '\n');
    return useCouponCommand(
      {
        couponId: args.positionals[1],
        url: values.url ?? process.env.WXPAY_MOCK_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`,
        consumeMchid: values['consume-mchid'],
        transactionId: values['transaction-id'],
        consumeTime: values['consume-time'],
        wait: (values.wait as 'attempt' | 'settled' | 'none' | undefined) ?? 'attempt',
        json: values.json ?? false,
      },
      write(process.stdout),
      write(process.stderr),
    );
  }

  if (args.command === 'report') {
    return reportCommand(
      {
        url: values.url ?? process.env.WXPAY_MOCK_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`,
        format: (values.format as ReportFormat | undefined) ?? 'text',
        out: values.out,
        strict: values.strict ?? false,
      },
      (text) => process.stdout.write(text),
      (text) => process.stderr.write(text),
    );
  }

  if (args.command === 'openapi') {
    return openapiCommand(
      { server: values.server ?? (process.env.WXPAY_MOCK_URL || DEFAULT_SERVER_URL), out: values.out },
      (t) => process.stdout.write(t),
      (t) => process.stderr.write(t),
    );
  }

  if (args.command === 'export' || args.command === 'import' || args.command === 'trigger') {
    const { exportCommand, importCommand, triggerCommand } = await import('./cli/state.js');
    const url = (values.url ?? process.env.WXPAY_MOCK_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`).replace(/\/+$/, '');
    const out = (t: string) => process.stdout.write(t);
    const err = (t: string) => process.stderr.write(t);
    if (args.command === 'export') return exportCommand({ url, file: args.positionals[1] }, out, err);
    if (args.command === 'import') return importCommand({ url, file: args.positionals[1] }, out, err);
    return triggerCommand(
      {
        url,
        event: args.positionals[1],
        mchid: values.mchid,
        notifyUrl: values['notify-url'],
        wait: (values.wait as 'attempt' | 'settled' | undefined) ?? 'attempt',
        json: values.json ?? false,
      },
      out,
      err,
    );
  }

  if (args.command === 'check-handler') {
    return checkHandlerCommand(
      { url: args.positionals[1], mchid: values.mchid, fixturesDir: values.fixtures, junit: values.junit, json: values.json ?? false },
      (t) => process.stdout.write(t),
      (t) => process.stderr.write(t),
    );
  }

  if (args.command === 'proxy') {
    // Loaded on demand: the mock's own start stays lean.
    const { proxyCommand } = await import('./proxy/cli-proxy.js');
    return proxyCommand(
      { upstream: values.upstream!, port: args.port ?? DEFAULT_PROXY_PORT, journalSize: args.journalSize },
      (t) => process.stdout.write(t),
      (t) => process.stderr.write(t),
    );
  }

  if (args.command === 'credentials') {
    const credentials = credentialsOf(loadWorld({ dir: values.fixtures, seed: args.seed }));
    process.stdout.write((values.json ? JSON.stringify(credentials, null, 2) : envBlock(credentials)) + '\n');
    return 0;
  }

  if (args.command === 'exec') {
    // In memory unless --data or --store (not $WXPAY_MOCK_DATABASE_URL): each run starts from the fixtures, as a CI job expects.
    const dataFile = values.data ? resolve(values.data) : undefined;
    if (dataFile) mkdirSync(dirname(dataFile), { recursive: true });
    const store = values.store ? await (await import('./store/postgres.js')).postgresBackend(values.store) : undefined;
    return execCommand(
      {
        command: args.execCommandLine,
        // The log goes to stderr: the command's stdout stays its own.
        start: { ...startOptions(args, dataFile, fdWriter(2), process.stderr.isTTY === true), store },
        format: (values.format as ReportFormat | undefined) ?? 'text',
        out: values.out,
        reportStrict: values['report-strict'] ?? false,
      },
      (t) => process.stdout.write(t),
      (t) => process.stderr.write(t),
    );
  }

  // PostgreSQL (--store or WXPAY_MOCK_DATABASE_URL, unless --data or --in-memory says otherwise): replicas share one world.
  const databaseUrl = values.store ?? (values.data || values['in-memory'] ? undefined : process.env.WXPAY_MOCK_DATABASE_URL || undefined);
  // Loaded on demand: the client library stays out of a file or in-memory start.
  const store = databaseUrl ? await (await import('./store/postgres.js')).postgresBackend(databaseUrl) : undefined;
  const dataFile = values['in-memory'] || store ? undefined : resolve(values.data ?? DEFAULT_DATA_FILE);
  if (dataFile) mkdirSync(dirname(dataFile), { recursive: true });
  const running = await startMock({ ...startOptions(args, dataFile), store });
  // Firebase's --import / --export-on-exit: a snapshot in, the state out at the end; a scenario on top.
  for (const [flag, file, load] of [
    ['--import', values.import, (text: string) => running.mock.restore(JSON.parse(text))],
    ['--scenario', values.scenario, (text: string) => running.mock.apply(text)],
  ] as const) {
    if (!file) continue;
    try {
      await load(readFileSync(file, 'utf8'));
    } catch (err) {
      await running.close();
      process.stderr.write(`wxpay-mock: ${flag} ${file}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  process.stdout.write(
    `# wxpay-mock ${VERSION} listening on ${running.url} (data: ${store?.location ?? dataFile ?? 'in memory'})\n${envBlock(running.credentials, running.url)}\n`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      process.stderr.write(`# wxpay-mock: ${signal}, flushing and exiting\n`);
      const exported = values['export-on-exit']
        ? running.mock.snapshot().then((s) => writeFile(values['export-on-exit']!, JSON.stringify(s)))
        : Promise.resolve();
      exported
        .then(() => running.close())
        .then(resolveStop, (err) => {
          process.stderr.write(`wxpay-mock: could not flush the store: ${(err as Error).message}\n`);
          process.exit(1);
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/** Exit once stdout and stderr have flushed: a large report or OpenAPI document on a pipe is not cut short. */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => --pending === 0 && process.exit(code);
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(
  async (code) => {
    await logsWritten(); // the console log's last lines (exec: the command's requests) before the report's exit
    exitAfterFlush(code);
  },
  (err) => {
    process.stderr.write(`wxpay-mock: ${(err as Error).message}\n`);
    exitAfterFlush(1);
  },
);
