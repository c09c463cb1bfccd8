/**
 * npm run bench:cli — how long `wxpay-mock <command>` takes to start and finish for commands that
 * start no server, and `start` to the end of its env block then SIGTERM: the wall time (median and best
 * of N spawns) and the CPU each spawn used (user + system, from /proc: what the process cost, however
 * busy the machine). Then `createApp()` 50 times in one process (what a test file does): the first app
 * and each one after. A report, not a test.
 *
 *   npm run bench:cli                       the built CLI (dist/, rebuilt first when stale)
 *   npm run bench:cli -- --cli OTHER/wxpay-mock.cjs another build, e.g. an older one, to compare
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const at = process.argv.indexOf('--cli');
const CLI =
  at !== -1 && process.argv[at + 1] ? process.argv[at + 1] : join(import.meta.dirname, '..', 'dist', 'mock-server', 'wxpay-mock.cjs');
const RUNS = 15;
/** A port nobody listens on: use-coupon and report fail fast, as against a stopped mock. */
const NOWHERE = 'http://127.0.0.1:9';

const CASES: [string, string[]][] = [
  ['node -e 0 (Node itself)', []],
  ['--version', ['--version']],
  ['--help', ['--help']],
  ['credentials', ['credentials']],
  ['use-coupon (mock down)', ['use-coupon', '1', '--url', NOWHERE]],
  ['report (mock down)', ['report', '--url', NOWHERE]],
  ['openapi', ['openapi']],
  ['start (listening, SIGTERM)', ['--port', '0', '--in-memory', '--log', 'silent']],
];

/** `start`: until the env block's last line is printed, then SIGTERM, as a test's CLI helper does. */
async function startAndStop(argv: string[]): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('WXPAY_PUBLIC_KEY_PATH')) child.kill('SIGTERM');
  });
  // A build before 7ad95d3 may die by the signal itself (it printed the block before its handlers).
  const [code, signal] = await once(child, 'exit');
  if (code !== 0 && signal !== 'SIGTERM') throw new Error(`start exited ${code ?? signal}`);
}

const TICK_MS = 10; // CLK_TCK 100 (Linux)
/** CPU ms of this process's reaped children (utime + stime fields 16 and 17 of /proc/self/stat). */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`${CLI}, ${RUNS} spawns each\n`);
console.log('command                    wall median  wall best  CPU per spawn');
for (const [name, argv] of CASES) {
  const walls: number[] = [];
  const cpu0 = childrenCpuMs();
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    if (argv[0] === '--port') await startAndStop(argv);
    else {
      const run = argv.length
        ? spawnSync(process.execPath, [CLI, ...argv], { stdio: 'ignore', env: { ...process.env, WXPAY_MOCK_URL: '' } })
        : spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      if (run.error) throw run.error;
    }
    walls.push(performance.now() - t0);
  }
  const cpu = (childrenCpuMs() - cpu0) / RUNS;
  console.log(
    `${name.padEnd(26)} ${`${median(walls).toFixed(0)} ms`.padStart(11)}  ${`${Math.min(...walls).toFixed(0)} ms`.padStart(9)}  ${`${cpu.toFixed(0)} ms`.padStart(13)}`,
  );
}

// createApp 50 times in a process of its own (the build's programmatic API next to the CLI).
const index = pathToFileURL(join(dirname(CLI), 'index.js')).href;
const apps = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `const { createApp } = await import(${JSON.stringify(index)});
const t0 = performance.now();
await (await createApp({ log: 'silent' })).close();
const t1 = performance.now(), c1 = process.cpuUsage();
for (let i = 1; i < 50; i++) await (await createApp({ log: 'silent' })).close();
const c = process.cpuUsage(c1);
console.log(JSON.stringify({ first: t1 - t0, wall: (performance.now() - t1) / 49, cpu: (c.user + c.system) / 1000 / 49 }));`,
  ],
  { encoding: 'utf8' },
);
if (apps.status !== 0) throw new Error(`createApp run failed: ${apps.stderr}`);
const a = JSON.parse(apps.stdout) as { first: number; wall: number; cpu: number };
console.log(
  `\ncreateApp() ×50 in one process: first ${a.first.toFixed(0)} ms, then ${a.wall.toFixed(1)} ms wall / ${a.cpu.toFixed(1)} ms CPU per app`,
);
