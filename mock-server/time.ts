/** WeChat Pay writes times as RFC 3339 in China Standard Time (+08:00). */
export const CST_OFFSET_MS = 8 * 3600_000;

export function rfc3339(date: Date | number, options: { millis?: boolean } = {}): string {
  const ms = typeof date === 'number' ? date : date.getTime();
  const iso = new Date(ms + CST_OFFSET_MS).toISOString();
  return (options.millis ? iso.slice(0, 23) : iso.slice(0, 19)) + '+08:00';
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 time with offset; NaN when malformed or not a real time (month 13, 04-31,
 * 02-29 outside a leap year, hour 24): Date.parse would refuse some of these and roll others over
 * into the next month, so the fields are checked first. The contracts' `rfc3339` format uses this too.
 */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const [offsetHours, offsetMinutes] = [Number(m[8] ?? 0), Number(m[9] ?? 0)];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (!days || day < 1 || day > days || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return NaN;
  return Date.parse(text);
}
