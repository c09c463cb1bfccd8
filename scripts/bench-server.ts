/**
 * A server under test for scripts/bench.ts, run in its own process so it never shares an event loop
 * with the load generator:
 *
 *   node --import tsx scripts/bench-server.ts ceiling   a bare Hono app (@hono/node-server) whose one route
 *                                                        verifies the request's signature (one RSA-2048 SHA256
 *                                                        verify, on the event loop as the mock's) and signs its
 *                                                        reply (one async sign, on the thread pool as the mock's):
 *                                                        the two RSA operations the mock does per signed GET
 *   node --import tsx scripts/bench-server.ts mock      the mock (startMock, in memory, default options:
 *                                                        what `wxpay-mock --in-memory` runs)
 *
 * Both listen on 127.0.0.1 with a port the OS picks, print `READY <url>` on stdout, and exit when
 * stdin closes (the bench ended or died) or on SIGTERM. Both run the mock's modules as built in dist/
 * (scripts/bench.ts builds it first), which is what `wxpay-mock` runs: through tsx, every closure the
 * code creates per request also pays esbuild's keepNames helper (`__name`, an Object.defineProperty),
 * a cost of the transpiler that the CLI does not have.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sign } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_MCHID, BENCH_NOTIFY_URL, BENCH_PATH } from './bench-common.js';

/** A module of the mock as built (dist/mock-server/…), typed as its source. */
const built = <T>(path: string): Promise<T> => import(new URL(`../dist/mock-server/${path}`, import.meta.url).href) as Promise<T>;
const { chooseSigningKey } = await built<typeof import('../mock-server/protocol/sign-response.js')>('protocol/sign-response.js');
const { parseAuthorization, SCHEME } = await built<typeof import('../mock-server/protocol/authorization.js')>('protocol/authorization.js');
const { verifySignature } = await built<typeof import('../mock-server/protocol/rsa.js')>('protocol/rsa.js');
const { startMock } = await built<typeof import('../mock-server/server.js')>('server.js');
const { loadWorld } = await built<typeof import('../mock-server/world.js')>('world.js');

async function ceiling(): Promise<{ url: string; close(): void }> {
  // The very key the mock signs this merchant's replies with.
  const world = await loadWorld();
  const signer = chooseSigningKey(world.platform, undefined, world.merchants.get(BENCH_MCHID));
  // The mock's reply to the same request, byte for byte, so the client parses the same bytes.
  const body = JSON.stringify({ notify_url: BENCH_NOTIFY_URL, mchid: BENCH_MCHID });
  const requestId = '0'.repeat(44) + '-0';
  let counter = 0;

  const app = new Hono();
  app.get(BENCH_PATH, async (c) => {
    // The request's signature, as the mock checks it: the Authorization fields, the caller's key, the
    // message over the raw target (from Node's request, as the mock reads it) and the empty body.
    const incoming = (c.env as { incoming: IncomingMessage }).incoming;
    const auth = parseAuthorization(incoming.headers.authorization);
    const caller = auth.ok ? world.merchants.get(auth.fields.mchid) : undefined;
    if (!auth.ok || !caller || Math.abs(Number(auth.fields.timestamp) - Date.now() / 1000) > 300)
      return new Response(null, { status: 401 });
    const message = `${incoming.method}\n${incoming.url}\n${auth.fields.timestamp}\n${auth.fields.nonce_str}\n\n`;
    if (!verifySignature(message, auth.fields.signature, caller.verifyKey)) return new Response(null, { status: 401 });
    return new Promise<Response>((resolve, reject) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = (++counter).toString(16).toUpperCase().padStart(32, '0');
      sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, 'utf8'), signer.key, (err, signature) => {
        if (err) return reject(err);
        resolve(
          new Response(body, {
            status: 200,
            headers: {
              'Content-Type': 'application/json; charset=utf-8',
              'Request-ID': requestId,
              'Wechatpay-Nonce': nonce,
              'Wechatpay-Signature': signature.toString('base64'),
              'Wechatpay-Timestamp': timestamp,
              'Wechatpay-Serial': signer.serial,
              'Wechatpay-Signature-Type': SCHEME,
            },
          }),
        );
      });
    });
  });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }),
    );
  });
}

async function mock(): Promise<{ url: string; close(): void }> {
  const running = await startMock({ port: 0, host: '127.0.0.1' });
  return { url: running.url, close: () => void running.close() };
}

const mode = process.argv[2];
if (mode !== 'ceiling' && mode !== 'mock') {
  process.stderr.write('usage: bench-server.ts ceiling|mock\n');
  process.exit(2);
}
const server = await (mode === 'ceiling' ? ceiling() : mock());
process.stdout.write(`READY ${server.url}\n`);
const stop = () => {
  server.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop).on('error', stop).resume();
