/** `wxpay-mock trigger coupon-use`: a COUPON.USE on a running mock, end to end (../state.ts). */
import { triggerCommand } from '../state.js';
import { mockUrl, type TRIGGER_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values, operands }: Invocation<typeof TRIGGER_OPTIONS>): Promise<number> {
  return triggerCommand(
    {
      url: mockUrl(values.url),
      event: operands[0],
      mchid: values.mchid,
      notifyUrl: values['notify-url'],
      wait: (values.wait as 'attempt' | 'settled' | undefined) ?? 'attempt',
      json: values.json ?? false,
    },
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
