/**
 * The mock's flags (options.ts MOCK_OPTIONS) as startMock options, for start and exec: the checks
 * the table cannot declare (fault rules, exclusive flags, URLs, `--check NAME=VALUE`), then the mapping
 * to option names, which resolveOptions judges before anything starts.
 */
import { ruleSpecFromText } from '../faults/rules.js';
import type { LogFormat } from '../log.js';
import { OptionsError, overrideProblem, resolveOptions, type FidelityChecks, type FidelityProfile } from '../options.js';
import type { StartOptions } from '../server.js';
import { DEFAULT_PORT, type MOCK_OPTIONS } from './options.js';
import { UsageError, type OptionValues } from './spec.js';

type MockValues = OptionValues<typeof MOCK_OPTIONS>;

/** Throws UsageError (exit 2) before anything starts. */
export function checkMockValues(values: MockValues): void {
  for (const text of values.fault ?? []) {
    try {
      ruleSpecFromText(text);
    } catch (err) {
      throw new UsageError(`--fault "${text}": ${(err as Error).message}`);
    }
  }
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
  // The rest is resolveOptions' to judge (one place), e.g. --check headers=required beside --relax-headers:
  // its refusal is a usage error here, before anything starts.
  try {
    resolveOptions(mockStartOptions(values, undefined), { listen: true });
  } catch (err) {
    if (err instanceof OptionsError) throw new UsageError(err.message.replace(/^wxpay-mock: /, ''));
    throw err;
  }
}

/** `--check NAME=VALUE` flags as `fidelityOverrides`; a malformed, unknown or repeated one is a UsageError. */
function fidelityOverridesOf(flags: string[] | undefined): Partial<FidelityChecks> | undefined {
  if (!flags?.length) return undefined;
  const overrides: Record<string, string> = {};
  for (const text of flags) {
    const [, name, value] = /^([^=]+)=(.*)$/.exec(text) ?? [];
    if (name === undefined) throw new UsageError(`--check must be NAME=VALUE, e.g. imageSizes=documented, got "${text}"`);
    const problem = overrideProblem(name, value, `--check ${name}`);
    if (problem) throw new UsageError(problem);
    if (Object.hasOwn(overrides, name) && overrides[name] !== value)
      throw new UsageError(`--check ${name} is given twice, as ${overrides[name]} and ${value}`);
    overrides[name] = value;
  }
  return overrides as Partial<FidelityChecks>;
}

/** The mock's options from the flags; the log is pretty unless --log says otherwise. */
export function mockStartOptions(
  values: MockValues,
  dataFile: string | undefined,
  logWrite?: (text: string) => void,
  color?: boolean,
): StartOptions {
  return {
    port: values.port ?? DEFAULT_PORT,
    host: values.host,
    dataFile,
    seed: values.seed,
    fixturesDir: values.fixtures,
    fidelity: values.fidelity as FidelityProfile | undefined,
    fidelityOverrides: fidelityOverridesOf(values.check),
    relaxHeaders: values['relax-headers'],
    strictNotifyUrl: values['strict-notify-url'],
    relaxMediaUrls: values['relax-media-urls'],
    realBillUrls: values['real-bill-urls'],
    allowRemoteControl: values['allow-remote-control'],
    baseUrl: values['base-url'],
    callbackTimeScale: values['callback-time-scale'] === undefined ? undefined : Number(values['callback-time-scale']),
    callbackProbe: values['callback-probe'],
    callbackTimeoutMs: values['callback-timeout'],
    strictContracts: values.strict,
    journalSize: values['journal-size'],
    // The strict fidelity profile includes the documented frequencies (issue 13).
    rateLimits: values['rate-limits'] || values.strict,
    journalBytes: values['journal-bytes'],
    allowHosts: values['allow-host'],
    faults: values.fault,
    allowFaultHeader: values['allow-fault-header'],
    log: (values.log as LogFormat | undefined) ?? 'pretty',
    logWrite,
    logColor: color,
  };
}
