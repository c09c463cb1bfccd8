/**
 * The real npm package wechatpay-axios-plugin, unmodified, built the way a merchant's code builds it:
 * `baseURL` the mock (or the validating proxy), the merchant's serial and private key, and `certs`,
 * the keys its automatic reply verification trusts (serial or public-key id → PEM).
 */
import { Wechatpay } from 'wechatpay-axios-plugin';
import type { Credentials, MerchantCredentials } from '../../mock-server/index.js';

/** `any`: the SDK's chained `v3.marketing.…` API has no types. `extra` goes into the SDK's config as is. */
export function axiosPluginClient(
  url: string,
  m: MerchantCredentials,
  certs: Record<string, string>,
  extra: Record<string, unknown> = {},
): any {
  return new Wechatpay({
    baseURL: `${url}/`,
    mchid: m.mchid,
    serial: m.merchant_serial_no,
    privateKey: m.merchant_private_key,
    certs,
    ...extra,
  } as any);
}

/** Certificate mode: the platform certificate under its serial. */
export const platformCertificate = (c: Credentials): Record<string, string> => ({ [c.platform_serial_no]: c.platform_certificate });

/** Public-key mode: the WeChat Pay public key under its PUB_KEY_ID_… id. */
export const platformPublicKey = (c: Credentials): Record<string, string> => ({ [c.public_key_id]: c.public_key });
