/**
 * GET /v3/certificates (protocol.md §2.5): the platform certificate, encrypted with the caller's APIv3
 * key (AAD `certificate`). Signed by the platform certificate itself, which is in the returned list, so
 * downloaders that verify with the freshly decrypted certificate (axios and PHP CLIs) succeed — unless
 * the request's Wechatpay-Serial asks for the public key.
 */
import { encryptResource } from '../protocol/aead.js';
import type { HandlerRegistry } from './types.js';

export const certificateHandlers: HandlerRegistry = {
  'certificates.list': (ctx) => {
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
};
