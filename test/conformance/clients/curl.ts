/**
 * The language-neutral client: scripts/curl-client/wxpay-curl.sh (openssl signs, curl sends, openssl
 * verifies), run as a child process with the env block `wxpay-mock credentials` prints. The client
 * trusts one key, like a real merchant: the platform certificate or the WeChat Pay public key.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Credentials, MerchantCredentials } from '../../../mock-server/index.js';
import type { ApiClient, EncryptedResource, ReceivedNotification, Reply } from '../client.js';

export const CURL_CLIENT = fileURLToPath(new URL('../../../scripts/curl-client/wxpay-curl.sh', import.meta.url));

export interface ScriptRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs the script; resolves with its exit code (never rejects on a non-zero exit). */
export function runScript(args: string[], env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [CURL_CLIENT, ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number'
            ? (err as unknown as { code: number }).code
            : -1
          : 0;
        if (code === -1) return reject(err);
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}

/** The env block for one merchant, trusting the key of `mode` only. */
export function curlEnv(
  baseUrl: string,
  credentials: Credentials,
  merchant: MerchantCredentials,
  mode: 'certificate' | 'public_key',
): Record<string, string> {
  return {
    WXPAY_MOCK_URL: baseUrl,
    WXPAY_MCHID: merchant.mchid,
    WXPAY_MERCHANT_SERIAL_NO: merchant.merchant_serial_no,
    WXPAY_MERCHANT_PRIVATE_KEY_PATH: merchant.merchant_private_key_path,
    WXPAY_APIV3_KEY: merchant.apiv3_key,
    ...(mode === 'certificate'
      ? { WXPAY_PLATFORM_SERIAL_NO: credentials.platform_serial_no, WXPAY_PLATFORM_CERTIFICATE_PATH: credentials.platform_certificate_path }
      : { WXPAY_PUBLIC_KEY_ID: credentials.public_key_id, WXPAY_PUBLIC_KEY_PATH: credentials.public_key_path }),
  };
}

const statusOf = (run: ScriptRun) => Number(/^HTTP (\d{3})$/m.exec(run.stderr)?.[1] ?? NaN);

/** Exit 0 (2xx, verified) or 1 (non-2xx) become a Reply; 2 (signature not valid) and anything else throw. */
function replyOf(run: ScriptRun): Reply {
  if (run.code !== 0 && run.code !== 1) throw new Error(`wxpay-curl.sh exited ${run.code}: ${run.stderr}`);
  const text = run.stdout.toString('utf8');
  const verified = /reply signature verified \(Wechatpay-Serial (\S+)\)/.exec(run.stderr)?.[1];
  return { status: statusOf(run), data: text ? JSON.parse(text) : undefined, ...(run.code === 0 ? { verifiedWith: verified } : {}) };
}

export function curlClient(
  baseUrl: string,
  credentials: Credentials,
  merchant: MerchantCredentials,
  mode: 'certificate' | 'public_key',
): ApiClient {
  const env = curlEnv(baseUrl, credentials, merchant, mode);
  const inTempDir = async <T>(work: (dir: string) => Promise<T>): Promise<T> => {
    const dir = await mkdtemp(join(tmpdir(), 'wxpay-curl-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  return {
    label: `wxpay-curl.sh (${mode})`,
    mchid: merchant.mchid,
    async get(path, query) {
      const qs = query && Object.keys(query).length ? `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}` : '';
      return replyOf(await runScript(['GET', path + qs], env));
    },
    async post(path, body, headers = {}) {
      const extra = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
      return replyOf(await runScript([...extra, 'POST', path, ...(body === undefined ? [] : [JSON.stringify(body)])], env));
    },
    upload: (path, filename, content) =>
      inTempDir(async (dir) => {
        const file = join(dir, filename);
        await writeFile(file, content);
        return replyOf(await runScript(['upload', path, file], env));
      }),
    async download(url) {
      const run = await runScript(['download', url], env);
      if (run.code !== 0 && run.code !== 1) throw new Error(`wxpay-curl.sh exited ${run.code}: ${run.stderr}`);
      return { status: statusOf(run), data: run.stdout };
    },
    verifyNotification: ({ headers, body }: ReceivedNotification) =>
      inTempDir(async (dir) => {
        const file = join(dir, 'notification.json');
        await writeFile(file, body);
        const h = (name: string) => headers[name] ?? '';
        const run = await runScript(
          ['verify-notification', h('wechatpay-timestamp'), h('wechatpay-nonce'), h('wechatpay-serial'), h('wechatpay-signature'), file],
          env,
        );
        if (run.code !== 0 && run.code !== 2) throw new Error(`wxpay-curl.sh exited ${run.code}: ${run.stderr}`);
        return run.code === 0;
      }),
    async decryptResource(r: EncryptedResource) {
      const run = await runScript(['decrypt-resource', r.ciphertext, r.nonce, r.associated_data], env);
      if (run.code !== 0) throw new Error(`wxpay-curl.sh decrypt-resource exited ${run.code}: ${run.stderr}`);
      return JSON.parse(run.stdout.toString('utf8'));
    },
  };
}
