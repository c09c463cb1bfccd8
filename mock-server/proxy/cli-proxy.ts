/**
 * `wxpay-mock proxy --upstream URL [--port N]` — the validating proxy (proxy/server.ts) until SIGINT
 * or SIGTERM. Prints where it listens and an env block that points clients at it: eval it, run the
 * client, then `wxpay-mock report --url $WXPAY_MOCK_URL` reads the proxy's journal.
 */
import { startProxy } from './server.js';
import { DEFAULT_PROXY_PORT } from './upstream.js';

export { DEFAULT_PROXY_PORT };

export interface ProxyArgs {
  upstream: string;
  port: number;
  journalSize?: number;
  contractsDir?: string;
}

type Out = (text: string) => void;

export async function proxyCommand(args: ProxyArgs, out: Out, err: Out): Promise<number> {
  const proxy = await startProxy({
    upstream: args.upstream,
    port: args.port,
    journalSize: args.journalSize,
    contractsDir: args.contractsDir,
  });
  out(`# wxpay-mock proxy listening on ${proxy.url}, forwarding to ${proxy.upstream} (journal: ${proxy.url}/_mock/journal)\n`);
  out(`export WXPAY_MOCK_URL='${proxy.url}'\nexport WXPAY_PROXY_UPSTREAM='${proxy.upstream}'\n`);
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      err(`# wxpay-mock proxy: ${signal}, exiting\n`);
      proxy.close().then(resolveStop);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
