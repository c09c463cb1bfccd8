/**
 * GET /v3/certificates (protocol.md §2.5): the platform certificate, encrypted with the caller's APIv3
 * key (AAD `certificate`). Signed by the platform certificate itself, which is in the returned list, so
 * downloaders that verify with the freshly decrypted certificate (axios and PHP CLIs) succeed — unless
 * the request's Wechatpay-Serial asks for the public key. A public-key-only merchant gets 404.
 */
import { assert } from '../errors.js';
import { encryptResource } from '../protocol/aead.js';
import type { FamilyHandlers } from './types.js';

export const CERTIFICATES_MESSAGES = {
  // The real reply ends with a link to the public-key guide: wechatpay-php's README shows the body with
  // 可查看指引https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html
  // (2025), a live probe of 2026 the same text with the guide's current address (doc/v3/merchant/4012153196).
  // The newer address, written without a space as in the README's JSON body; the doc pages quote only the sentence.
  none: '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/doc/v3/merchant/4012153196',
} as const;

export const certificateHandlers = {
  'certificates.list': (ctx) => {
    // A merchant opened after the switch to public keys has no platform certificate: the text the cert
    // tooling reports for it (protocol.md §2.4, from the PHP SDK page; the contract's 404 entry).
    assert(!ctx.caller.merchant.public_key_only, 'RESOURCE_NOT_EXISTS', CERTIFICATES_MESSAGES.none);
    const cert = ctx.world.platform.certificate;
    return {
      signWith: 'certificate',
      body: {
        data: [
          {
            serial_no: cert.serial_no,
            effective_time: cert.effective_time,
            expire_time: cert.expire_time,
            encrypt_certificate: encryptResource(cert.pem, ctx.caller.merchant.apiv3_key, 'certificate'),
          },
        ],
      },
    };
  },
} satisfies FamilyHandlers;
