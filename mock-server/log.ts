/**
 * The console log: one line per API request and per COUPON.USE attempt, so a developer watching
 * `wxpay-mock start` sees what their client did without reading /_mock/journal.
 *
 *   pretty  10:00:00.123 POST /v3/marketing/favor/coupon-stocks favor.createStock 1900000001 → 400 PARAM_ERROR 3.1 ms
 *   json    {"type":"request","time":"…","method":"POST","path":"…","operation":"…","mchid":"…","status":400,"code":"PARAM_ERROR","ms":3.1}
 *   silent  nothing (the default of createApp/startMock, so test suites stay quiet)
 *
 * Colors only when the log goes to a terminal (and NO_COLOR is unset).
 */
import { write as fsWrite } from 'node:fs';
import type { DeliveryAttempt, DeliveryRecord } from './callbacks/types.js';
import type { JournalEntry } from './journal.js';

export const LOG_FORMATS = ['pretty', 'json', 'silent'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Logger {
  /** An API request as journaled (operation, mchid, status, code, duration). */
  request(entry: JournalEntry): void;
  /** A control API call (/_mock/…) that changes something: no operation, no mchid. */
  control(method: string, path: string, status: number, ms: number): void;
  /** One COUPON.USE attempt (or probe) and what the notify URL answered. */
  callback(record: DeliveryRecord, attempt: DeliveryAttempt, maxAttempts: number): void;
  /** A bug inside the mock (answered 500 系统错误): the details go here, never into the reply. */
  error(context: string, err: unknown): void;
}

export interface LoggerOptions {
  /** Where lines go (default: stdout, through fdWriter(1)). */
  write?: (text: string) => void;
  /** ANSI colors (default: when writing to process.stdout and it is a TTY, unless NO_COLOR is set). */
  color?: boolean;
}

/** Log bytes waiting for a slow reader before lines are dropped. */
const PENDING_MAX = 1024 * 1024;

/**
 * A writer to a file descriptor (1: stdout, 2: stderr) that never blocks the mock. process.stdout
 * writes to a pipe synchronously on Linux: a parent that spawned the mock and stopped reading its
 * output would freeze it after 64 KiB of log. Here a line goes out through libuv's thread pool, one
 * write at a time; what a reader does not take waits, up to 1 MiB, then lines are dropped and counted.
 */
export function fdWriter(fd: number): (text: string) => void {
  let pending: Buffer[] = [];
  const idle: (() => void)[] = [];
  let pendingBytes = 0;
  let writing = false;
  let dropped = 0;
  const flush = () => {
    if (!writing && !pendingBytes) for (const resolve of idle.splice(0)) resolve();
    if (writing || !pendingBytes) return;
    writing = true;
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    fsWrite(fd, chunk, (err, written) => {
      writing = false;
      if (err) {
        // nobody reads (EPIPE, EAGAIN): the lines are gone, the mock goes on
        for (const resolve of idle.splice(0)) resolve();
        return;
      }
      if (written < chunk.length) {
        pending.unshift(chunk.subarray(written));
        pendingBytes += chunk.length - written;
      }
      flush();
    });
  };
  writers.add(() => (!writing && !pendingBytes ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))));
  return (text) => {
    if (pendingBytes + text.length > PENDING_MAX) {
      dropped++;
      return;
    }
    if (dropped) {
      text = `(${dropped} log lines dropped: the output was not read)\n${text}`;
      dropped = 0;
    }
    const buf = Buffer.from(text, 'utf8');
    pending.push(buf);
    pendingBytes += buf.length;
    flush();
  };
}

const writers = new Set<() => Promise<void>>();

/** Resolves once every fdWriter has written what it holds, or after `timeoutMs` (a reader that stopped): before the CLI exits. */
export function logsWritten(timeoutMs = 2000): Promise<void> {
  const all = Promise.all([...writers].map((w) => w())).then(() => {});
  return Promise.race([all, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}

const PATH_SHOWN = 200;
const shortPath = (target: string) => (target.length > PATH_SHOWN ? `${target.slice(0, PATH_SHOWN)}…` : target);
const ms = (n: number) => Math.round(n * 10) / 10;

const ANSI = { dim: 2, red: 31, green: 32, yellow: 33, cyan: 36, magenta: 35 } as const;
type Paint = (style: keyof typeof ANSI, text: string) => string;

function clockTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function statusColor(status: number | null): keyof typeof ANSI {
  return status === null || status >= 500 ? 'red' : status >= 400 ? 'yellow' : 'green';
}

export function createLogger(format: LogFormat, options: LoggerOptions = {}): Logger {
  if (format === 'silent') return { request() {}, control() {}, callback() {}, error() {} };
  const write = options.write ?? fdWriter(1);
  const color = options.color ?? (!options.write && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const paint: Paint = color ? (style, text) => `\x1b[${ANSI[style]}m${text}\x1b[0m` : (_style, text) => text;
  const line = (value: unknown) => write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);

  if (format === 'json')
    return {
      request: (e) =>
        line({
          type: 'request',
          time: e.time,
          method: e.method,
          path: e.target,
          operation: e.operation_id,
          mchid: e.mchid,
          status: e.status,
          code: e.code,
          ms: ms(e.duration_ms),
        }),
      control: (method, path, status, took) =>
        line({
          type: 'control',
          time: new Date().toISOString(),
          method,
          path,
          operation: null,
          mchid: null,
          status,
          code: null,
          ms: ms(took),
        }),
      callback: (r, a) =>
        line({
          type: 'callback',
          time: a.time,
          event: r.event_type,
          id: r.id,
          mchid: r.mchid,
          coupon_id: r.coupon_id,
          url: a.url,
          round: a.round,
          attempt: a.n,
          probe: a.probe,
          status: a.status,
          outcome: a.outcome,
          error: a.error,
          ms: ms(a.latency_ms),
          next_attempt_at: r.next_attempt_at,
        }),
      error: (context, err) =>
        line({ type: 'error', time: new Date().toISOString(), context, error: String((err as Error)?.stack ?? err) }),
    };

  return {
    request(e) {
      const status = paint(statusColor(e.status), String(e.status));
      const parts = [
        paint('dim', clockTime(e.time)),
        e.method,
        shortPath(e.target),
        e.operation_id ? paint('cyan', e.operation_id) : paint('dim', '-'),
        e.mchid ?? paint('dim', '-'),
        `→ ${status}${e.code ? ` ${paint(statusColor(e.status), e.code)}` : ''}`,
        paint('dim', `${ms(e.duration_ms)} ms`),
      ];
      line(parts.join(' '));
    },
    control(method, path, status, took) {
      line(
        [
          paint('dim', clockTime(new Date().toISOString())),
          method,
          shortPath(path),
          paint('dim', 'control'),
          `→ ${paint(statusColor(status), String(status))}`,
          paint('dim', `${ms(took)} ms`),
        ].join(' '),
      );
    },
    callback(r, a, maxAttempts) {
      const which = a.probe ? 'probe' : `attempt ${a.n}/${maxAttempts}${a.round > 1 ? ` (replay ${a.round - 1})` : ''}`;
      const answer =
        a.status === null ? paint('red', a.error ?? 'no answer') : paint(a.outcome === 'failed' ? 'red' : 'green', String(a.status));
      const next = r.state === 'pending' && r.next_attempt_at ? paint('dim', `, next at ${r.next_attempt_at}`) : '';
      line(
        [
          paint('dim', clockTime(a.time)),
          paint('magenta', r.event_type),
          r.id,
          `→ ${shortPath(a.url)}`,
          which,
          `→ ${answer}`,
          paint('dim', `${ms(a.latency_ms)} ms`),
        ].join(' ') + next,
      );
    },
    error(context, err) {
      line(
        `${paint('dim', clockTime(new Date().toISOString()))} ${paint('red', `error in ${context}:`)} ${String((err as Error)?.stack ?? err)}`,
      );
    },
  };
}
