/**
 * 图片上传（营销专用） POST /v3/marketing/favor/media/image-upload, and the media the mock serves:
 * multipart bodies as the real SDKs write them (the axios plugin through the real package, the Go
 * SDK byte for byte), the signature over the raw `meta` part, the rules on the file, GET on the
 * media_url, persistence across a restart, and isIssuedMediaUrl for the other families.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Multipart } from 'wechatpay-axios-plugin';
import { createApp, readDataFile, startMock, type MockApp, type RunningMock } from '../mock-server/index.js';
import { isIssuedMediaUrl, MAX_IMAGE_BYTES } from '../mock-server/operations/favor/media.js';
import { parseMultipart } from '../mock-server/protocol/multipart.js';
import { axiosPluginClient, platformCertificate } from './helpers/axios-plugin.js';
import { uploadBody } from './helpers/image-upload.js';
import { err, freezeAtNow, STOCKS, stockBody } from './helpers/favor.js';
import { CREATOR, json, newMock, stateOf, type TestMock } from './helpers/mock.js';
import { PNG } from './helpers/images.js';

const PATH = '/v3/marketing/favor/media/image-upload';

// A real 1×1 PNG (helpers/images.ts); a JPEG and a BMP that start with their magic bytes.
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0'),
  randomBytes(64),
  Buffer.from([0xff, 0xd9]),
]);
const BMP = Buffer.concat([Buffer.from('BM'), randomBytes(62)]);
const GIF = Buffer.concat([Buffer.from('GIF89a'), randomBytes(32)]);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The meta JSON as Go's json.Marshal writes a map: keys sorted, compact. */
const goMeta = (filename: string, file: Buffer, digest = sha256(file)) => JSON.stringify({ filename, sha256: digest });

/** The body wechatpay-go writes: a 60-hex boundary, part headers sorted by name, `name="meta";` with its trailing `;`. */
const goBody = (meta: string, file: Buffer | undefined, filename: string) => uploadBody(meta, file, filename, { go: true });

interface UploadOptions {
  /** What the signature's body line covers (default: the meta text). */
  signed?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string | undefined>;
  timestamp?: number;
  nonce?: string;
}

/** A signed upload through the real Node listener, headers as the Go SDK sends them. */
function send(t: TestMock, body: Buffer, meta: string, o: UploadOptions = {}) {
  const signed = t.signer().headers('POST', PATH, o.signed ?? meta, { timestamp: o.timestamp, nonce: o.nonce });
  const headers: Record<string, string | undefined> = {
    Authorization: signed.Authorization,
    Accept: '*/*',
    'User-Agent': 'WechatPay-Go/0.2.21 (linux/amd64) GO/go1.22.5',
    'Content-Type': o.contentType,
    ...o.headers,
  };
  let req = request(t.mock.listener).post(PATH);
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) req = req.set(k, v);
  return raw(req.send(body));
}

function raw(req: request.Test) {
  return req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  }) as unknown as Promise<request.Response>;
}

/** The Go upload of `file` named `filename`. */
function goUpload(t: TestMock, file: Buffer | undefined, filename: string, o: UploadOptions & { meta?: string } = {}) {
  const meta = o.meta ?? goMeta(filename, file ?? Buffer.alloc(0));
  const { body, contentType } = goBody(meta, file, filename);
  return send(t, body, meta, { contentType, ...o });
}

/** GET the media URL through the app, whatever host it names. */
function fetchMedia(mock: MockApp, url: string, init?: RequestInit) {
  const u = new URL(url);
  return mock.request(u.pathname + u.search, init);
}

describe('image upload: the real wechatpay-axios-plugin (Multipart, meta signed)', () => {
  let running: RunningMock;
  beforeAll(async () => {
    running = await startMock({ validateResponses: true });
  });
  afterAll(() => running.close());

  it('uploads a PNG with v3.marketing.favor.media.imageUpload.post(form, {meta, headers}), verifies the signed reply, and GET returns the bytes', async () => {
    const m = running.credentials.merchants.find((x) => x.mchid === CREATOR)!;
    const wxpay = axiosPluginClient(running.url, m, platformCertificate(running.credentials));
    const meta = { filename: 'logo.png', sha256: sha256(PNG) };
    const form = new Multipart();
    form.append('file', PNG, 'logo.png');
    form.append('meta', JSON.stringify(meta));

    const res = await wxpay.v3.marketing.favor.media.imageUpload.post(form, { meta, headers: form.getHeaders() });
    expect(res.status).toBe(200);
    expect(res.headers['wechatpay-serial']).toBe(running.credentials.platform_serial_no); // verified by the SDK itself
    expect(Object.keys(res.data)).toEqual(['media_url']);
    expect(res.data.media_url).toMatch(new RegExp(`^${running.url}/_mock/media/[0-9a-f]{32}\\.png$`));

    const got = await fetch(res.data.media_url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('wechatpay-signature')).toBeNull();
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
    expect(running.journal({ operation_id: 'favor.uploadImage' } as any).at(-1)).toMatchObject({
      status: 200,
      mchid: CREATOR,
      findings: [],
    });
  });
});

describe('image upload: the Go SDK body, byte for byte', () => {
  let t: TestMock;
  beforeEach(async () => {
    t = await newMock();
  });

  it('trailing `;` on the meta part, sorted part headers, sorted meta keys → 200 signed {media_url}, the same bytes back', async () => {
    const res = await goUpload(t, PNG, 'banner.png');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    t.verifyReply(res);
    const { media_url } = json(res);
    expect(media_url).toMatch(/^http:\/\/127\.0\.0\.1(:\d+)?\/_mock\/media\/[0-9a-f]{32}\.png$/);
    const got = await fetchMedia(t.mock, media_url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('content-length')).toBe(String(PNG.length));
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
    const id = /([0-9a-f]{32})\.png$/.exec(media_url)![1];
    expect((await stateOf(t.mock)).media!.images[id]).toMatchObject({
      mchid: CREATOR,
      filename: 'banner.png',
      content_type: 'image/png',
      ext: 'png',
      sha256: sha256(PNG),
      size: PNG.length,
    });
  });

  it('the parser keeps the Go meta part (busboy@1 drops it): name "meta", raw text exact', () => {
    const meta = goMeta('a.png', PNG);
    const { body, contentType } = goBody(meta, PNG, 'a.png');
    const parts = parseMultipart(body, contentType.split('boundary=')[1]);
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['meta', undefined, 'application/json'],
      ['file', 'a.png', 'image/png'],
    ]);
    expect(parts[0].data.toString('utf8')).toBe(meta);
    expect(parts[1].data.equals(PNG)).toBe(true);
  });

  it('JPEG and BMP by content; the URL and the served type follow the content, not the name', async () => {
    const jpeg = json(await goUpload(t, JPEG, 'photo.JPEG'));
    expect(jpeg.media_url).toMatch(/\.jpg$/);
    expect((await fetchMedia(t.mock, jpeg.media_url)).headers.get('content-type')).toBe('image/jpeg');
    const bmp = json(await goUpload(t, BMP, 'icon.bmp'));
    expect(bmp.media_url).toMatch(/\.bmp$/);
    expect((await fetchMedia(t.mock, bmp.media_url)).headers.get('content-type')).toBe('image/bmp');
    // A PNG named .jpg is a PNG.
    const renamed = await goUpload(t, PNG, 'really-a-png.jpg');
    expect(renamed.status).toBe(200);
    expect(json(renamed).media_url).toMatch(/\.png$/);
    expect((await fetchMedia(t.mock, json(renamed).media_url)).headers.get('content-type')).toBe('image/png');
  });

  it('sha256 in upper case is accepted (hex compared case-insensitively)', async () => {
    const res = await goUpload(t, PNG, 'a.png', { meta: goMeta('a.png', PNG, sha256(PNG).toUpperCase()) });
    expect(res.status).toBe(200);
  });

  it('the same bytes twice: two URLs, one stored copy', async () => {
    const a = json(await goUpload(t, PNG, 'a.png')).media_url;
    const b = json(await goUpload(t, PNG, 'b.png')).media_url;
    expect(a).not.toBe(b);
    const snapshot = await t.mock.snapshot();
    expect(Object.keys(snapshot.state.media!.images)).toHaveLength(2);
    expect(Object.keys(snapshot.media)).toEqual([sha256(PNG)]);
  });
});

describe('image upload: the signature covers the raw meta part', () => {
  let t: TestMock;
  beforeEach(async () => {
    t = await newMock();
  });

  it('a signature over another meta → 401 SIGN_ERROR with sign_information showing the meta`s first 8 chars (as the real sample)', async () => {
    const meta = goMeta('filea.png', PNG);
    const { body, contentType } = goBody(meta, PNG, 'filea.png');
    const timestamp = Math.floor(Date.now() / 1000);
    const nonce = '7KJggpwXMyRlrBSLoeVATwas0ZdwDfFP';
    const res = await send(t, body, meta, { contentType, signed: goMeta('other.png', PNG), timestamp, nonce });
    expect(res.status).toBe(401);
    expect(res.headers['wechatpay-signature']).toBeUndefined();
    const message = `POST\n${PATH}\n${timestamp}\n${nonce}\n${meta}\n`;
    // Same shape as samples/errors/any.401.sign-error.json.
    expect(json(res)).toEqual({
      code: 'SIGN_ERROR',
      message: '错误的签名，验签失败',
      detail: {
        detail: { issue: 'sign not match' },
        field: 'signature',
        location: 'authorization',
        sign_information: {
          method: 'POST',
          sign_message_length: Buffer.byteLength(message),
          truncated_sign_message: `POST\n${PATH}\n${timestamp}\n${nonce}\n{"filena\n`,
          url: PATH,
        },
      },
    });
    expect((await stateOf(t.mock)).media).toBeUndefined();
  });

  it('signing the whole multipart stream instead of the meta (a common mistake) → 401 SIGN_ERROR', async () => {
    const meta = goMeta('a.png', PNG);
    const { body, contentType } = goBody(meta, PNG, 'a.png');
    const res = await send(t, body, meta, { contentType, signed: body });
    expect(res.status).toBe(401);
    expect(json(res)).toMatchObject({ code: 'SIGN_ERROR', message: '错误的签名，验签失败' });
    expect(json(res).detail.sign_information.truncated_sign_message).toMatch(/\n\{"filena\n$/);
  });

  it('meta text with extra whitespace is fine when that exact text was signed (no re-serialisation)', async () => {
    const meta = `{ "filename": "a.png", "sha256": "${sha256(PNG)}" }`;
    const res = await goUpload(t, PNG, 'a.png', { meta });
    expect(res.status).toBe(200);
  });
});

describe('image upload: rules on the file (each refused before anything is stored)', () => {
  let t: TestMock;
  beforeEach(async () => {
    t = await newMock();
  });
  const refused = async (res: request.Response, code: string, message: string) => {
    expect(res.status, res.body.toString()).toBe(400);
    expect(json(res)).toMatchObject({ code, message });
    expect((await stateOf(t.mock)).media).toBeUndefined();
  };

  it('sha256 that is not the file`s → 400 PARAM_ERROR 文件摘要sha256与图片文件内容不一致', async () => {
    const res = await goUpload(t, PNG, 'a.png', { meta: goMeta('a.png', PNG, sha256(JPEG)) });
    await refused(res, 'PARAM_ERROR', '文件摘要sha256与图片文件内容不一致');
    expect(json(res).detail).toMatchObject({ field: '/sha256', value: sha256(JPEG), location: 'body' });
  });

  it('content that is not JPEG/PNG/BMP, whatever the name → 400 PARAM_ERROR 图片格式不正确…', async () => {
    await refused(await goUpload(t, GIF, 'looks-fine.png'), 'PARAM_ERROR', '图片格式不正确，媒体图片只支持JPG、BMP、PNG格式');
    await refused(
      await goUpload(t, Buffer.from('%PDF-1.7 not an image'), 'doc.jpg'),
      'PARAM_ERROR',
      '图片格式不正确，媒体图片只支持JPG、BMP、PNG格式',
    );
  });

  it('more than 2 MB → 400 PARAM_ERROR 图片大小不能超过2M; exactly 2 MB is accepted', async () => {
    const big = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    PNG.copy(big);
    const res = await goUpload(t, big, 'big.png');
    await refused(res, 'PARAM_ERROR', '图片大小不能超过2M');
    expect(json(res).detail).toMatchObject({ field: 'file', value: MAX_IMAGE_BYTES + 1 });
    const edge = big.subarray(0, MAX_IMAGE_BYTES);
    const ok = await goUpload(t, edge, 'edge.png');
    expect(ok.status).toBe(200);
    expect(Buffer.from(await (await fetchMedia(t.mock, json(ok).media_url)).arrayBuffer()).equals(edge)).toBe(true);
  });

  it('no file part → 400 PARAM_ERROR (required-field wording); an empty file → 400 PARAM_ERROR 图片文件不能为空', async () => {
    const meta = goMeta('a.png', PNG);
    await refused(
      await goUpload(t, undefined, 'a.png', { meta }),
      'PARAM_ERROR',
      '输入源“/body/file”映射到字段“图片文件”必填性规则校验失败，此字段为必填项',
    );
    await refused(await goUpload(t, Buffer.alloc(0), 'a.png'), 'PARAM_ERROR', '图片文件不能为空');
  });

  it('no meta part → 400 PARAM_ERROR (required-field wording), after the Authorization header`s own checks', async () => {
    const boundary = 'b0undary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
      PNG,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const contentType = `multipart/form-data; boundary=${boundary}`;
    const res = await send(t, body, '', { contentType });
    await refused(res, 'PARAM_ERROR', '输入源“/body/meta”映射到字段“媒体文件元信息”必填性规则校验失败，此字段为必填项');
    expect(json(res).detail).toMatchObject({ field: 'meta', location: 'body' });
    const unsigned = await send(t, body, '', { contentType, headers: { Authorization: undefined } });
    expect(unsigned.status).toBe(401);
    expect(json(unsigned).code).toBe('SIGN_ERROR');
  });

  it('meta: filename suffix, length, missing sha256, undeclared keys → 400 PARAM_ERROR from the contract', async () => {
    await refused(await goUpload(t, PNG, 'a.gif'), 'PARAM_ERROR', '文件名称必须以JPG、BMP、PNG为后缀');
    await refused(
      await goUpload(t, PNG, `${'x'.repeat(125)}.png`),
      'PARAM_ERROR',
      '输入源“/body/filename”映射到值字段“文件名称”字符串规则校验失败，字节数 129，大于最大值 128',
    );
    await refused(
      await goUpload(t, PNG, 'a.png', { meta: JSON.stringify({ filename: 'a.png' }) }),
      'PARAM_ERROR',
      '输入源“/body/sha256”映射到字段“文件摘要”必填性规则校验失败，此字段为必填项',
    );
    const extra = await goUpload(t, PNG, 'a.png', { meta: JSON.stringify({ filename: 'a.png', sha256: sha256(PNG), bank_type: 'x' }) });
    await refused(extra, 'PARAM_ERROR', '请求中含有未在API文档中定义的参数');
    expect(json(extra).detail).toEqual({ location: null, value: ['/body/bank_type'] });
    for (const name of ['A.PNG', 'b.Jpg', 'c.jpeg', 'd.BMP']) expect((await goUpload(t, PNG, name)).status, name).toBe(200);
  });
});

describe('image upload: bodies that are not readable multipart → documented 400 envelope, never a 500', () => {
  let t: TestMock;
  beforeEach(async () => {
    t = await newMock();
  });
  const meta = () => goMeta('a.png', PNG);

  it('Content-Type application/json → 400 INVALID_REQUEST', async () => {
    const res = await send(t, Buffer.from(meta()), meta(), { contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(json(res)).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'Content-Type不正确，请使用multipart/form-data',
      detail: { location: 'header' },
    });
  });

  it("no Content-Type → 400 INVALID_REQUEST; multipart without a boundary (wechatpayv3, Python) → the boundary from the body's first line, 200 and an interop finding; no delimiter on that line → 400 INVALID_REQUEST Content-Type缺少boundary参数", async () => {
    const { body } = goBody(meta(), PNG, 'a.png');
    const none = await send(t, body, meta(), {});
    expect(json(none)).toMatchObject({ code: 'INVALID_REQUEST', message: 'Content-Type不正确，请使用multipart/form-data' });
    t.mock.clearJournal();
    const noBoundary = await send(t, body, meta(), { contentType: 'multipart/form-data' });
    expect(noBoundary.status).toBe(200);
    expect(json(noBoundary).media_url).toMatch(/\/_mock\/media\//);
    const [entry] = t.mock.journal({ operation_id: 'favor.uploadImage' });
    expect(entry.findings).toContainEqual(
      expect.objectContaining({ kind: 'interop', field: 'Content-Type', hint: expect.stringContaining('boundary=') }),
    );
    const preamble = Buffer.concat([Buffer.from('preamble\r\n'), body]);
    const unreadable = await send(t, preamble, meta(), { contentType: 'multipart/form-data' });
    expect(unreadable.status).toBe(400);
    expect(json(unreadable)).toMatchObject({ code: 'INVALID_REQUEST', message: 'Content-Type缺少boundary参数' });
  });

  it('garbled bodies → 400 INVALID_REQUEST 请求体不是合法的multipart/form-data格式', async () => {
    const { body, contentType } = goBody(meta(), PNG, 'a.png');
    const cases: Array<[string, Buffer, string]> = [
      ['another boundary', body, 'multipart/form-data; boundary=nope'],
      ['truncated inside the file part', body.subarray(0, body.length - 40), contentType],
      ['empty body', Buffer.alloc(0), contentType],
      ['plain text', Buffer.from('hello'), contentType],
      ['headers never end', Buffer.from(`--${contentType.split('=')[1]}\r\nContent-Disposition: form-data; name="meta"`), contentType],
    ];
    for (const [what, b, ct] of cases) {
      const res = await send(t, b, meta(), { contentType: ct });
      expect(res.status, what).toBe(400);
      expect(json(res), what).toMatchObject({
        code: 'INVALID_REQUEST',
        message: '请求体不是合法的multipart/form-data格式',
        detail: { location: 'body' },
      });
    }
    // An unreadable body does not hide a broken Authorization header.
    const unsigned = await send(t, Buffer.from('hello'), meta(), { contentType, headers: { Authorization: 'Bearer x' } });
    expect(unsigned.status).toBe(401);
  });

  it('meta that is not JSON (and signed as sent) → 400 INVALID_REQUEST meta不是合法的JSON格式', async () => {
    const res = await goUpload(t, PNG, 'a.png', { meta: '{"filename":' });
    expect(res.status).toBe(400);
    expect(json(res)).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'meta不是合法的JSON格式',
      detail: { field: 'meta', location: 'body' },
    });
  });

  it('tolerated shapes: bare LF, quoted boundary, preamble and epilogue, no part Content-Type (axios), filename*, header case', async () => {
    const m = meta();
    const lf = Buffer.concat([
      Buffer.from(
        `preamble\n--XyZ\ncontent-disposition: FORM-DATA; NAME=meta\n\n${m}\n--XyZ\nContent-Disposition: form-data; name=file; filename*=UTF-8''%E5%9B%BE.png\nContent-Type: image/png\n\n`,
      ),
      PNG,
      Buffer.from('\n--XyZ--\nepilogue'),
    ]);
    const res = await send(t, lf, m, { contentType: 'Multipart/Form-Data; charset=utf-8; boundary="XyZ"' });
    expect(res.status, res.body.toString()).toBe(200);
    const parts = parseMultipart(lf, 'XyZ');
    expect(parts[1].filename).toBe('图.png');
    expect(parts[0].data.toString()).toBe(m);
  });
});

describe('the media the mock serves', () => {
  let t: TestMock;
  let url: string;
  beforeEach(async () => {
    t = await newMock();
    url = json(await goUpload(t, PNG, 'a.png')).media_url;
  });

  it('unknown id or another extension → 404; HEAD answers the headers; If-None-Match → 304', async () => {
    expect((await t.mock.request(`/_mock/media/${'0'.repeat(32)}.png`)).status).toBe(404);
    expect((await fetchMedia(t.mock, url.replace(/\.png$/, '.jpg'))).status).toBe(404);
    expect((await t.mock.request('/_mock/media/not-an-id')).status).toBe(404);
    const head = await fetchMedia(t.mock, url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/png');
    const etag = head.headers.get('etag')!;
    expect(etag).toBe(`"${sha256(PNG)}"`);
    expect((await fetchMedia(t.mock, url, { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('is public: a non-loopback client gets the image while the control API refuses it', async () => {
    const remote = { incoming: { socket: { remoteAddress: '10.1.2.3' } } };
    expect((await t.mock.app.request('/_mock/health', {}, remote)).status).toBe(403);
    const got = await t.mock.app.request(new URL(url).pathname, {}, remote);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('the media_url follows --base-url', async () => {
    const based = await newMock({ baseUrl: 'https://mock.example.com/' });
    const u = json(await goUpload(based, PNG, 'a.png')).media_url;
    expect(u).toMatch(/^https:\/\/mock\.example\.com\/_mock\/media\/[0-9a-f]{32}\.png$/);
    expect((await fetchMedia(based.mock, u)).status).toBe(200);
  });

  it('a reset forgets the images: the URL is no longer served, nor accepted by an API that takes a media URL', async () => {
    await freezeAtNow(t);
    const withImage = () => t.call('POST', STOCKS, { body: stockBody({ pattern_info: { coupon_image: url } }) });
    expect((await withImage()).status).toBe(200);
    await t.mock.reset();
    await freezeAtNow(t);
    expect((await fetchMedia(t.mock, url)).status).toBe(404);
    expect(isIssuedMediaUrl(await stateOf(t.mock), url, t.mock.options.checks.mediaUrls)).toBe(false);
    expect(err(await withImage())).toEqual([400, 'PARAM_ERROR', '券详情图片仅支持通过《图片上传API》接口获取的图片URL地址']);
  });

  it("isIssuedMediaUrl: our URL in any host/port form; not unknown ids or foreign URLs; mediaUrls 'any' accepts any http(s) URL", async () => {
    const data = await stateOf(t.mock);
    const strict = 'issued';
    const path = new URL(url).pathname;
    expect(isIssuedMediaUrl(data, url, strict)).toBe(true);
    expect(isIssuedMediaUrl(data, `https://api.mch.weixin.qq.com${path}`, strict)).toBe(true);
    expect(isIssuedMediaUrl(data, `http://localhost:9999${path}?x=1#y`, strict)).toBe(true);
    expect(isIssuedMediaUrl(data, `https://proxy.example.com/prefix${path}`, strict)).toBe(true);
    expect(isIssuedMediaUrl(data, url.replace(/\.png$/, '.jpg'), strict)).toBe(false);
    expect(isIssuedMediaUrl(data, url.replace(/[0-9a-f]{32}/, '0'.repeat(32)), strict)).toBe(false);
    expect(isIssuedMediaUrl(data, 'https://qpic.cn/xxx', strict)).toBe(false);
    expect(isIssuedMediaUrl(data, path, strict)).toBe(false); // not absolute
    expect(isIssuedMediaUrl(data, 'not a url', strict)).toBe(false);
    const relaxed = 'any';
    expect(isIssuedMediaUrl(data, 'https://qpic.cn/xxx', relaxed)).toBe(true);
    expect(isIssuedMediaUrl(data, url, relaxed)).toBe(true);
    expect(isIssuedMediaUrl(data, 'not a url', relaxed)).toBe(false);
    expect(isIssuedMediaUrl(data, 'ftp://example.com/a.png', relaxed)).toBe(false);
    expect(t.mock.options.checks.mediaUrls).toBe('issued');
  });
});

describe('image upload: persistence', () => {
  it('an uploaded image survives a restart with the same data file (durable before the reply)', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-media-')), 'data.json');
    const first = await newMock({ dataFile });
    const res = await goUpload(first, JPEG, 'persist.jpg');
    expect(res.status).toBe(200);
    const { media_url } = json(res);
    // Already on disk when the reply left, without close().
    const images = Object.values(((await readDataFile(dataFile)) as any).media.images) as { sha256: string }[];
    expect(images.map((i) => i.sha256)).toEqual([sha256(JPEG)]);
    expect(readFileSync(`${dataFile}.media/${sha256(JPEG)}`).equals(JPEG)).toBe(true);
    await first.mock.close();

    const second = await createApp({ dataFile });
    const got = await fetchMedia(second, media_url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer()).equals(JPEG)).toBe(true);
    expect(isIssuedMediaUrl(await stateOf(second), media_url, second.options.checks.mediaUrls)).toBe(true);
    await second.close();
  });
});
