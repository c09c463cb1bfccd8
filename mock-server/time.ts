/** WeChat Pay writes times as RFC 3339 in China Standard Time (+08:00). */
const CST_OFFSET_MS = 8 * 3600_000;

export function rfc3339(date: Date | number, options: { millis?: boolean } = {}): string {
  const ms = typeof date === 'number' ? date : date.getTime();
  const iso = new Date(ms + CST_OFFSET_MS).toISOString();
  return (options.millis ? iso.slice(0, 23) : iso.slice(0, 19)) + '+08:00';
}

/** Parses an RFC 3339 time with offset; NaN when malformed. */
export function parseRfc3339(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(text)) return NaN;
  return Date.parse(text);
}
