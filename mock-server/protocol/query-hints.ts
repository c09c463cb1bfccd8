/**
 * Journal hints for query strings (never sent to the client). The list-stocks page says times in the
 * query must be URL-encoded: a raw `+` of `+08:00` reads as a space (application/x-www-form-urlencoded),
 * so `2026-03-01T00:00:00+08:00` arrives as `2026-03-01T00:00:00 08:00` and fails the time format.
 */
import type { Finding } from '../journal.js';

/** Query parameters whose raw text holds a `+` right before an `HH:MM` offset. */
function rawPlusOffsets(target: string): { name: string; raw: string }[] {
  const q = target.indexOf('?');
  if (q === -1) return [];
  return target
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return { name: eq === -1 ? pair : pair.slice(0, eq), raw: eq === -1 ? '' : pair.slice(eq + 1) };
    })
    .filter((p) => /\+\d{2}(:|%3A)\d{2}/i.test(p.raw));
}

/** Adds the `%2B08:00` hint to the query finding of a parameter sent with a raw `+` offset. */
export function addRawPlusHint(target: string, findings: Finding[]): void {
  const raw = rawPlusOffsets(target);
  if (!raw.length) return;
  for (const f of findings) {
    if (f.kind !== 'contract' || f.location !== 'query' || f.hint) continue;
    const sent = raw.find((p) => p.name === f.field);
    if (!sent) continue;
    const offset = /\+(\d{2})(?::|%3A)(\d{2})/i.exec(sent.raw)!;
    f.hint =
      `the raw "+" in ${f.field}=${sent.raw} reads as a space in a query string, so the time arrived as "${String(f.value)}". ` +
      `URL-encode the time (the list-stocks page requires it): +${offset[1]}:${offset[2]} → %2B${offset[1]}:${offset[2]} ` +
      `(encodeURIComponent / url.QueryEscape / urlencode). Sign the encoded target exactly as sent`;
  }
}
