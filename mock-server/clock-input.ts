/**
 * What the virtual clock accepts, one rule for the control API and the programmatic API: a time is
 * a Date, epoch milliseconds or an RFC 3339 string with offset; a duration is milliseconds or text
 * like `90s`, `15m`, `2h`, `1d`, `500ms`. Every result must stay inside 1970-01-01T00:00:00Z …
 * 9999-12-31T23:59:59.999+08:00: beyond it the RFC 3339 times the API writes cannot be written
 * (`new Date(1e20)` is an Invalid Date and every request would answer 500).
 */
import { parseRfc3339 } from './time.js';

/** Epoch ms of the last instant whose +08:00 RFC 3339 text still has a four-digit year. */
export const MAX_CLOCK_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999) - 8 * 3600_000;
export const MIN_CLOCK_MS = 0;

/** A refused clock input: the control API answers it 400 PARAM_ERROR with this message. */
export class ClockInputError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const TIME_FORM = 'must be an RFC 3339 string with offset (e.g. 2027-01-04T10:00:00+08:00), epoch milliseconds or a valid Date';
const RANGE = 'between 1970-01-01T08:00:00+08:00 and 9999-12-31T23:59:59+08:00';

/** Durations: milliseconds as a number, or text like `90s`, `15m`, `2h`, `1d`, `500ms`; NaN otherwise. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const m = typeof value === 'string' ? /^(-?\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim()) : null;
  if (!m) return NaN;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** A clock time as epoch ms, or a ClockInputError naming `field`. */
export function clockTime(value: unknown, field = 'time'): number {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? parseRfc3339(value) : typeof value === 'number' ? value : NaN;
  if (!Number.isFinite(ms)) throw new ClockInputError(field, `${field} ${TIME_FORM}`);
  if (ms < MIN_CLOCK_MS || ms > MAX_CLOCK_MS) throw new ClockInputError(field, `${field} must be ${RANGE}`);
  return ms;
}

/** A duration in ms that keeps `fromMs` inside the clock's range, or a ClockInputError naming `field`. */
export function clockAdvance(value: unknown, fromMs: number, field = 'by'): number {
  const ms = parseDuration(value);
  if (!Number.isFinite(ms)) throw new ClockInputError(field, `${field} must be milliseconds or a duration like "90s", "15m", "2h", "1d"`);
  const to = fromMs + ms;
  if (!(to >= MIN_CLOCK_MS && to <= MAX_CLOCK_MS)) throw new ClockInputError(field, `${field} would move the clock outside ${RANGE}`);
  return ms;
}
