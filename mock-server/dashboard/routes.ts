/**
 * The dashboard at /_mock/ui (mounted by control/routes.ts, so the control API's loopback rule holds):
 * one HTML page, its script and stylesheet from mock-server/dashboard/public/, and Preact + htm
 * served from this package's own dependencies (node_modules) — no CDN, no build step, works offline.
 * The page reads the control API (/_mock/state/…, /_mock/journal/stream, /_mock/callbacks, …) and
 * changes state only through it. See docs/guides/dashboard.md.
 */
import { Hono } from 'hono';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

export const DASHBOARD_PATH = '/_mock/ui';

const PUBLIC_DIR = join(PACKAGE_ROOT, 'mock-server', 'dashboard', 'public');
const require = createRequire(import.meta.url);

/** Asset name → file. Preact's and htm's ES module builds, found where npm installed them. */
const ASSETS: Record<string, () => string> = {
  'dashboard.js': () => join(PUBLIC_DIR, 'dashboard.js'),
  'dashboard.css': () => join(PUBLIC_DIR, 'dashboard.css'),
  'vendor/preact.mjs': () => require.resolve('preact'),
  'vendor/hooks.mjs': () => require.resolve('preact/hooks'),
  // htm's package maps `require` to its CommonJS build; the ES module sits next to it.
  'vendor/htm.mjs': () => join(dirname(require.resolve('htm')), 'htm.mjs'),
};

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** Read once, on first use: the page costs nothing to a mock nobody looks at. */
const cache = new Map<string, string>();
function read(name: string, file: () => string): string {
  let text = cache.get(name);
  if (text === undefined) cache.set(name, (text = readFileSync(file(), 'utf8')));
  return text;
}

/**
 * Same-origin scripts only, plus the page's inline import map by its hash; no inline handlers, no
 * frames. Values from the journal are rendered as text by Preact, never as HTML.
 */
function policy(html: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(importMap).digest('base64');
  return [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function answer(body: string, type: string, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    headers: { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', ...extra },
  });
}

/** The page (GET /_mock/ui, its contract contracts/_mock/dashboard.json). */
export function dashboardPage(): Response {
  const html = read('index.html', () => join(PUBLIC_DIR, 'index.html'));
  return answer(html, TYPES.html, { 'Content-Security-Policy': policy(html), 'Referrer-Policy': 'no-referrer' });
}

/** The page's other spellings (`/_mock/ui/`, `/_mock/ui/index.html`) and its assets; GET /_mock/ui itself is the control router's. */
export function dashboardRoutes(): Hono {
  const app = new Hono();
  app.get('/*', async (c, next) => {
    const name = c.req.path.slice(DASHBOARD_PATH.length).replace(/^\//, '');
    if (name === '' || name === 'index.html') return dashboardPage();
    const file = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (file) return answer(read(name, file), TYPES[name.split('.').pop()!]);
    await next(); // the control API's 404
  });
  return app;
}
