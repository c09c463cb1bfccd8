/** `wxpay-mock import FILE`: replace the running mock's state with a snapshot (../state.ts). */
import { importCommand } from '../state.js';
import { mockUrl, type STATE_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values, operands }: Invocation<typeof STATE_OPTIONS>): Promise<number> {
  return importCommand(
    { url: mockUrl(values.url), file: operands[0] },
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
