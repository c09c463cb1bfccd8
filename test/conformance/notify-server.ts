/**
 * The merchant's notify URL for the callbacks scenario: a loopback HTTP server whose handler does
 * what a correct merchant handler does, with the client's own helpers — verify the signature, and
 * only then decrypt and answer 204; refuse anything unverified with 401 (so a probe is refused).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient, EncryptedResource } from './client.js';

export interface HandledNotification {
  headers: Record<string, string>;
  body: string;
  verified: boolean;
  plaintext?: any;
  answered: number;
  error?: string;
}

export interface NotifyServer {
  url: string;
  received: HandledNotification[];
  close(): Promise<void>;
}

export async function startNotifyServer(client: () => ApiClient): Promise<NotifyServer> {
  const received: HandledNotification[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const body = Buffer.concat(chunks).toString('utf8');
      const handled: HandledNotification = { headers, body, verified: false, answered: 401 };
      try {
        handled.verified = await client().verifyNotification({ headers, body });
        if (handled.verified) {
          handled.plaintext = await client().decryptResource(JSON.parse(body).resource as EncryptedResource);
          handled.answered = 204;
        }
      } catch (err) {
        handled.error = (err as Error).message;
        handled.answered = handled.verified ? 500 : 401;
      }
      received.push(handled);
      if (handled.answered === 204) res.writeHead(204).end();
      else
        res
          .writeHead(handled.answered, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ code: 'FAIL', message: handled.error ?? '验签失败' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/wxpay/coupon-use`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
