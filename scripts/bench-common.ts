/** What the benchmarks (scripts/bench.ts, bench-callbacks.ts) and their server processes (bench-server.ts) share. */
import type { ChildProcess } from 'node:child_process';

export const BENCH_MCHID = '1900000001';
export const BENCH_NOTIFY_URL = 'http://127.0.0.1:9/wxpay-mock-bench/notify';
export const BENCH_PATH = '/v3/marketing/favor/callbacks';

/** The value at percentile `p` (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The first stdout line matching `wanted`; other lines go to `others`. */
export function lineMatching(child: ChildProcess, wanted: RegExp, timeoutMs: number, others?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => done(new Error(`no line matching ${wanted} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (wanted.test(line)) return done(undefined, line);
        others?.(line);
      }
    };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before printing a line matching ${wanted}`));
    const done = (err?: Error, line?: string) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(line!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM (the mock flushes its store and exits), SIGKILL if it is still there after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
