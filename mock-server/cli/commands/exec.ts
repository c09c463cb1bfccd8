/** `wxpay-mock exec [options] -- <command> [args…]`: the mock for one command (../exec.ts). */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fdWriter } from '../../log.js';
import type { ReportFormat } from '../../report/format.js';
import { execCommand } from '../exec.js';
import { checkMockValues, mockStartOptions } from '../mock-options.js';
import type { EXEC_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values, rest }: Invocation<typeof EXEC_OPTIONS>): Promise<number> {
  checkMockValues(values);
  // In memory unless --data or --store (not $WXPAY_MOCK_DATABASE_URL): each run starts from the fixtures, as a CI job expects.
  const dataFile = values.data ? resolve(values.data) : undefined;
  if (dataFile) mkdirSync(dirname(dataFile), { recursive: true });
  const store = values.store ? await (await import('../../store/postgres.js')).postgresBackend(values.store) : undefined;
  return execCommand(
    {
      command: rest,
      // The log goes to stderr: the command's stdout stays its own.
      start: { ...mockStartOptions(values, dataFile, fdWriter(2), process.stderr.isTTY === true), store },
      format: (values.format as ReportFormat | undefined) ?? 'text',
      out: values.out,
      reportStrict: values['report-strict'] ?? false,
    },
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
