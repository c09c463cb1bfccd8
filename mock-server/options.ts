import { DEFAULT_JOURNAL_BYTES } from './journal.js';
import { LOG_FORMATS } from './log.js';
import { didYouMean } from './suggest.js';

/** Options shared by createApp, startMock and the CLI. */
export interface MockOptions {
  /** Fixture world directory (default: the package's fixtures/). */
  fixturesDir?: string;
  /** Contract directory (default: the package's contracts/). */
  contractsDir?: string;
  /** Adds faker-generated users and goods, reproducibly. */
  seed?: number;
  /** JSON data file (its change log and media beside it); omitted → in memory. */
  dataFile?: string;
  /** Another implementation of the store port (mock-server/store/port.ts), e.g. PostgreSQL; wins over dataFile. */
  store?: import('./store/port.js').StoreBackend;
  /** Do not require Accept and User-Agent headers (the real server checks them on some paths only). */
  relaxHeaders?: boolean;
  /** Validate every 2xx body against its contract; a mismatch becomes a 500 with the finding (tests). */
  validateResponses?: boolean;
  /** Serve the control API to non-loopback clients too. */
  allowRemoteControl?: boolean;
  /** Require https notify URLs that answer a HEAD probe, like the real API (default: http is accepted on loopback hosts, no probe). */
  strictNotifyUrl?: boolean;
  /**
   * Also refuse body fields the contracts mark `x-not-open` (accepted by the real API, not open for the
   * endpoint) with the undeclared-field error; without it they are accepted and journaled as findings.
   */
  strictContracts?: boolean;
  /** Journal capacity (entries, default 2000). */
  journalSize?: number;
  /** Journal capacity in bytes of JSON (default 32 MiB): the oldest entries go first when either cap is reached. */
  journalBytes?: number;
  /**
   * Console log, one line per API request, control change and COUPON.USE attempt: `pretty`, `json`
   * (one JSON object per line) or `silent` (default for createApp/startMock; the CLI's start logs pretty).
   */
  log?: import('./log.js').LogFormat;
  /** Where log lines go (default process.stdout, colored when it is a TTY). */
  logWrite?: (text: string) => void;
  /** Color the log (default: when it goes to process.stdout and that is a TTY, unless NO_COLOR is set). */
  logColor?: boolean;
  /**
   * More Host names the control API (/_mock/) answers, besides localhost, 127.0.0.1, [::1] and the
   * host of `baseUrl` (DNS-rebinding guard). `*` answers any Host.
   */
  allowHosts?: string[];
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Base URL of URLs the mock hands out (media_url, bill files, OpenAPI servers); default: the address the request arrived on, never its Host header. */
  baseUrl?: string;
  /** Accept any http(s) image URL where one from the image-upload API is required (default: only URLs this mock issued). */
  relaxMediaUrls?: boolean;
  /**
   * 代金券 use-flow / refund-flow answer `https://api.mch.weixin.qq.com/v3/billdownload/file?token=…`,
   * as the real API does, for clients that rewrite the host (default: the mock's own base URL).
   */
  realBillUrls?: boolean;
  /** COUPON.USE delivery: divide the 1-minute retry interval by this (e.g. 60 → every virtual second; default 1). */
  callbackTimeScale?: number;
  /** Send a `WECHATPAY/SIGNTEST/` probe before the first valid attempt of every delivery (default false). */
  callbackProbe?: boolean;
  /** Real ms a receiver has to answer (default 5000, the real rule). */
  callbackTimeoutMs?: number;
  /** Deliveries in flight at once (default 32). */
  callbackConcurrency?: number;
  /** Settled deliveries kept in the log (default 1000; pending ones are never dropped). */
  callbackLogSize?: number;
  /**
   * Fault rules installed at start (`--fault`): JSON rules or one-line texts (faults/rules.ts); reset
   * restores them. More at run time through `mock.faults` or /_mock/faults.
   */
  faults?: (import('./faults/rules.js').FaultRuleSpec | string)[];
  /** Honour the per-request `Wechatpay-Mock-Fault` header (default false: the header is ignored). */
  allowFaultHeader?: boolean;
  /**
   * Enforce the documented request frequencies (e.g. create stock 60/min per merchant) with the
   * documented 429, counted in windows of the virtual clock (operations/rate-limits.ts). Default off.
   */
  rateLimits?: boolean;
  /** Replace the handler registry (tests of the start-up checks). */
  handlers?: Record<string, import('./operations/types.js').Handler>;
}

export interface ResolvedOptions extends Required<
  Pick<
    MockOptions,
    | 'relaxHeaders'
    | 'validateResponses'
    | 'allowRemoteControl'
    | 'strictNotifyUrl'
    | 'strictContracts'
    | 'journalSize'
    | 'journalBytes'
    | 'bodyLimit'
    | 'relaxMediaUrls'
    | 'realBillUrls'
    | 'allowHosts'
    | 'allowFaultHeader'
    | 'rateLimits'
  >
> {
  baseUrl?: string;
}

export function resolveOptions(o: MockOptions): ResolvedOptions {
  return {
    relaxHeaders: o.relaxHeaders ?? false,
    validateResponses: o.validateResponses ?? false,
    allowRemoteControl: o.allowRemoteControl ?? false,
    strictNotifyUrl: o.strictNotifyUrl ?? false,
    strictContracts: o.strictContracts ?? false,
    relaxMediaUrls: o.relaxMediaUrls ?? false,
    realBillUrls: o.realBillUrls ?? false,
    journalSize: o.journalSize ?? 2000,
    journalBytes: o.journalBytes ?? DEFAULT_JOURNAL_BYTES,
    allowHosts: o.allowHosts ?? [],
    allowFaultHeader: o.allowFaultHeader ?? false,
    rateLimits: o.rateLimits ?? false,
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    baseUrl: o.baseUrl,
  };
}

/** A programmatic option that is unknown or out of range (createApp, startMock): thrown before anything starts. */
export class OptionsError extends TypeError {}

type Check = 'boolean' | 'string' | 'count' | 'seed' | 'positive' | 'url' | 'log' | 'hosts' | 'any';

/** Every option and what its value must be; a Record, so an option added to MockOptions without a check does not compile. */
const OPTION_CHECKS: Record<keyof MockOptions, Check> = {
  fixturesDir: 'string',
  contractsDir: 'string',
  seed: 'seed',
  dataFile: 'string',
  store: 'any',
  relaxHeaders: 'boolean',
  validateResponses: 'boolean',
  allowRemoteControl: 'boolean',
  strictNotifyUrl: 'boolean',
  strictContracts: 'boolean',
  journalSize: 'count',
  journalBytes: 'count',
  bodyLimit: 'count',
  baseUrl: 'url',
  relaxMediaUrls: 'boolean',
  realBillUrls: 'boolean',
  callbackTimeScale: 'positive',
  callbackProbe: 'boolean',
  callbackTimeoutMs: 'count',
  callbackConcurrency: 'count',
  callbackLogSize: 'count',
  handlers: 'any',
  log: 'log',
  logWrite: 'any',
  logColor: 'boolean',
  allowHosts: 'hosts',
  faults: 'any',
  allowFaultHeader: 'boolean',
  rateLimits: 'boolean',
};

const valid: Record<Check, [(v: unknown) => boolean, string]> = {
  boolean: [(v) => typeof v === 'boolean', 'true or false'],
  string: [(v) => typeof v === 'string' && v !== '', 'a non-empty string'],
  count: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'an integer ≥ 1'],
  seed: [(v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 2 ** 31 - 1, 'an integer from 0 to 2147483647'],
  positive: [(v) => typeof v === 'number' && Number.isFinite(v) && v > 0, 'a finite number > 0'],
  url: [(v) => typeof v === 'string' && /^https?:\/\/[^/]/.test(v) && URL.canParse(v), 'an absolute http(s) URL'],
  log: [(v) => (LOG_FORMATS as readonly unknown[]).includes(v), LOG_FORMATS.join(', ')],
  hosts: [(v) => Array.isArray(v) && v.every((h) => typeof h === 'string' && h !== ''), 'an array of host names'],
  any: [() => true, ''],
};

/**
 * Plain JavaScript callers get no type check: an unknown option (`{ prot: 0 }`) or a value out of range
 * is refused here, naming it, instead of being ignored or breaking a request later. `extra`: the
 * caller's own options (startMock: port, host) with their checks.
 */
export function checkOptions(o: object, extra: Record<string, [(v: unknown) => boolean, string]> = {}): void {
  if (o === null || typeof o !== 'object')
    throw new OptionsError(`wxpay-mock: options must be an object, got ${o === null ? 'null' : typeof o}`);
  const known = [...Object.keys(OPTION_CHECKS), ...Object.keys(extra)];
  for (const [name, value] of Object.entries(o)) {
    if (value === undefined) continue;
    const rule = extra[name] ?? (name in OPTION_CHECKS ? valid[OPTION_CHECKS[name as keyof MockOptions]] : undefined);
    if (!rule) throw new OptionsError(`wxpay-mock: unknown option "${name}"${didYouMean(name, known)}`);
    if (!rule[0](value)) throw new OptionsError(`wxpay-mock: option ${name} must be ${rule[1]}, got ${describeValue(value)}`);
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}
