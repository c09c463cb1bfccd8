/**
 * The one place where an error code becomes an HTTP status and an envelope `{code, message, detail}`.
 * Handlers throw `ApiError`; the HTTP edge renders it. Statuses follow the endpoint tables of the real
 * API (api-reference.md §1.2–1.4); where one code has several statuses on different endpoints, the
 * thrower passes the status explicitly.
 */
export type ErrorCode =
  | 'PARAM_ERROR'
  | 'INVALID_REQUEST'
  | 'SIGN_ERROR'
  | 'NO_AUTH'
  | 'RULE_LIMIT'
  | 'NOT_ENOUGH'
  | 'REQUEST_BLOCKED'
  | 'USER_ACCOUNT_ABNORMAL'
  | 'RESOURCE_NOT_EXISTS'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'MCH_NOT_EXISTS'
  | 'APPID_MCHID_NOT_MATCH'
  | 'FREQUENCY_LIMITED'
  | 'FREQUENCY_LIMIT_EXCEED'
  | 'USER_AL_GET_COUPON'
  | 'SYSTEM_ERROR';

const DEFAULT_STATUS: Record<ErrorCode, number> = {
  PARAM_ERROR: 400,
  INVALID_REQUEST: 400,
  SIGN_ERROR: 401,
  NO_AUTH: 403,
  RULE_LIMIT: 403,
  NOT_ENOUGH: 403,
  REQUEST_BLOCKED: 403,
  USER_ACCOUNT_ABNORMAL: 403,
  // Status not visible in any source (api-reference.md §8); 403 like the other per-user send limits (our choice).
  USER_AL_GET_COUPON: 403,
  RESOURCE_NOT_EXISTS: 404,
  NOT_FOUND: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  MCH_NOT_EXISTS: 400,
  APPID_MCHID_NOT_MATCH: 400,
  FREQUENCY_LIMITED: 429,
  FREQUENCY_LIMIT_EXCEED: 429,
  SYSTEM_ERROR: 500,
};

export interface ErrorEnvelope {
  code: string;
  message: string;
  detail?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: unknown,
    status?: number,
  ) {
    super(message);
    this.status = status ?? DEFAULT_STATUS[code];
  }

  toEnvelope(): ErrorEnvelope {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Business checks read as one line: `assert(stock, 'RESOURCE_NOT_EXISTS', '批次不存在')`. */
export function assert(condition: unknown, code: ErrorCode, message: string, detail?: unknown, status?: number): asserts condition {
  if (!condition) throw new ApiError(code, message, detail, status);
}

/** Messages of the protocol layer, verbatim from the real server (protocol.md §1.6). */
export const SIGN_MESSAGES = {
  format: 'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》',
  scheme: 'Http头Authorization认证类型不正确',
  timestamp: 'Http头Authorization中的timestamp与发起请求的时间不得超过5分钟',
  serial: '商户证书序列号有误。请使用签名私钥匹配的证书序列号',
  // The real server answered a fake mchid with this text (protocol.md §1.6, observed).
  unknownMerchant: '签名错误',
  mismatch: '错误的签名，验签失败',
} as const;
