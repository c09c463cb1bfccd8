/**
 * Runs the shared scenarios (test/conformance/*.case.ts) through one client: a fresh mock on a real
 * port, the client made for one merchant, then every family in order. One test file per client
 * calls `runConformance` (test/conformance-*.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock, type MerchantCredentials, type RunningMock, type StartOptions } from '../../mock-server/index.js';
import { callbackCases } from './callbacks.case.js';
import type { VerificationMode } from '../../mock-server/world.js';
import type { ApiClient } from './client.js';
import { favorCases } from './favor.case.js';
import { partnershipCases } from './partnerships.case.js';
import { paygiftCases } from './paygift.case.js';
import { control, PROFILES, type Control, type MerchantProfile } from './world.js';

export interface ScenarioContext {
  mock: RunningMock;
  client: ApiClient;
  /** The same kind of client for another merchant, in that merchant's own verification mode. */
  clientFor(mchid: string): Promise<ApiClient>;
  profile: MerchantProfile;
  control: Control;
  /** The serial the merchant's replies and callbacks are signed with: platform certificate or PUB_KEY_ID_…. */
  signingSerial: string;
}

/** Read inside a test: the context is built in beforeAll. */
export type Scenario = () => ScenarioContext;

export type { VerificationMode };

export type Family = 'favor' | 'paygift' | 'callbacks' | 'partnerships';

export interface ClientUnderTest {
  /** Names the describe block, e.g. "wechatpay-axios-plugin, certificate mode (1900000001)". */
  label: string;
  mchid: keyof typeof PROFILES;
  /** A client for `merchant` that trusts the key of `mode` (its replies are signed with it). */
  create(mock: RunningMock, merchant: MerchantCredentials, mode: VerificationMode): ApiClient | Promise<ApiClient>;
  /** The mode of the merchant under test (default: its fixture mode). */
  mode?: VerificationMode;
  mockOptions?: StartOptions;
  families?: Family[];
  /** Checks of this client's own (its certificate download, its error type …), after the families, on the same mock. */
  more?: (s: Scenario) => void;
}

const CASES: Record<Family, (s: Scenario) => void> = {
  favor: favorCases,
  paygift: paygiftCases,
  callbacks: callbackCases,
  partnerships: partnershipCases,
};

const TITLES: Record<Family, string> = {
  favor: '代金券: create → start → send → query → use → use-flow → refund → refund-flow',
  paygift: '支付有礼: upload logo → create → detail → merchants → list → terminate',
  callbacks: 'COUPON.USE: notify URL → use → verify and decrypt with the client’s helpers',
  partnerships: '委托营销: build → list → partner sends → terminate',
};

export function runConformance(under: ClientUnderTest) {
  describe(under.label, () => {
    let ctx: ScenarioContext | undefined;
    beforeAll(async () => {
      const mock = await startMock({ validateResponses: true, ...under.mockOptions });
      const merchantOf = (mchid: string) => mock.credentials.merchants.find((m) => m.mchid === mchid)!;
      const profile = PROFILES[under.mchid];
      const mode = under.mode ?? profile.mode;
      const others = new Map<string, Promise<ApiClient>>();
      ctx = {
        mock,
        client: await under.create(mock, merchantOf(under.mchid), mode),
        clientFor(mchid) {
          if (!others.has(mchid))
            others.set(mchid, Promise.resolve(under.create(mock, merchantOf(mchid), merchantOf(mchid).verification_mode)));
          return others.get(mchid)!;
        },
        profile,
        control: control(mock.url),
        signingSerial: mode === 'certificate' ? mock.credentials.platform_serial_no : mock.credentials.public_key_id,
      };
    });
    afterAll(() => ctx?.mock.close());
    const scenario: Scenario = () => {
      if (!ctx) throw new Error('the mock did not start');
      return ctx;
    };
    for (const family of under.families ?? (Object.keys(CASES) as Family[])) describe(TITLES[family], () => CASES[family](scenario));
    if (!under.families) {
      // The mock runs with validateResponses: a reply that breaks its contract is a 500, never a 2xx.
      it('every operation (but /v3/certificates) answered 2xx through this client, each reply valid against its contract, no findings but interop notes', () => {
        const { mock } = scenario();
        const ok = mock.journal().filter((e) => e.status >= 200 && e.status < 300);
        // Interop findings are a client's known quirks (wechatpay-node-v3's lower-case serial): noted, not wrong.
        const findings = ok.flatMap((e) => e.findings.filter((f) => f.kind !== 'interop').map((f) => [e.operation_id, f]));
        expect(findings).toEqual([]);
        const answered = new Set(ok.map((e) => e.operation_id));
        const ids = mock.mock.operations.map((o) => o.contract.operationId).filter((id) => id !== 'certificates.list');
        expect(ids.length).toBeGreaterThanOrEqual(29);
        expect(ids.filter((id) => !answered.has(id))).toEqual([]);
      });
    }
    if (under.more) describe('this client’s own', () => under.more!(scenario));
  });
}
