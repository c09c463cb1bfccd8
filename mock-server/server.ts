/**
 * startMock: the emulator on a real port, for test suites and the CLI.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { appOf, type MockApp } from './app.js';
import { resolveOptions, type StartOptions } from './options.js';

export type { StartOptions };

/** How long an idle keep-alive connection stays open. */
const KEEP_ALIVE_MS = 65_000;

/**
 * The mock on a port: the same API as createApp's MockApp (its members are the app's own), plus where
 * it listens. `report()` names the URL as its source; `close()` stops the server, then the app.
 */
export interface RunningMock extends MockApp {
  url: string;
  port: number;
  host: string;
  server: Server;
  /** The app itself (the same members, without the address). */
  mock: MockApp;
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

/** Why listening failed, in words a user can act on (the port and what to do), else Node's own error. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE')
    return Object.assign(
      new Error(
        `port ${port} on ${host} is already in use (another wxpay-mock?): stop that process, or use --port 0 (startMock({ port: 0 })) for a free port`,
      ),
      { code: err.code },
    );
  if (err.code === 'EACCES')
    return Object.assign(new Error(`no permission to listen on ${host}:${port}: use a port above 1023, or --port 0`), { code: err.code });
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
    return Object.assign(new Error(`cannot listen on ${host}: not an address of this machine (--host)`), { code: err.code });
  return err;
}

export async function startMock(options: StartOptions = {}): Promise<RunningMock> {
  const { port: wanted, host, ...appOptions } = resolveOptions(options, { listen: true });
  // The bound address names this mock too: the control API answers it as a Host (control/guard.ts).
  const bound = host === '0.0.0.0' || host === '::' ? [] : [host.includes(':') ? `[${host}]` : host];
  const mock = await appOf({ ...appOptions, allowHosts: [...appOptions.allowHosts, ...bound] });
  // Idle keep-alive sockets stay open 65 s (Node's default is 5 s, like a load balancer's 60 s): a client
  // whose event loop was blocked longer than 5 s (a synchronous child process, a debugger) would otherwise
  // reuse a socket the mock had just closed and see "other side closed" instead of an answer.
  const server = createServer(
    { maxHeaderSize: 16 * 1024, keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1000 },
    mock.listener,
  );
  server.on('clientError', answerClientError);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await mock.close();
    throw listenError(err as NodeJS.ErrnoException, host, wanted);
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    ...mock,
    url,
    port,
    host,
    mock,
    server,
    report: (o) => mock.report({ source: url, ...o }),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => mock.close())),
  };
}
