/**
 * The CLI's option tables, each group declared once and shared by the commands that take it (the
 * mock's options by start and exec; --url by every command that calls a running mock). Loads nothing
 * of the mock: the help and the parsing of every command come from here.
 */
import { LOG_FORMATS } from '../log.js';
import { DEFAULT_PROXY_PORT } from '../proxy/upstream.js';
import { REPORT_FORMATS } from '../report/format.js';
import type { OptionTable } from './spec.js';

export const DEFAULT_PORT = 8750;
export const DEFAULT_DATA_FILE = '.wxpay-mock/data.json';
/** Where commands that call a running mock find it unless --url or $WXPAY_MOCK_URL says otherwise. */
export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;
export { DEFAULT_PROXY_PORT };

/** The running mock a command calls: --url, else $WXPAY_MOCK_URL, else the default port on loopback. */
export const mockUrl = (url: string | undefined): string => (url ?? process.env.WXPAY_MOCK_URL ?? DEFAULT_URL).replace(/\/+$/, '');

/** The options of the mock itself: start, and exec (which starts one for its command). */
export const MOCK_OPTIONS = {
  port: { type: 'string', arg: 'N', int: [0, 65535], help: 'port to listen on; 0 picks a free one', default: String(DEFAULT_PORT) },
  host: { type: 'string', arg: 'H', help: 'address to bind', default: '127.0.0.1' },
  data: { type: 'string', arg: 'PATH', help: 'JSON data file', default: `./${DEFAULT_DATA_FILE}` },
  'in-memory': { type: 'boolean', help: 'keep state in memory only' },
  store: {
    type: 'string',
    arg: 'URL',
    help: 'keep state in PostgreSQL (postgres://user:pass@host:port/db): several replicas share one world (docs/reference/postgres.md); excludes --data and --in-memory',
    default: '$WXPAY_MOCK_DATABASE_URL unless --data or --in-memory',
  },
  seed: { type: 'string', arg: 'N', int: [0, 2 ** 31 - 1], help: 'add faker-generated users and goods, reproducibly' },
  fidelity: {
    type: 'string',
    // options.ts FIDELITY_PROFILES (not imported: it loads the callbacks); test/cli-doc.test.ts checks they agree.
    choices: ['lenient', 'real', 'strict'],
    help: 'the fidelity profile, how close to production requests are judged (docs/reference/programmatic-api.md#fidelity); the flags below override single checks on top of it',
    default: 'real',
  },
  check: {
    type: 'string',
    arg: 'NAME=VALUE',
    repeatable: true,
    help: 'set one fidelity check whatever the profile, e.g. imageSizes=documented or notifyUrl=loopback-http (the checks and their values: docs/reference/programmatic-api.md#fidelity)',
  },
  'relax-headers': { type: 'boolean', help: 'do not require Accept and User-Agent headers' },
  'strict-notify-url': { type: 'boolean', help: 'require https notify URLs that answer (a HEAD probe), as the real API does' },
  'relax-media-urls': { type: 'boolean', help: 'accept any http(s) image URL, not only media_urls this mock issued' },
  'real-bill-urls': {
    type: 'boolean',
    help: 'bill download URLs on https://api.mch.weixin.qq.com (for host-rewriting clients)',
  },
  'allow-remote-control': { type: 'boolean', help: 'serve /_mock/ to non-loopback clients' },
  'base-url': { type: 'string', arg: 'URL', help: 'base URL used in URLs the mock hands out' },
  fixtures: { type: 'string', arg: 'DIR', help: 'another fixture world' },
  'callback-time-scale': {
    type: 'string',
    arg: 'X',
    help: 'divide the 1-minute COUPON.USE retry interval by X (virtual time)',
    default: '1',
  },
  'callback-probe': { type: 'boolean', help: 'send a WECHATPAY/SIGNTEST/ probe before each valid callback' },
  'callback-timeout': {
    type: 'string',
    arg: 'MS',
    int: [1, 600_000],
    help: "real milliseconds a COUPON.USE attempt may take (the platform's limit)",
    default: '5000',
  },
  strict: {
    type: 'boolean',
    help: 'also refuse fields the contracts mark x-not-open (docs/reference/programmatic-api.md#fidelity), and enforce the documented rate limits as --rate-limits does',
  },
  'rate-limits': {
    type: 'boolean',
    help: 'enforce the documented request frequencies: 429 with the documented code, virtual-clock windows (docs/reference/fidelity.md)',
  },
  'journal-size': {
    type: 'string',
    arg: 'N',
    int: [1, 10_000_000],
    help: 'requests kept in the journal (the report reads it)',
    default: '2000',
  },
  'journal-bytes': {
    type: 'string',
    arg: 'N',
    int: [1024, 2 ** 40],
    help: 'bytes the journal keeps, as JSON; the oldest entries go first',
    default: '33554432 = 32 MiB',
  },
  log: {
    type: 'string',
    choices: LOG_FORMATS,
    help: 'console log: pretty, json (one object per line, for CI logs) or silent',
    default: 'pretty',
  },
  'allow-host': {
    type: 'string',
    arg: 'H',
    repeatable: true,
    help: "another Host name the control API answers, besides localhost, 127.0.0.1, [::1] and --base-url's host (DNS-rebinding guard, docs/reference/control-api.md); e.g. the service name in docker compose",
  },
  fault: {
    type: 'string',
    arg: 'RULE',
    repeatable: true,
    help: 'break replies on purpose, e.g. "op=favor.sendCoupon SYSTEM_ERROR after times=1", "latency=100ms..800ms", "mchid=1900000001 reset p=0.1 seed=7" (docs/guides/faults.md); /_mock/faults adds more at run time; a reset restores these rules',
  },
  'allow-fault-header': {
    type: 'boolean',
    help: 'honour the Wechatpay-Mock-Fault request header (e.g. SYSTEM_ERROR, latency=800ms)',
  },
} as const satisfies OptionTable;

/** start only: the state it begins from and leaves behind. */
export const START_OPTIONS = {
  ...MOCK_OPTIONS,
  import: {
    type: 'string',
    arg: 'FILE',
    help: 'begin from a snapshot (wxpay-mock export, GET /_mock/snapshot); a bad one stops the start',
  },
  'export-on-exit': { type: 'string', arg: 'FILE', help: 'write a snapshot to FILE when stopped (SIGINT/SIGTERM)' },
  scenario: {
    type: 'string',
    arg: 'FILE',
    help: 'apply a scenario after the start (fixtures/scenarios/, docs/guides/snapshots-and-scenarios.md); a refused step stops the start and names its step and line',
  },
} as const satisfies OptionTable;

const FORMAT = { type: 'string', choices: REPORT_FORMATS, help: 'the report format: text, json or junit', default: 'text' } as const;
const OUT = {
  type: 'string',
  arg: 'FILE',
  help: 'write the report to FILE in --format, and the text report to stdout',
} as const;

export const EXEC_OPTIONS = {
  ...MOCK_OPTIONS,
  data: { ...MOCK_OPTIONS.data, default: 'in memory' },
  store: { ...MOCK_OPTIONS.store, default: 'none; $WXPAY_MOCK_DATABASE_URL is not read' },
  'in-memory': { ...MOCK_OPTIONS['in-memory'], help: 'keep state in memory only (what exec does unless --data or --store)' },
  log: { ...MOCK_OPTIONS.log, help: `${MOCK_OPTIONS.log.help}; exec logs to stderr (the command's stdout stays its own)` },
  'report-strict': { type: 'boolean', help: 'exit 1 when the command passed but the report has a violation' },
  format: FORMAT,
  out: OUT,
} as const satisfies OptionTable;

/** Commands that call a running mock. */
const URL = { type: 'string', arg: 'URL', help: 'the running mock', default: `$WXPAY_MOCK_URL or ${DEFAULT_URL}` } as const;
const JSON_OUTPUT = { type: 'boolean', help: 'print JSON instead of text' } as const;

export const CREDENTIALS_OPTIONS = {
  json: { type: 'boolean', help: 'print JSON (PEM text included) instead of an env block' },
  fixtures: MOCK_OPTIONS.fixtures,
  seed: MOCK_OPTIONS.seed,
} as const satisfies OptionTable;

export const USE_COUPON_OPTIONS = {
  url: URL,
  'consume-mchid': {
    type: 'string',
    arg: 'M',
    help: 'the merchant that consumes it (consume_information.consume_mchid)',
    default: "the stock's first available merchant",
  },
  'transaction-id': { type: 'string', arg: 'T', help: 'the payment transaction_id' },
  'consume-time': { type: 'string', arg: 'T', help: 'the consume_time (RFC 3339)', default: "the virtual clock's now" },
  wait: {
    type: 'string',
    choices: ['attempt', 'settled', 'none'],
    help: 'print the delivery once its first attempt is answered, once it is delivered or failed, or at once',
    default: 'attempt',
  },
  json: JSON_OUTPUT,
} as const satisfies OptionTable;

export const REPORT_OPTIONS = {
  url: URL,
  format: FORMAT,
  out: OUT,
  strict: { type: 'boolean', help: 'warnings fail the report too' },
} as const satisfies OptionTable;

export const OPENAPI_OPTIONS = {
  server: { type: 'string', arg: 'URL', help: 'the URL put in "servers"', default: `$WXPAY_MOCK_URL or ${DEFAULT_URL}` },
  out: { type: 'string', arg: 'FILE', help: 'write the document to FILE instead of stdout' },
} as const satisfies OptionTable;

export const CHECK_HANDLER_OPTIONS = {
  mchid: { type: 'string', arg: 'M', help: 'the merchant whose keys sign the notifications', default: 'the first fixture merchant' },
  fixtures: MOCK_OPTIONS.fixtures,
  junit: { type: 'string', arg: 'FILE', help: 'also write the verdicts as JUnit XML, one test case per row' },
  json: { type: 'boolean', help: 'print the verdicts as JSON' },
} as const satisfies OptionTable;

export const STATE_OPTIONS = { url: URL } as const satisfies OptionTable;

export const TRIGGER_OPTIONS = {
  url: URL,
  mchid: { type: 'string', arg: 'M', help: 'the merchant', default: 'the first fixture merchant' },
  'notify-url': { type: 'string', arg: 'URL', help: "set the merchant's notify URL first (POST /v3/marketing/favor/callbacks)" },
  wait: {
    type: 'string',
    choices: ['attempt', 'settled'],
    help: 'print the delivery once its first attempt is answered, or once it is delivered or failed',
    default: 'attempt',
  },
  json: JSON_OUTPUT,
} as const satisfies OptionTable;

export const PROXY_OPTIONS = {
  upstream: { type: 'string', arg: 'URL', help: 'where requests go: scheme://host[:port] (required)' },
  port: { ...MOCK_OPTIONS.port, help: 'port to listen on, 127.0.0.1 only; 0 picks a free one', default: String(DEFAULT_PROXY_PORT) },
  'journal-size': MOCK_OPTIONS['journal-size'],
} as const satisfies OptionTable;
