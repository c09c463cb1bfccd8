/**
 * The shared scenarios through the language-neutral client scripts/curl-client/wxpay-curl.sh
 * (openssl signs, curl sends, openssl verifies): a worked reference of the algorithm for Go, Java and
 * PHP users, run as a child process against a started mock.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock, type RunningMock } from '../mock-server/index.js';
import { curlClient, curlEnv, runScript } from './conformance/clients/curl.js';
import { runConformance } from './conformance/suite.js';

runConformance({
  label: 'wxpay-curl.sh, certificate mode (1900000001)',
  mchid: '1900000001',
  create: (mock, merchant, mode) => curlClient(mock.url, mock.credentials, merchant, mode),
});

// Public-key mode changes only which key verifies replies and callbacks: the callbacks family shows
// both (its notify URL, stock, start and send replies, then the COUPON.USE), and a process per request
// is the slow part of this file.
runConformance({
  label: 'wxpay-curl.sh, public-key mode (1900000002)',
  mchid: '1900000002',
  create: (mock, merchant, mode) => curlClient(mock.url, mock.credentials, merchant, mode),
  families: ['callbacks'],
});

describe('wxpay-curl.sh itself', () => {
  let mock: RunningMock;
  let env: Record<string, string>;
  beforeAll(async () => {
    mock = await startMock();
    env = curlEnv(mock.url, mock.credentials, mock.credentials.merchants[0], 'certificate');
  });
  afterAll(() => mock?.close());

  it('needs only bash, curl and openssl', () => {
    for (const tool of ['curl', 'openssl']) expect(() => execFileSync('bash', ['-c', `command -v ${tool}`])).not.toThrow();
  });

  it('refuses a reply it cannot verify: exit 2 when it trusts another key under the platform serial', async () => {
    const wrongKey = { ...env, WXPAY_PLATFORM_CERTIFICATE_PATH: mock.credentials.merchants[0].merchant_certificate_path };
    const run = await runScript(['GET', '/v3/certificates'], wrongKey);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('HTTP 200');
    expect(run.stderr).toContain('signature does not verify');
  });

  it('refuses a reply signed with a key it does not hold: exit 2 for a PUB_KEY_ID_… reply in certificate mode', async () => {
    const run = await runScript(['GET', '/v3/certificates'], { ...env, WXPAY_SERIAL: mock.credentials.public_key_id });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Wechatpay-Serial ${mock.credentials.public_key_id} names no key this client trusts`);
  });

  it('an error reply: exit 1, the envelope on stdout, unsigned', async () => {
    const run = await runScript(['GET', '/v3/marketing/favor/callbacks?mchid=1900000003'], env);
    expect([run.code, JSON.parse(run.stdout.toString())]).toEqual([1, { code: 'INVALID_REQUEST', message: '非法的商户号' }]);
  });

  it('usage errors exit 64', async () => {
    expect((await runScript(['GET', 'v3/no-leading-slash'], env)).code).toBe(64);
    expect((await runScript(['GET', '/v3/certificates', '{"body":"on a GET"}'], env)).code).toBe(64);
    expect((await runScript(['GET', '/v3/certificates'], { WXPAY_MOCK_URL: mock.url })).code).toBe(64);
  });
});
