/**
 * 支付有礼 images (merchant logo, award images) must come from the marketing image upload
 * (api-reference.md §3.1: 仅支持通过《图片上传API》接口获取的图片URL地址). The one place that asks:
 * the upload (mock-server/operations/favor/media.ts) knows which URLs it issued; the fidelity check
 * `mediaUrls: 'any'` (lenient profile, `--relax-media-urls`) accepts any http(s) URL.
 */
import { isIssuedMediaUrl } from '../favor/media.js';
import type { OperationContext } from '../types.js';

export function isUploadedImageUrl(ctx: OperationContext, url: string): boolean {
  return isIssuedMediaUrl(ctx.data, url, ctx.options.checks.mediaUrls);
}
