/**
 * Bodies for POST /v3/marketing/favor/media/image-upload written by hand, byte for byte as the SDKs
 * frame them: the `meta` JSON part, then the file part. The request signature covers the meta text only.
 */
import { randomBytes } from 'node:crypto';

const CRLF = '\r\n';

export interface UploadFraming {
  /** Go's mime/multipart.Writer boundary (60 hex) by default. */
  boundary?: string;
  /** wechatpay-go (core.CreateFormField / CreateFormFile): `name="meta";` with its trailing `;`. */
  go?: boolean;
  /** The file part's Content-Type. */
  fileType?: string;
}

/** The multipart body and its Content-Type; without `file`, the meta part alone. */
export function uploadBody(
  meta: string,
  file: Buffer | undefined,
  filename: string,
  { boundary = randomBytes(30).toString('hex'), go = false, fileType = 'image/png' }: UploadFraming = {},
) {
  const chunks: Buffer[] = [
    Buffer.from(
      `--${boundary}${CRLF}Content-Disposition: form-data; name="meta"${go ? ';' : ''}${CRLF}Content-Type: application/json${CRLF}${CRLF}${meta}`,
    ),
  ];
  if (file)
    chunks.push(
      Buffer.from(
        `${CRLF}--${boundary}${CRLF}Content-Disposition: form-data; name="file"; filename="${filename}"${CRLF}Content-Type: ${fileType}${CRLF}${CRLF}`,
      ),
      file,
    );
  chunks.push(Buffer.from(`${CRLF}--${boundary}--${CRLF}`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A signed upload of `file` through the real Node listener, framed and signed as the SDKs do (meta only). */
export async function uploadImage(t: import('./mock.js').TestMock, file: Buffer, filename: string, mchid?: string) {
  const { createHash } = await import('node:crypto');
  const { default: request } = await import('supertest');
  const path = '/v3/marketing/favor/media/image-upload';
  const meta = JSON.stringify({ filename, sha256: createHash('sha256').update(file).digest('hex') });
  const { body, contentType } = uploadBody(meta, file, filename);
  const signed = t.signer(mchid).headers('POST', path, meta);
  return request(t.mock.listener)
    .post(path)
    .set('Authorization', signed.Authorization)
    .set('Accept', 'application/json')
    .set('User-Agent', 'wxpay-mock-tests')
    .set('Content-Type', contentType)
    .send(body);
}
