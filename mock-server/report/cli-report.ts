/**
 * `wxpay-mock report [--url URL] [--format text|json|junit] [--out FILE] [--strict]` — the contract
 * report of a running mock. Without --out the report goes to stdout in the chosen format; with it,
 * the file gets that format and stdout the text report (readable CI logs beside a JUnit file).
 * Exit 0: no violation; 1: violations (or warnings with --strict), the first named on stderr;
 * 3: no report (mock unreachable, bad answer, unwritable file).
 */
import { writeFileSync } from 'node:fs';
import { formatReport, type ReportFormat } from './format.js';
import { buildReport } from './model.js';
import { fetchReportInput, ReportSourceError } from './source.js';

export interface ReportArgs {
  url: string;
  format: ReportFormat;
  out?: string;
  strict: boolean;
  contractsDir?: string;
}

type Out = (text: string) => void;

export async function reportCommand(args: ReportArgs, out: Out, err: Out): Promise<number> {
  let report;
  try {
    report = buildReport(await fetchReportInput(args.url, { contractsDir: args.contractsDir }), { strict: args.strict });
  } catch (e) {
    if (!(e instanceof ReportSourceError)) throw e;
    err(`wxpay-mock report: ${e.message}\n`);
    return 3;
  }
  if (args.out) {
    try {
      writeFileSync(args.out, formatReport(report, args.format));
    } catch (e) {
      err(`wxpay-mock report: cannot write ${args.out}: ${(e as Error).message}\n`);
      return 3;
    }
    out(formatReport(report, 'text'));
  } else out(formatReport(report, args.format));
  if (report.ok) return 0;
  const failing = report.violations.length ? report.violations : report.warnings;
  err(
    `wxpay-mock report: FAILED, ${report.violations.length} violation(s), ${report.warnings.length} warning(s)${report.strict ? ' (strict)' : ''}; first: ${failing[0].summary}\n`,
  );
  return 1;
}
