/** `wxpay-mock proxy --upstream URL`: the validating proxy (../../proxy/cli-proxy.ts). */
import { proxyCommand } from '../../proxy/cli-proxy.js';
import { parseUpstream } from '../../proxy/upstream.js';
import { DEFAULT_PROXY_PORT, type PROXY_OPTIONS } from '../options.js';
import { UsageError, type Invocation } from '../spec.js';

export async function run({ values }: Invocation<typeof PROXY_OPTIONS>): Promise<number> {
  if (!values.upstream) throw new UsageError('proxy needs --upstream URL (e.g. https://api.mch.weixin.qq.com or a running mock)');
  try {
    parseUpstream(values.upstream);
  } catch (err) {
    throw new UsageError(`--upstream: ${(err as Error).message}`);
  }
  return proxyCommand(
    { upstream: values.upstream, port: values.port ?? DEFAULT_PROXY_PORT, journalSize: values['journal-size'] },
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
