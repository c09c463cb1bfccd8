#!/usr/bin/env node
// `npm test` after the build: vitest, with the type check and the lint running beside it, so they fill
// the time the suite spends waiting on sockets, child processes and timers instead of adding theirs in
// front of it. The lint at normal priority: at nice 10 it got little CPU until the suite's end and then
// ran alone on one core (≈ 11 s after vitest's summary on a fresh clone; ≈ 2.5 s without nice). The type
// check is incremental (tsc -b; `prepare` did the full one) and stays at nice 10. Their output (nothing
// when they pass) is printed after the suite's summary; the exit status is non-zero when any failed.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs `args`; with `capture`, keeps its output to print later. */
function run(args, capture) {
  return new Promise((resolve) => {
    const child = spawn(args[0], args.slice(1), { cwd: root, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let out = '';
    if (capture) for (const stream of [child.stdout, child.stderr]) stream.on('data', (d) => (out += d));
    child.on('error', (err) => resolve({ code: 1, out: `${args.join(' ')}: ${err.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

const checks = [
  ['typecheck', run(['nice', '-n', '10', 'npm', 'run', '-s', 'typecheck'], true)],
  ['lint', run(['npm', 'run', '-s', 'lint'], true)],
];
const suite = await run([join(root, 'node_modules', '.bin', 'vitest'), 'run', ...process.argv.slice(2)], false);
let failed = suite.code !== 0;
for (const [name, done] of checks) {
  const { code, out } = await done;
  if (out.trim()) process.stdout.write(`\n${name}:\n${out}`);
  if (code !== 0) {
    process.stdout.write(`${name} failed (exit ${code})\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
