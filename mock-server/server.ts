/**
 * startMock: the emulator on a real port, for test suites and the CLI.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createApp, type Deliveries, type MockApp } from './app.js';
import type { Clock } from './clock.js';
import type { Credentials } from './credentials.js';
import type { JournalEntry, JournalFilter } from './journal.js';
import type { MockOptions } from './options.js';

export interface StartOptions extends MockOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the control API is unauthenticated. */
  host?: string;
}

export interface RunningMock {
  url: string;
  port: number;
  host: string;
  credentials: Credentials;
  clock: Clock;
  mock: MockApp;
  server: Server;
  reset(): Promise<void>;
  journal(filter?: JournalFilter): JournalEntry[];
  /** COUPON.USE delivery, the delivery log and replay: see MockApp. */
  deliverCouponUse: MockApp['deliverCouponUse'];
  deliveries: Deliveries;
  replayCallback: MockApp['replayCallback'];
  /** 代金券 control operations and the "coupon used" event: see MockApp. */
  useCoupon: MockApp['useCoupon'];
  refundCoupon: MockApp['refundCoupon'];
  onCouponUsed: MockApp['onCouponUsed'];
  /** The callback handler check and the contract report: see MockApp. */
  checkCallbackHandler: MockApp['checkCallbackHandler'];
  report: MockApp['report'];
  close(): Promise<void>;
}

/** What Node answers itself (header overflow, malformed HTTP) still gets a JSON envelope. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket) {
  if (!socket.writable) return socket.destroy();
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify({ code: 'INVALID_REQUEST', message: tooLarge ? 'HTTP请求头过大' : 'HTTP请求格式错误' });
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startMock(options: StartOptions = {}): Promise<RunningMock> {
  const mock = await createApp(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer({ maxHeaderSize: 16 * 1024 }, mock.listener);
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    host,
    credentials: mock.credentials,
    clock: mock.clock,
    mock,
    server,
    reset: mock.reset,
    journal: mock.journal,
    deliverCouponUse: mock.deliverCouponUse,
    deliveries: mock.deliveries,
    replayCallback: mock.replayCallback,
    useCoupon: mock.useCoupon,
    refundCoupon: mock.refundCoupon,
    onCouponUsed: mock.onCouponUsed,
    checkCallbackHandler: mock.checkCallbackHandler,
    report: (o) => mock.report({ source: url, ...o }),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => mock.close())),
  };
}
