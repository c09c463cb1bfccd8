/**
 * The table of commands: what each is for, its options (options.ts), what operands it takes, and its
 * module — imported only when it runs, so `wxpay-mock credentials` or `--help` load no server.
 */
import {
  CHECK_HANDLER_OPTIONS,
  CREDENTIALS_OPTIONS,
  DEFAULT_PROXY_PORT,
  EXEC_OPTIONS,
  OPENAPI_OPTIONS,
  PROXY_OPTIONS,
  REPORT_OPTIONS,
  START_OPTIONS,
  STATE_OPTIONS,
  TRIGGER_OPTIONS,
  USE_COUPON_OPTIONS,
} from './options.js';
import { command, overviewHelp, type CommandSpec } from './spec.js';

const none = (name: string) => (operands: string[]) =>
  operands.length ? `${name} takes no arguments, got "${operands.join(' ')}"` : undefined;

const HTTP_URL = /^https?:\/\/[^/]/;

export const COMMANDS = [
  command({
    name: 'start',
    usage: '[start] [options]',
    summary: 'start the mock (the command when none is named)',
    details:
      'On start it prints the base URL and an env block that a CI script can eval. SIGINT/SIGTERM flush the store and exit 0. A corrupt or unreadable data file stops the start with an error naming the file (exit 1); the file is never overwritten. Test-only keys: every key in fixtures/ is public.',
    options: START_OPTIONS,
    checkOperands: none('start'),
    load: () => import('./commands/start.js'),
  }),
  command({
    name: 'credentials',
    summary: 'print the fixture credentials as an env block a shell can eval (no server)',
    options: CREDENTIALS_OPTIONS,
    checkOperands: none('credentials'),
    load: () => import('./commands/credentials.js'),
  }),
  command({
    name: 'exec',
    usage: 'exec [options] -- <command> [args…]',
    summary:
      "start the mock (in memory unless --data or --store), run the command with WXPAY_MOCK_URL and the credentials env, stop the mock, print the report; exit with the command's status (1 with --report-strict when the command passed but the report has a violation)",
    details:
      'One argument after -- runs in a shell (-- "npm test && go test ./..."), several run directly. SIGINT/SIGTERM go to the command. Exit: the command\'s status (128 + the signal number if a signal ended it); 1 when the mock cannot start (the command does not run); 2 on bad arguments.',
    options: EXEC_OPTIONS,
    passThrough: true,
    checkOperands: (operands, rest) =>
      operands.length || !rest.length ? 'exec runs one command after --: wxpay-mock exec [options] -- <command> [args…]' : undefined,
    load: () => import('./commands/exec.js'),
  }),
  command({
    name: 'use-coupon',
    usage: 'use-coupon <coupon_id> [options]',
    summary: 'use a coupon on a running mock and print the COUPON.USE delivery',
    details:
      'Exit 0 when the coupon was used and its COUPON.USE delivered (or none was due: no notify URL); 1 when the use is refused, the mock is unreachable, or the delivery failed or timed out.',
    options: USE_COUPON_OPTIONS,
    checkOperands: (operands) =>
      operands.length !== 1 ? 'use-coupon takes one coupon id: wxpay-mock use-coupon <coupon_id> [--url URL]' : undefined,
    load: () => import('./commands/use-coupon.js'),
  }),
  command({
    name: 'report',
    summary: 'the contract report of a running mock: coverage, violations, signature failures, callbacks',
    details:
      'Exit 0 when it passes; 1 on a violation (with --strict: on a warning too), the first named on stderr; 3 when there is no report.',
    options: REPORT_OPTIONS,
    checkOperands: (operands) =>
      operands.length
        ? 'report takes no arguments: wxpay-mock report [--url URL] [--format text|json|junit] [--out FILE] [--strict]'
        : undefined,
    load: () => import('./commands/report.js'),
  }),
  command({
    name: 'openapi',
    summary: `the contracts as an OpenAPI 3.1 document (JSON); no server is started`,
    options: OPENAPI_OPTIONS,
    checkOperands: (operands) =>
      operands.length ? 'openapi takes no arguments: wxpay-mock openapi [--server URL] [--out FILE]' : undefined,
    load: () => import('./commands/openapi.js'),
  }),
  command({
    name: 'check-handler',
    usage: 'check-handler <URL> [options]',
    summary:
      'the notify-handler conformance run (no running mock needed): a valid COUPON.USE, a duplicate, each bad kind (wrong signature, unknown serial, stale timestamp, tampered ciphertext, wrong associated data, the SIGNTEST probe) and the 5 s limit; a table of verdicts',
    details: 'Exit 0 when every case passed; 1 when one failed or got no answer; 2 on bad arguments.',
    options: CHECK_HANDLER_OPTIONS,
    checkOperands: (operands) =>
      operands.length !== 1 || !HTTP_URL.test(operands[0])
        ? 'check-handler takes the notify URL to check: wxpay-mock check-handler http://127.0.0.1:3000/notify'
        : undefined,
    load: () => import('./commands/check-handler.js'),
  }),
  command({
    name: 'export',
    usage: 'export FILE [--url URL]',
    summary: "the running mock's state as a snapshot (JSON, media included)",
    options: STATE_OPTIONS,
    checkOperands: (operands) => (operands.length !== 1 ? 'export takes one file: wxpay-mock export FILE [--url URL]' : undefined),
    load: () => import('./commands/export.js'),
  }),
  command({
    name: 'import',
    usage: 'import FILE [--url URL]',
    summary: "replace the running mock's state with a snapshot; refused whole (exit 1, state unchanged) when it is not a valid one",
    options: STATE_OPTIONS,
    checkOperands: (operands) => (operands.length !== 1 ? 'import takes one file: wxpay-mock import FILE [--url URL]' : undefined),
    load: () => import('./commands/import.js'),
  }),
  command({
    name: 'trigger',
    usage: 'trigger coupon-use [options]',
    summary:
      'reuse or create a running stock, send a coupon to a fixture user, use it and print the COUPON.USE delivery; exit 1 when it failed, timed out or had no notify URL',
    options: TRIGGER_OPTIONS,
    checkOperands: (operands) =>
      operands.length !== 1 ? 'trigger takes the event to trigger: wxpay-mock trigger coupon-use [--url URL]' : undefined,
    load: () => import('./commands/trigger.js'),
  }),
  command({
    name: 'proxy',
    usage: 'proxy --upstream URL [--port N] [--journal-size N]',
    summary: `forward requests unchanged to URL (the real API or another mock) from 127.0.0.1 (port ${DEFAULT_PROXY_PORT} unless --port), journal contract findings on both sides at /_mock/journal`,
    details:
      'Prints an env block pointing WXPAY_MOCK_URL at itself (then "wxpay-mock report" reads the proxy\'s journal); SIGINT/SIGTERM exit 0.',
    options: PROXY_OPTIONS,
    checkOperands: (operands) => (operands.length ? 'proxy takes no arguments: wxpay-mock proxy --upstream URL [--port N]' : undefined),
    load: () => import('./commands/proxy.js'),
  }),
] as const satisfies readonly CommandSpec<any>[];

export const COMMAND_LIST: readonly CommandSpec[] = COMMANDS;

/** `wxpay-mock --help`: every command in a paragraph (the version is left out of the generated docs). */
export const overview = (version?: string): string =>
  overviewHelp(
    COMMAND_LIST,
    `wxpay-mock${version ? ` ${version}` : ''} — local emulator of the WeChat Pay APIv3 marketing APIs`,
    'On start it prints the base URL and an env block that a CI script can eval.\nTest-only keys: every key in fixtures/ is public.',
  );
