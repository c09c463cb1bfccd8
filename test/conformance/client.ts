/**
 * The small client interface every shared scenario is written against (the way Hono runs one
 * conformance suite against every router). Each real client — wechatpay-axios-plugin, wechatpay-node-v3
 * through createHttp, the openssl/curl script — implements it in test/conformance/clients/, with its
 * own signing, its own reply verification and its own callback helpers: nothing here signs or verifies.
 */

export interface Reply<T = any> {
  status: number;
  /** The parsed JSON body: the reply, or the error envelope `{code, message, detail?}` of a 4xx/5xx. */
  data: T;
  /**
   * The `Wechatpay-Serial` the client verified a 2xx reply with (platform certificate serial or
   * `PUB_KEY_ID_…`). An adapter never returns an unverified 2xx: it throws instead.
   */
  verifiedWith?: string;
}

export interface FileReply {
  status: number;
  data: Buffer;
}

/** A COUPON.USE notification as the merchant's notify URL received it. */
export interface ReceivedNotification {
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The raw body text. */
  body: string;
}

export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  nonce: string;
  associated_data: string;
  original_type?: string;
}

export interface ApiClient {
  /** e.g. "wechatpay-axios-plugin (certificate mode)". */
  readonly label: string;
  readonly mchid: string;
  /** GET `path` with `query` encoded the client's own way; the signature covers what it sends. */
  get(path: string, query?: Record<string, string | number | boolean>): Promise<Reply>;
  /** POST a JSON body, or no body at all when `body` is undefined. */
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** The marketing image upload: multipart `meta` + `file`, the signature over the meta JSON. */
  upload(path: string, filename: string, content: Buffer): Promise<Reply>;
  /** GET a bill file from the `url` a use-flow / refund-flow reply gave (signed request, unsigned file). */
  download(url: string): Promise<FileReply>;
  /** Verifies a notification with the client's own helper: true only when the signature checks out. */
  verifyNotification(notification: ReceivedNotification): Promise<boolean>;
  /** Decrypts `resource` with the client's own helper (the APIv3 key is the client's). */
  decryptResource(resource: EncryptedResource): Promise<unknown>;
}

/** Status, code and message of an error reply, for one-line assertions. */
export const envelope = (reply: Reply) => [reply.status, reply.data?.code, reply.data?.message];

/** A 2xx reply's data, or a failure that shows what came back instead. */
export function ok<T = any>(reply: Reply<T>, expectedStatus = 200): T {
  if (reply.status !== expectedStatus)
    throw new Error(`expected HTTP ${expectedStatus}, got ${reply.status}: ${JSON.stringify(reply.data)}`);
  return reply.data;
}
