/** `wxpay-mock report`: the contract report of a running mock (../../report/cli-report.ts). */
import type { ReportFormat } from '../../report/format.js';
import { reportCommand } from '../../report/cli-report.js';
import { mockUrl, type REPORT_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values }: Invocation<typeof REPORT_OPTIONS>): Promise<number> {
  return reportCommand(
    {
      url: mockUrl(values.url),
      format: (values.format as ReportFormat | undefined) ?? 'text',
      out: values.out,
      strict: values.strict ?? false,
    },
    (text) => process.stdout.write(text),
    (text) => process.stderr.write(text),
  );
}
