#!/usr/bin/env node
// `npm test` step: run `npm run build` unless dist/ is newer than everything the build reads, so
// `npm ci && npm test` builds once (npm ci's `prepare` already built). The CLI tests spawn
// dist/mock-server/cli.js, so after any edit under mock-server/ or contracts/ this builds again.
// Plain JavaScript: no tsx start-up for a check that takes milliseconds.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The build's last output (mock-server/contract/precompile.ts writes it after tsc).
const OUTPUT = join(root, 'dist', 'mock-server', 'contract', 'request-validators.cjs');
const INPUTS = ['mock-server', 'contracts', 'scripts/bundle-cli.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];

function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted or renamed file changes its directory's mtime
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

const built = statSync(OUTPUT, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = Math.max(...INPUTS.map((p) => newest(join(root, p))));
if (built > sources) {
  process.stdout.write('build: dist/ is up to date\n');
} else {
  const run = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
