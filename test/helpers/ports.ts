/**
 * Ports for servers a test starts in another process (a block's mock, prism, PostgreSQL) and for
 * "nobody listens here": free now, and not one that another file's server can take meanwhile. The
 * files run in parallel and their servers listen on port 0, which the OS answers from its ephemeral
 * range (as it does the local ports of outgoing connections); a port from `listen(0)`, closed and handed
 * to a child, could be given to one of them before the child bound it (seen in a fresh clone's run: a
 * docs example's mock found its port in use). So these are drawn at random below that range and
 * checked by binding them.
 */
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

/** Where the OS's ports for `listen(0)` and outgoing connections start (Linux; elsewhere the IANA range). */
const EPHEMERAL_START = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 49152;
  }
})();
const LOW = 20_000;
const HIGH = Math.min(EPHEMERAL_START, 32_768);

/** A loopback port nothing listens on, outside the range the OS hands out (see above). */
export async function unusedPort(): Promise<number> {
  for (;;) {
    // An ephemeral range starting below LOW + 1000 (unusual) leaves no room: the OS's choice, then.
    const port = HIGH - LOW >= 1000 ? LOW + Math.floor(Math.random() * (HIGH - LOW)) : 0;
    const bound = await new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const { port: got } = server.address() as AddressInfo;
        server.close(() => resolve(got));
      });
    });
    if (bound !== undefined) return bound;
  }
}
