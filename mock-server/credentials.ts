/**
 * What a client needs to talk to the mock, per merchant: the same facts a real merchant copies from
 * the merchant platform. Printed by the CLI, served at /_mock/credentials, returned by startMock.
 */
import type { AppId, Brand, BusifavorStock, Goods, User, World } from './world.js';

export interface MerchantCredentials {
  mchid: string;
  name: string;
  role: string;
  brand_id: string;
  /** Which key signs this merchant's replies by default. */
  verification_mode: 'certificate' | 'public_key';
  /** No platform certificate (/v3/certificates answers 404): verify with the public key only. */
  public_key_only: boolean;
  /** New 代金券 stocks of this merchant wait in `audit` until POST /_mock/favor/stocks/{stock_id}/approve. */
  stock_review: boolean;
  /** Has not opened the 代金券 product: every 代金券 call but the image upload answers 403 REQUEST_BLOCKED 调用商户无权限. */
  no_favor_product: boolean;
  merchant_serial_no: string;
  merchant_private_key_path: string;
  merchant_private_key: string;
  merchant_certificate_path: string;
  merchant_certificate: string;
  apiv3_key: string;
  appids: string[];
}

export interface Credentials {
  platform_serial_no: string;
  platform_certificate_path: string;
  platform_certificate: string;
  public_key_id: string;
  public_key_path: string;
  public_key: string;
  merchants: MerchantCredentials[];
  /** The world's users (openid under its appid) and goods, `--seed N` ones included: a client cannot send a coupon to an openid it does not know. */
  users: User[];
  goods: Goods[];
  /** Every appid and the merchants it is bound to (an unbound one too: the partnerships' APPID partner). */
  appids: AppId[];
  brands: Brand[];
  /**
   * The 商家券 stocks (fixtures only; the busifavor API is not emulated): the awards 支付有礼 needs, with
   * their owner, validity window, code mode and gift-package group — an award must cover the activity.
   */
  busifavor_stocks: BusifavorStock[];
}

export function credentialsOf(world: World): Credentials {
  const { certificate, publicKey } = world.platform;
  return {
    platform_serial_no: certificate.serial_no,
    platform_certificate_path: certificate.path,
    platform_certificate: certificate.pem,
    public_key_id: publicKey.id,
    public_key_path: publicKey.path,
    public_key: publicKey.pem,
    merchants: [...world.merchants.values()].map(({ merchant: m, privateKeyPem, privateKeyPath, certificatePem, certificatePath }) => ({
      mchid: m.mchid,
      name: m.name,
      role: m.role,
      brand_id: m.brand_id,
      verification_mode: m.verification_mode,
      public_key_only: m.public_key_only ?? false,
      stock_review: m.stock_review ?? false,
      no_favor_product: m.no_favor_product ?? false,
      merchant_serial_no: m.serial_no,
      merchant_private_key_path: privateKeyPath,
      merchant_private_key: privateKeyPem,
      merchant_certificate_path: certificatePath,
      merchant_certificate: certificatePem,
      apiv3_key: m.apiv3_key,
      appids: [...world.appids.values()].filter((a) => a.mchids.includes(m.mchid)).map((a) => a.appid),
    })),
    // Copies: a caller editing its credentials must not rebind the world's openids.
    users: world.users.map((u) => ({ ...u })),
    goods: world.goods.map((g) => ({ ...g })),
    appids: [...world.appids.values()].map((a) => ({ ...a, mchids: [...a.mchids] })),
    brands: world.brands.map((b) => ({ ...b })),
    busifavor_stocks: [...world.busifavorStocks.values()].map((s) => ({ ...s })),
  };
}

const shellQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** The env a client's suite reads: the first merchant (the coupon creator), then every merchant by index (`wxpay-mock exec` exports it). */
export function envVars(credentials: Credentials, url?: string): Record<string, string> {
  const vars: Record<string, string> = {};
  if (url) vars.WXPAY_MOCK_URL = url;
  const first = credentials.merchants[0];
  Object.assign(vars, {
    WXPAY_MCHID: first.mchid,
    WXPAY_MERCHANT_SERIAL_NO: first.merchant_serial_no,
    WXPAY_MERCHANT_PRIVATE_KEY_PATH: first.merchant_private_key_path,
    WXPAY_MERCHANT_CERTIFICATE_PATH: first.merchant_certificate_path,
    WXPAY_APIV3_KEY: first.apiv3_key,
    WXPAY_APPID: first.appids[0] ?? '',
    WXPAY_PLATFORM_SERIAL_NO: credentials.platform_serial_no,
    WXPAY_PLATFORM_CERTIFICATE_PATH: credentials.platform_certificate_path,
    WXPAY_PUBLIC_KEY_ID: credentials.public_key_id,
    WXPAY_PUBLIC_KEY_PATH: credentials.public_key_path,
  });
  credentials.merchants.forEach((m, i) => {
    const p = `WXPAY_MERCHANT${i + 1}_`;
    vars[`${p}MCHID`] = m.mchid;
    vars[`${p}SERIAL_NO`] = m.merchant_serial_no;
    vars[`${p}PRIVATE_KEY_PATH`] = m.merchant_private_key_path;
    vars[`${p}CERTIFICATE_PATH`] = m.merchant_certificate_path;
    vars[`${p}APIV3_KEY`] = m.apiv3_key;
  });
  return vars;
}

/** A block a CI script can `eval`: envVars as `export K='v'` lines. */
export function envBlock(credentials: Credentials, url?: string): string {
  return Object.entries(envVars(credentials, url))
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join('\n');
}
