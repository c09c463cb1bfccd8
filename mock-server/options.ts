/** Options shared by createApp, startMock and the CLI. */
export interface MockOptions {
  /** Fixture world directory (default: the package's fixtures/). */
  fixturesDir?: string;
  /** Contract directory (default: the package's contracts/). */
  contractsDir?: string;
  /** Adds faker-generated users and goods, reproducibly. */
  seed?: number;
  /** JSON data file; omitted → in memory. */
  dataFile?: string;
  /** Do not require Accept and User-Agent headers (the real server checks them on some paths only). */
  relaxHeaders?: boolean;
  /** Validate every 2xx body against its contract; a mismatch becomes a 500 with the finding (tests). */
  validateResponses?: boolean;
  /** Serve the control API to non-loopback clients too. */
  allowRemoteControl?: boolean;
  /** Require https notify URLs like the real API (default: http is accepted on loopback hosts). */
  strictNotifyUrl?: boolean;
  /** Journal capacity (entries). */
  journalSize?: number;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Base URL used in URLs the mock hands out when the request does not tell (default: from the Host header). */
  baseUrl?: string;
  /** Replace the handler registry (tests of the start-up checks). */
  handlers?: Record<string, import('./operations/types.js').Handler>;
}

export interface ResolvedOptions extends Required<Pick<MockOptions, 'relaxHeaders' | 'validateResponses' | 'allowRemoteControl' | 'strictNotifyUrl' | 'journalSize' | 'bodyLimit'>> {
  baseUrl?: string;
}

export function resolveOptions(o: MockOptions): ResolvedOptions {
  return {
    relaxHeaders: o.relaxHeaders ?? false,
    validateResponses: o.validateResponses ?? false,
    allowRemoteControl: o.allowRemoteControl ?? false,
    strictNotifyUrl: o.strictNotifyUrl ?? false,
    journalSize: o.journalSize ?? 2000,
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    baseUrl: o.baseUrl,
  };
}
