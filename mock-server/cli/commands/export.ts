/** `wxpay-mock export FILE`: the running mock's state as a snapshot (../state.ts). */
import { exportCommand } from '../state.js';
import { mockUrl, type STATE_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values, operands }: Invocation<typeof STATE_OPTIONS>): Promise<number> {
  return exportCommand(
    { url: mockUrl(values.url), file: operands[0] },
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
