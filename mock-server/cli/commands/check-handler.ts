/** `wxpay-mock check-handler <URL>`: the notify-handler conformance run (../../callbacks/cli-check-handler.ts). */
import { checkHandlerCommand } from '../../callbacks/cli-check-handler.js';
import type { CHECK_HANDLER_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values, operands }: Invocation<typeof CHECK_HANDLER_OPTIONS>): Promise<number> {
  return checkHandlerCommand(
    { url: operands[0], mchid: values.mchid, fixturesDir: values.fixtures, junit: values.junit, json: values.json ?? false },
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
