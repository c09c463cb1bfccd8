/**
 * The options of createApp, startMock and the CLI: what a caller may pass (MockOptions), and the one
 * resolveOptions that checks them and applies every default, so each module reads a ResolvedOptions
 * and none has a default of its own.
 */
import { DEFAULT_TIMEOUT_MS } from './callbacks/sender.js';
import { DEFAULT_JOURNAL_BYTES } from './journal.js';
import { LOG_FORMATS, type LogFormat } from './log.js';
import { DEFAULT_CONTRACTS_DIR, DEFAULT_FIXTURES_DIR } from './paths.js';
import { didYouMean } from './suggest.js';

/**
 * How close to production the mock judges requests (docs/reference/programmatic-api.md#fidelity):
 * `real` (the default) answers as the real API does, with three local-testing allowances (http notify
 * URLs on loopback without a probe; no rate limits; images of any pixel size); `lenient` also
 * takes requests real clients get right but hand-written tests often do not; `strict` adds what
 * production checks that a local test setup usually cannot meet, and refuses fields the real API would
 * only tolerate.
 */
export const FIDELITY_PROFILES = ['lenient', 'real', 'strict'] as const;
export type FidelityProfile = (typeof FIDELITY_PROFILES)[number];

/** Each check a fidelity profile sets; `fidelityOverrides` sets one of them whatever the profile. */
export interface FidelityChecks {
  /** Accept and User-Agent headers: `required` (the real API's rule on most paths) or `optional`. */
  headers: 'required' | 'optional';
  /** Image URLs in stocks and activities: `issued` (only media_urls this mock's upload handed out, the real rule) or `any` http(s) URL. */
  mediaUrls: 'issued' | 'any';
  /** Uploaded images where used: `documented` (a stock's logo 120×120 px and coupon image 850×350 px, an award's small image 120×120 px, as the docs require) or `any` size. */
  imageSizes: 'any' | 'documented';
  /** Notify URLs: `loopback-http` (https, or http on a loopback host; not probed) or `https-reachable` (https that answers a HEAD probe, the real rule). */
  notifyUrl: 'loopback-http' | 'https-reachable';
  /** Body fields the contracts mark `x-not-open`: `journal` (accepted, as the real API does, and journaled as a finding) or `refuse` (the undeclared-field error). */
  notOpenFields: 'journal' | 'refuse';
  /** The documented request frequencies: `off` or `enforce` (the documented 429, operations/rate-limits.ts). */
  rateLimits: 'off' | 'enforce';
  /** 代金券 use-flow / refund-flow download URLs: on the mock's own base URL (`mock`) or on `https://api.mch.weixin.qq.com` (`real-host`, for clients that rewrite the host). */
  billUrls: 'mock' | 'real-host';
}

/** The profiles, one column each (the table in docs/reference/programmatic-api.md). */
export const FIDELITY: Readonly<Record<FidelityProfile, Readonly<FidelityChecks>>> = {
  lenient: {
    headers: 'optional',
    mediaUrls: 'any',
    imageSizes: 'any',
    notifyUrl: 'loopback-http',
    notOpenFields: 'journal',
    rateLimits: 'off',
    billUrls: 'mock',
  },
  real: {
    headers: 'required',
    mediaUrls: 'issued',
    imageSizes: 'any',
    notifyUrl: 'loopback-http',
    notOpenFields: 'journal',
    rateLimits: 'off',
    billUrls: 'mock',
  },
  strict: {
    headers: 'required',
    mediaUrls: 'issued',
    imageSizes: 'documented',
    notifyUrl: 'https-reachable',
    notOpenFields: 'refuse',
    rateLimits: 'enforce',
    billUrls: 'mock',
  },
};
export const DEFAULT_FIDELITY: FidelityProfile = 'real';

const CHECK_VALUES: { [K in keyof FidelityChecks]: readonly FidelityChecks[K][] } = {
  headers: ['required', 'optional'],
  mediaUrls: ['issued', 'any'],
  imageSizes: ['any', 'documented'],
  notifyUrl: ['loopback-http', 'https-reachable'],
  notOpenFields: ['journal', 'refuse'],
  rateLimits: ['off', 'enforce'],
  billUrls: ['mock', 'real-host'],
};

/**
 * The booleans before fidelity profiles, kept working: each is an override of one check (`true` → the
 * first value, `false` → the second). Deprecated: use `fidelityOverrides`.
 */
const ALIASES = {
  relaxHeaders: ['headers', 'optional', 'required'],
  relaxMediaUrls: ['mediaUrls', 'any', 'issued'],
  strictNotifyUrl: ['notifyUrl', 'https-reachable', 'loopback-http'],
  strictContracts: ['notOpenFields', 'refuse', 'journal'],
  rateLimits: ['rateLimits', 'enforce', 'off'],
  realBillUrls: ['billUrls', 'real-host', 'mock'],
} as const;

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
  /** The fidelity profile (default `real`): which checks the mock applies, see FidelityChecks. */
  fidelity?: FidelityProfile;
  /** Checks set whatever the profile, e.g. `{ fidelity: 'strict', fidelityOverrides: { notifyUrl: 'loopback-http' } }`. */
  fidelityOverrides?: Partial<FidelityChecks>;
  /** @deprecated `fidelityOverrides: { headers: 'optional' }` (true) / `'required'` (false). */
  relaxHeaders?: boolean;
  /** Validate every 2xx body against its contract; a mismatch becomes a 500 with the finding (tests). */
  validateResponses?: boolean;
  /** Serve the control API to non-loopback clients too. */
  allowRemoteControl?: boolean;
  /** @deprecated `fidelityOverrides: { notifyUrl: 'https-reachable' }` (true) / `'loopback-http'` (false). */
  strictNotifyUrl?: boolean;
  /** @deprecated `fidelityOverrides: { notOpenFields: 'refuse' }` (true) / `'journal'` (false). */
  strictContracts?: boolean;
  /** Journal capacity (entries, default 2000). */
  journalSize?: number;
  /** Journal capacity in bytes of JSON (default 32 MiB): the oldest entries go first when either cap is reached. */
  journalBytes?: number;
  /**
   * Console log, one line per API request, control change and COUPON.USE attempt: `pretty`, `json`
   * (one JSON object per line) or `silent` (default for createApp/startMock; the CLI's start logs pretty).
   */
  log?: LogFormat;
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
  /** @deprecated `fidelityOverrides: { mediaUrls: 'any' }` (true) / `'issued'` (false). */
  relaxMediaUrls?: boolean;
  /** @deprecated `fidelityOverrides: { billUrls: 'real-host' }` (true) / `'mock'` (false). */
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
  /** @deprecated `fidelityOverrides: { rateLimits: 'enforce' }` (true) / `'off'` (false); the strict profile enforces them. */
  rateLimits?: boolean;
  /** Replace the handler registry (tests of the start-up checks). */
  handlers?: Record<string, import('./operations/types.js').Handler>;
}

/** startMock's options: the app's and where to listen. */
export interface StartOptions extends MockOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the control API is unauthenticated. */
  host?: string;
}

/** Every option with its default applied: what the modules read (createApp passes it on). */
export interface ResolvedOptions {
  fixturesDir: string;
  contractsDir: string;
  seed?: number;
  dataFile?: string;
  store?: import('./store/port.js').StoreBackend;
  /** The profile asked for (the checks below may differ from it by overrides). */
  fidelity: FidelityProfile;
  /** The checks in force: the profile's, with the overrides applied. The one place code reads fidelity from. */
  checks: Readonly<FidelityChecks>;
  validateResponses: boolean;
  allowRemoteControl: boolean;
  journalSize: number;
  journalBytes: number;
  log: LogFormat;
  /** Undefined: the console (log.ts decides color by the TTY). */
  logWrite?: (text: string) => void;
  logColor?: boolean;
  allowHosts: string[];
  bodyLimit: number;
  baseUrl?: string;
  /** COUPON.USE delivery (callbacks/dispatcher.ts DispatcherOptions, without `validate`). */
  callbacks: { timeScale: number; probe: boolean; timeoutMs: number; concurrency: number; logSize: number };
  faults: (import('./faults/rules.js').FaultRuleSpec | string)[];
  allowFaultHeader: boolean;
  handlers?: Record<string, import('./operations/types.js').Handler>;
}

export interface ResolvedStartOptions extends ResolvedOptions {
  port: number;
  host: string;
}

/** A programmatic option that is unknown or out of range (createApp, startMock): thrown before anything starts. */
export class OptionsError extends TypeError {}

type Check =
  'boolean' | 'string' | 'count' | 'seed' | 'positive' | 'url' | 'log' | 'hosts' | 'profile' | 'overrides' | 'port' | 'address' | 'any';

/** Every option and what its value must be; a Record, so an option added to MockOptions without a check does not compile. */
const OPTION_CHECKS: Record<keyof MockOptions, Check> = {
  fixturesDir: 'string',
  contractsDir: 'string',
  seed: 'seed',
  dataFile: 'string',
  store: 'any',
  fidelity: 'profile',
  fidelityOverrides: 'overrides',
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

const START_CHECKS: Record<'port' | 'host', Check> = { port: 'port', host: 'address' };

const valid: Record<Check, [(v: unknown) => boolean, string]> = {
  boolean: [(v) => typeof v === 'boolean', 'true or false'],
  string: [(v) => typeof v === 'string' && v !== '', 'a non-empty string'],
  count: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'an integer ≥ 1'],
  seed: [(v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 2 ** 31 - 1, 'an integer from 0 to 2147483647'],
  positive: [(v) => typeof v === 'number' && Number.isFinite(v) && v > 0, 'a finite number > 0'],
  url: [(v) => typeof v === 'string' && /^https?:\/\/[^/]/.test(v) && URL.canParse(v), 'an absolute http(s) URL'],
  log: [(v) => (LOG_FORMATS as readonly unknown[]).includes(v), LOG_FORMATS.join(', ')],
  hosts: [(v) => Array.isArray(v) && v.every((h) => typeof h === 'string' && h !== ''), 'an array of host names'],
  profile: [(v) => (FIDELITY_PROFILES as readonly unknown[]).includes(v), FIDELITY_PROFILES.join(', ')],
  // Its keys and values are checked one by one (fidelityOf), to name the one that is wrong.
  overrides: [(v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object of fidelity checks'],
  port: [(v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535, 'an integer from 0 to 65535 (0: a free port)'],
  address: [(v) => typeof v === 'string' && v !== '', 'an address to bind, e.g. 127.0.0.1'],
  any: [() => true, ''],
};

/**
 * Checks every option and applies every default: the one place either happens. Plain JavaScript
 * callers get no type check, so an unknown option (`{ prot: 0 }`) or a value out of range is refused
 * here with an OptionsError naming it, instead of being ignored or breaking a request later.
 * `startMock` resolves its `port` and `host` too (`{ listen: true }`); createApp refuses them.
 */
export function resolveOptions(o: MockOptions): ResolvedOptions;
export function resolveOptions(o: StartOptions, mode: { listen: true }): ResolvedStartOptions;
export function resolveOptions(o: StartOptions, mode: { listen?: boolean } = {}): ResolvedOptions | ResolvedStartOptions {
  checkNames(o, mode.listen ? { ...OPTION_CHECKS, ...START_CHECKS } : OPTION_CHECKS);
  const { profile, checks } = fidelityOf(o);
  const resolved: ResolvedOptions = {
    fixturesDir: o.fixturesDir ?? DEFAULT_FIXTURES_DIR,
    contractsDir: o.contractsDir ?? DEFAULT_CONTRACTS_DIR,
    seed: o.seed,
    dataFile: o.dataFile,
    store: o.store,
    fidelity: profile,
    checks,
    validateResponses: o.validateResponses ?? false,
    allowRemoteControl: o.allowRemoteControl ?? false,
    journalSize: o.journalSize ?? 2000,
    journalBytes: o.journalBytes ?? DEFAULT_JOURNAL_BYTES,
    // Silent unless asked (the CLI's start asks for pretty): a test suite's output stays its own.
    log: o.log ?? 'silent',
    logWrite: o.logWrite,
    logColor: o.logColor,
    allowHosts: o.allowHosts ?? [],
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    baseUrl: o.baseUrl,
    callbacks: {
      timeScale: o.callbackTimeScale ?? 1,
      probe: o.callbackProbe ?? false,
      timeoutMs: o.callbackTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      concurrency: o.callbackConcurrency ?? 32,
      logSize: o.callbackLogSize ?? 1000,
    },
    faults: o.faults ?? [],
    allowFaultHeader: o.allowFaultHeader ?? false,
    handlers: o.handlers,
  };
  if (!mode.listen) return resolved;
  return { ...resolved, port: o.port ?? 0, host: o.host ?? '127.0.0.1' };
}

function checkNames(o: object, checks: Record<string, Check>): void {
  if (o === null || typeof o !== 'object')
    throw new OptionsError(`wxpay-mock: options must be an object, got ${o === null ? 'null' : typeof o}`);
  for (const [name, value] of Object.entries(o)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(checks, name))
      throw new OptionsError(`wxpay-mock: unknown option "${name}"${didYouMean(name, Object.keys(checks))}`);
    const [ok, expected] = valid[checks[name]];
    if (!ok(value)) throw new OptionsError(`wxpay-mock: option ${name} must be ${expected}, got ${describeValue(value)}`);
  }
}

/** What is wrong with setting fidelity check `check` to `value` (named `label` in the text), or undefined. */
export function overrideProblem(check: string, value: unknown, label: string): string | undefined {
  if (!Object.hasOwn(CHECK_VALUES, check)) return `unknown fidelity check "${check}"${didYouMean(check, Object.keys(CHECK_VALUES))}`;
  const allowed = CHECK_VALUES[check as keyof FidelityChecks] as readonly string[];
  if (!allowed.includes(value as string)) return `${label} must be ${allowed.join(' or ')}, got ${describeValue(value)}`;
  return undefined;
}

/** The profile's checks, then the deprecated booleans, then `fidelityOverrides`; an alias and an override that disagree are refused. */
function fidelityOf(o: MockOptions): { profile: FidelityProfile; checks: Readonly<FidelityChecks> } {
  const profile = o.fidelity ?? DEFAULT_FIDELITY;
  const checks: Record<string, string> = { ...FIDELITY[profile] };
  const setBy: Record<string, string> = {};
  for (const [alias, [check, whenTrue, whenFalse]] of Object.entries(ALIASES)) {
    const value = o[alias as keyof typeof ALIASES];
    if (value === undefined) continue;
    checks[check] = value ? whenTrue : whenFalse;
    setBy[check] = alias;
  }
  for (const [check, value] of Object.entries(o.fidelityOverrides ?? {})) {
    if (value === undefined) continue;
    const problem = overrideProblem(check, value, `fidelityOverrides.${check}`);
    if (problem) throw new OptionsError(`wxpay-mock: ${problem}`);
    if (setBy[check] && checks[check] !== value)
      throw new OptionsError(
        `wxpay-mock: ${setBy[check]}: ${String(o[setBy[check] as keyof typeof ALIASES])} and fidelityOverrides.${check}: "${value}" disagree (${setBy[check]} is the older name of that override: keep one)`,
      );
    checks[check] = value;
  }
  return { profile, checks: Object.freeze(checks as unknown as FidelityChecks) };
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}
