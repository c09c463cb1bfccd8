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
  /** Require https notify URLs that answer a HEAD probe, like the real API (default: http is accepted on loopback hosts, no probe). */
  strictNotifyUrl?: boolean;
  /**
   * Also refuse body fields the contracts mark `x-not-open` (accepted by the real API, not open for the
   * endpoint) with the undeclared-field error; without it they are accepted and journaled as findings.
   */
  strictContracts?: boolean;
  /** Journal capacity (entries). */
  journalSize?: number;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Base URL used in URLs the mock hands out when the request does not tell (default: from the Host header). */
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
    | 'bodyLimit'
    | 'relaxMediaUrls'
    | 'realBillUrls'
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
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    baseUrl: o.baseUrl,
  };
}
