/**
 * `wxpay-mock exec [options] -- <command> [args…]` — the mock for exactly one command, like
 * `firebase emulators:exec`: start the mock (in memory unless --data), run the command with
 * WXPAY_MOCK_URL and the credentials env exported, stop the mock, print the contract report.
 *
 * Exit: the command's status (128 + signal number when a signal ended it); when the command passed,
 * 1 with --report-strict if the report has a violation; 1 when the mock cannot start (nothing runs).
 * A single argument is run by the shell (`exec -- "npm test && go test ./..."`), several are run
 * directly. SIGINT/SIGTERM are passed to the command; the mock stops after it.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { envVars } from '../credentials.js';
import { formatReport, type ReportFormat } from '../report/format.js';
import { startMock, type RunningMock, type StartOptions } from '../server.js';

export interface ExecArgs {
  command: string[];
  start: StartOptions;
  format: ReportFormat;
  out?: string;
  reportStrict: boolean;
}

type Out = (text: string) => void;

/** Longest wait for COUPON.USE attempts still in flight before the report is taken. */
const SETTLE_MS = 5_000;

function run(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [file, ...args] = command;
  const child = spawn(file, args, { stdio: 'inherit', env, shell: command.length === 1 });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve) => {
    const done = (code: number) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code);
    };
    child.once('error', (err) => {
      process.stderr.write(`wxpay-mock exec: cannot run ${file}: ${err.message}\n`);
      done(127);
    });
    child.once('exit', (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}

export async function execCommand(args: ExecArgs, out: Out, err: Out): Promise<number> {
  let running: RunningMock;
  try {
    running = await startMock(args.start);
  } catch (e) {
    err(`wxpay-mock exec: the mock did not start: ${(e as Error).message}\n`);
    return 1;
  }
  err(`# wxpay-mock listening on ${running.url} for: ${args.command.join(' ')}\n`);
  let status: number;
  let report;
  try {
    status = await run(args.command, { ...process.env, ...envVars(running.credentials, running.url) });
    // Attempts already under way finish first; retries due later in virtual time are left to the report.
    await Promise.race([running.deliveries.idle(), new Promise((r) => setTimeout(r, SETTLE_MS).unref())]);
    report = running.report();
  } finally {
    await running.close();
  }
  if (args.out) {
    try {
      writeFileSync(args.out, formatReport(report, args.format));
    } catch (e) {
      err(`wxpay-mock exec: cannot write ${args.out}: ${(e as Error).message}\n`);
      return status || 1;
    }
    out(formatReport(report, 'text'));
  } else out(formatReport(report, args.format));
  if (status !== 0) return status;
  if (args.reportStrict && !report.ok) {
    err(
      `wxpay-mock exec: the command passed but the report FAILED (--report-strict): ${report.violations.length} violation(s); first: ${report.violations[0]?.summary ?? report.warnings[0]?.summary}\n`,
    );
    return 1;
  }
  return 0;
}
