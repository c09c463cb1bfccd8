/**
 * One message for a running mock that does not answer, for every command that calls one (report,
 * use-coupon): undici's own text is "fetch failed"; the cause says why (connect ECONNREFUSED …).
 */
export function unreachable(url: string, err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  const why = cause?.message ?? (err as Error).message;
  return `cannot reach ${url} (${why}): is the mock running? Start it with "wxpay-mock start", or point --url or WXPAY_MOCK_URL at it`;
}
