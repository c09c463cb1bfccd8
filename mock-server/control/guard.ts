/**
 * Who may drive the control API (/_mock/): it is unauthenticated, and a web page the developer
 * visits must not reach it through their browser.
 *
 * - Client address: loopback only, unless `allowRemoteControl`.
 * - Host header: `localhost`, a 127.x.x.x address, `[::1]`, the host of `baseUrl`, or one of
 *   `allowHosts` (`*`: any). A DNS-rebinding page talks to us under its own name, so its Host is refused.
 * - Origin header, when a browser sends one: its host must pass the same rule (a cross-site page's
 *   fetch or form carries its own origin).
 * - A body must be JSON (`Content-Type: application/json`): an HTML form cannot send that type
 *   across sites without a CORS preflight, which we never answer (no CORS headers at all).
 * - The body is read up to `bodyLimit` (the API's limit) with Hono's body-limit middleware.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { IncomingMessage } from 'node:http';
import type { ResolvedOptions } from '../options.js';
import { jsonResponse } from '../http.js';

/**
 * A refusal sent before the body is read closes the connection: with the body left unread, the Node
 * adapter would otherwise reset a keep-alive socket and the client would see no answer at all.
 */
const controlError = (status: number, code: string, message: string) => jsonResponse(status, { code, message }, { Connection: 'close' });

function isLoopbackClient(c: Context): boolean {
  const addr = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
  // In-process requests (app.request) have no socket: they come from this process.
  if (!addr) return true;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

/** The host name of a Host header value or an origin (`host:port`, `[::1]:8750`, `http://x:1`), lower case, brackets kept. */
function hostnameOf(value: string): string | undefined {
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export function allowedHostnames(options: ResolvedOptions): Set<string> {
  const names = new Set(['localhost', '[::1]']);
  if (options.baseUrl) names.add(hostnameOf(options.baseUrl) ?? '');
  for (const h of options.allowHosts) names.add(h === '*' ? '*' : (hostnameOf(h) ?? h.toLowerCase()));
  return names;
}

const hostAllowed = (allowed: Set<string>, hostname: string | undefined) =>
  hostname !== undefined && (allowed.has('*') || allowed.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname));

export function controlGuard(options: ResolvedOptions): MiddlewareHandler[] {
  const allowed = allowedHostnames(options);
  const guard: MiddlewareHandler = async (c, next) => {
    if (!options.allowRemoteControl && !isLoopbackClient(c))
      return controlError(403, 'NO_AUTH', 'the control API answers loopback clients only (start with --allow-remote-control)');
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!hostAllowed(allowed, hostnameOf(host)))
      return controlError(
        403,
        'NO_AUTH',
        `the control API answers Host localhost, 127.0.0.1 or [::1] only, got "${host.slice(0, 100)}" (add it with --allow-host, or --base-url)`,
      );
    const origin = c.req.header('origin');
    if (origin !== undefined && !hostAllowed(allowed, hostnameOf(origin)))
      return controlError(403, 'NO_AUTH', `the control API does not answer pages of other origins, got Origin "${origin.slice(0, 100)}"`);
    const hasBody = Number(c.req.header('content-length') ?? '0') > 0 || c.req.header('transfer-encoding') !== undefined;
    if (hasBody && c.req.method !== 'GET' && !/^application\/json\b/i.test((c.req.header('content-type') ?? '').trim()))
      return controlError(415, 'INVALID_REQUEST', 'a control request body must be JSON: send Content-Type: application/json');
    await next();
  };
  const limit = bodyLimit({
    maxSize: options.bodyLimit,
    // The API's refusal of a body over the limit (pipeline.ts), with the control API's envelope.
    onError: () => controlError(400, 'INVALID_REQUEST', `请求体超过大小限制（${options.bodyLimit}字节）`),
  });
  // A snapshot import is larger than any API request: its route sets its own limit (control/store.ts).
  const limitUnlessSnapshot: MiddlewareHandler = (c, next) =>
    c.req.method === 'PUT' && c.req.path.endsWith('/_mock/snapshot') ? next() : limit(c, next);
  return [guard, limitUnlessSnapshot];
}
