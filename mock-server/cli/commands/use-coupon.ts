/** `wxpay-mock use-coupon <coupon_id>`: use a coupon on a running mock (../../callbacks/cli-use-coupon.ts). */
import { useCouponCommand } from '../../callbacks/cli-use-coupon.js';
import { mockUrl, type USE_COUPON_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values, operands }: Invocation<typeof USE_COUPON_OPTIONS>): Promise<number> {
  const write = (stream: NodeJS.WriteStream) => (line: string) => stream.write(line + '\n');
  return useCouponCommand(
    {
      couponId: operands[0],
      url: mockUrl(values.url),
      consumeMchid: values['consume-mchid'],
      transactionId: values['transaction-id'],
      consumeTime: values['consume-time'],
      wait: (values.wait as 'attempt' | 'settled' | 'none' | undefined) ?? 'attempt',
      json: values.json ?? false,
    },
    write(process.stdout),
    write(process.stderr),
  );
}
