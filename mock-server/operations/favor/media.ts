/**
 * 图片上传（营销专用） POST /v3/marketing/favor/media/image-upload (api-reference.md §2.15,
 * protocol.md §6.2) and the images the mock serves.
 *
 * The request is multipart: the pipeline (mock-server/protocol/multipart.ts) verifies the signature
 * over the raw `meta` part, validates `meta` against contracts/favor/uploadImage.json and hands the
 * `file` part over in `ctx.upload`. This handler checks the file and stores it.
 *
 * media_url (our choice; the real one is `https://qpic.cn/…`): `<baseUrl>/_mock/media/<id>.<ext>`,
 * `id` 32 lower-case hex characters, `ext` jpg/png/bmp from the file's content. `GET` on it serves the
 * bytes with their content type — unsigned, no Authorization, and from any client, not only loopback
 * (images are meant to be shown to people; the route sits before the loopback-only control API).
 * Permanent like the real ones: kept until a reset.
 *
 * Storage (our choice): the bytes are a content-addressed blob of the store (files beside the data
 * file, a capped map in memory), written durably before the image record; the record (`data.media`)
 * goes through `ctx.mutate`, so it is durable before the reply, survives a restart with the data file
 * and vanishes with a reset like all state. Identical bytes are stored once (by SHA-256); every upload
 * still gets its own id and URL, as the real API hands out a new URL per upload.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { ApiError, assert } from '../../errors.js';
import { StoreError } from '../../store/port.js';
import type { FidelityChecks } from '../../options.js';
import { missingPart } from '../../protocol/multipart.js';
import type { MockData } from '../../store/state.js';
import type { Store } from '../../store/store.js';
import { rfc3339 } from '../../time.js';
import type { FamilyHandlers } from '../types.js';

/** 2 MB (api-reference.md §2.15: "≤ 2 MB", docs "文件大小不能超过2M"), taken as 2 MiB. */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

/** Where the mock serves uploaded images, under its base URL. */
export const MEDIA_PATH = '/_mock/media/';

export type ImageExt = 'jpg' | 'png' | 'bmp';

export interface MediaImage {
  id: string;
  /** The uploading merchant. */
  mchid: string;
  /** `meta.filename` as sent. */
  filename: string;
  /** From the content (magic bytes), not from the name. */
  content_type: 'image/jpeg' | 'image/png' | 'image/bmp';
  ext: ImageExt;
  /** Lower-case hex SHA-256 of the bytes; the key of the blob. */
  sha256: string;
  size: number;
  /** Pixel size read from the image's header (image-size); absent when unreadable, or for images stored before it was recorded. */
  width?: number;
  height?: number;
  create_time: string;
}

export interface MediaState {
  /** Issued images by id. */
  images: Record<string, MediaImage>;
  /** Data files of version 1 kept the bytes here, base64 by SHA-256 (read, never written now). */
  blobs?: Record<string, string>;
}

/** Image type by content: JPEG FF D8 FF, PNG 89 50 4E 47, BMP "BM". */
export function sniffImage(data: Buffer): { content_type: MediaImage['content_type']; ext: ImageExt } | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return { content_type: 'image/jpeg', ext: 'jpg' };
  if (data.length >= 4 && data[0] === 0x89 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47)
    return { content_type: 'image/png', ext: 'png' };
  if (data.length >= 2 && data[0] === 0x42 && data[1] === 0x4d) return { content_type: 'image/bmp', ext: 'bmp' };
  return undefined;
}

const MEDIA_FILE = /^([0-9a-f]{32})\.(jpg|png|bmp)$/;

/** The image a media URL names, in any host/port/scheme form of our path (clients may rewrite hosts). */
export function issuedMedia(data: MockData, url: string): MediaImage | undefined {
  let pathname: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    pathname = parsed.pathname;
  } catch {
    return undefined;
  }
  // A base URL may carry a path prefix (a reverse proxy): our path is matched at the end.
  const at = pathname.lastIndexOf(MEDIA_PATH);
  if (at === -1) return undefined;
  const m = MEDIA_FILE.exec(pathname.slice(at + MEDIA_PATH.length));
  if (!m) return undefined;
  const image = data.media?.images[m[1]];
  return image && image.ext === m[2] ? image : undefined;
}

/**
 * For the families that take image URLs (stock pattern_info images, pay-gift activity images):
 * true when this mock issued the URL (any host/port form of our path), or — with the fidelity check
 * `mediaUrls: 'any'` (the lenient profile, `--relax-media-urls`) — for any absolute http(s) URL, e.g. a
 * real `https://qpic.cn/…` URL kept in a test suite.
 */
export function isIssuedMediaUrl(data: MockData, url: string, mediaUrls: FidelityChecks['mediaUrls']): boolean {
  if (typeof url !== 'string') return false;
  if (mediaUrls === 'any') {
    try {
      return /^https?:$/.test(new URL(url).protocol);
    } catch {
      return false;
    }
  }
  return issuedMedia(data, url) !== undefined;
}

/**
 * With the fidelity check `imageSizes: 'documented'` (the strict profile): what is wrong with the pixel
 * size of an issued image (issuedMedia), or undefined — also when the check is off, there is no such
 * image, or its size is not known (an unreadable header, or stored before sizes were recorded).
 */
export function documentedSizeProblem(
  image: MediaImage | undefined,
  [width, height]: readonly [number, number],
  imageSizes: FidelityChecks['imageSizes'],
): string | undefined {
  if (imageSizes !== 'documented') return undefined;
  if (image?.width === undefined || (image.width === width && image.height === height)) return undefined;
  return `${image.width}×${image.height} px, not ${width}×${height}`;
}

const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The pixel size from the image's header, for the documented sizes where it is used (the fidelity check
 * `imageSizes`). image-size reads only the header, and is loaded by the first upload, not at start.
 * An image whose header it cannot read (the type check only looks at the magic bytes) has none.
 */
async function pixelSize(data: Buffer): Promise<{ width: number; height: number } | Record<string, never>> {
  const { imageSize } = await import('image-size');
  try {
    const { width, height } = imageSize(data);
    return { width, height };
  } catch {
    return {};
  }
}

export const favorMediaHandlers = {
  'favor.uploadImage': async (ctx) => {
    const meta = ctx.body;
    const file = ctx.upload?.file;
    // The required-part wording is the real server's for a missing field; labels from the docs.
    if (!file) throw missingPart('file', '图片文件');
    // The messages below are ours, in the style of the real ones (the real texts are not documented).
    assert(file.data.length > 0, 'PARAM_ERROR', '图片文件不能为空', {
      field: 'file',
      value: 0,
      issue: 'the file part is empty',
      location: 'body',
    });
    assert(file.data.length <= MAX_IMAGE_BYTES, 'PARAM_ERROR', '图片大小不能超过2M', {
      field: 'file',
      value: file.data.length,
      issue: `file is ${file.data.length} bytes, more than ${MAX_IMAGE_BYTES}`,
      location: 'body',
    });
    const digest = sha256Hex(file.data);
    assert(meta.sha256.toLowerCase() === digest, 'PARAM_ERROR', '文件摘要sha256与图片文件内容不一致', {
      field: '/sha256',
      value: meta.sha256,
      issue: `sha256 of the file bytes is ${digest}`,
      location: 'body',
    });
    const kind = sniffImage(file.data);
    assert(kind, 'PARAM_ERROR', '图片格式不正确，媒体图片只支持JPG、BMP、PNG格式', {
      field: 'file',
      value: null,
      issue: 'content is not a JPEG, PNG or BMP image (by its magic bytes)',
      location: 'body',
    });

    const id = randomBytes(16).toString('hex');
    const image: MediaImage = {
      id,
      mchid: ctx.mchid,
      filename: meta.filename,
      ...kind,
      sha256: digest,
      size: file.data.length,
      ...(await pixelSize(file.data)),
      create_time: rfc3339(ctx.clock.nowMs(), { millis: true }),
    };
    try {
      await ctx.blobs.put(digest, file.data);
    } catch (err) {
      // Our own refusal (the in-memory cap) says what to do; a disk error says nothing of the machine.
      throw new ApiError('SYSTEM_ERROR', '系统错误', err instanceof StoreError ? { issue: err.message } : undefined);
    }
    ctx.mutate((data) => {
      (data.media ??= { images: {} }).images[id] = image;
    });
    return { body: { media_url: `${ctx.baseUrl}${MEDIA_PATH}${id}.${kind.ext}` } };
  },
} satisfies FamilyHandlers;

/** GET/HEAD `/_mock/media/<id>.<ext>`: the bytes, unsigned, no auth. Mounted at MEDIA_PATH by app.ts. */
export function mediaRoutes(store: Pick<Store, 'data' | 'blobs'>): Hono {
  const app = new Hono();
  app.get('/:file', async (c) => {
    const m = MEDIA_FILE.exec(c.req.param('file'));
    const image = m ? store.data.media?.images[m[1]] : undefined;
    const legacy = image && store.data.media?.blobs?.[image.sha256];
    const bytes = image && image.ext === m![2] ? (legacy ? Buffer.from(legacy, 'base64') : await store.blobs.get(image.sha256)) : undefined;
    if (!image || bytes === undefined) return new Response(null, { status: 404 });
    const etag = `"${image.sha256}"`;
    const headers = { 'Content-Type': image.content_type, ETag: etag, 'Cache-Control': 'public, max-age=31536000, immutable' };
    if (
      c.req
        .header('if-none-match')
        ?.split(/\s*,\s*/)
        .includes(etag)
    )
      return new Response(null, { status: 304, headers });
    return new Response(new Uint8Array(bytes), { status: 200, headers: { ...headers, 'Content-Length': String(bytes.length) } });
  });
  return app;
}
