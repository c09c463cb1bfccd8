#!/usr/bin/env node
// Build step (`npm run build`, after tsc): the CLI as one ES module plus chunks loaded on demand, written
// by esbuild over tsc's dist/mock-server/cli.js (the path the bin, the docs and users' scripts name).
// Node 20 loads ES modules file by file (resolve, read, compile, link each): `start` loads ~100 of ours,
// and bundled it costs ≈ 340 instead of ≈ 420 ms of CPU from spawn to listening on the 2-core machine
// (`npm run bench:cli`, both builds in turn); the small commands (credentials, report) stay within
// ±10 ms. Dependencies stay external, resolved from node_modules as the library's are; the library
// (dist/mock-server/index.js …) stays tsc's output.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'mock-server');
rmSync(join(outdir, 'cli-chunks'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['mock-server/cli.ts'],
  bundle: true,
  // The commands' modules (cli/commands/<name>.ts) and the app's lazy parts stay separate chunks, loaded
  // only when used: `--help` or `credentials` still load neither Hono nor the app.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outdir,
  chunkNames: 'cli-chunks/[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
});
