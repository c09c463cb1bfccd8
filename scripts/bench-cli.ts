/**
 * npm run bench:cli — how long `wxpay-mock <command>` takes to start and finish for commands that
 * start no server: the wall time (median and best of N spawns) and the CPU each spawn used (user +
 * system, from /proc: what the process cost, however busy the machine). A report, not a test.
 *
 *   npm run bench:cli                       the built CLI (dist/; run npm run build first)
 *   npm run bench:cli -- --cli OTHER/cli.js another build, e.g. an older one, to compare
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const at = process.argv.indexOf('--cli');
const CLI = at !== -1 && process.argv[at + 1] ? process.argv[at + 1] : join(import.meta.dirname, '..', 'dist', 'mock-server', 'cli.js');
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
];

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
    const run = argv.length
      ? spawnSync(process.execPath, [CLI, ...argv], { stdio: 'ignore', env: { ...process.env, WXPAY_MOCK_URL: '' } })
      : spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    walls.push(performance.now() - t0);
    if (run.error) throw run.error;
  }
  const cpu = (childrenCpuMs() - cpu0) / RUNS;
  console.log(
    `${name.padEnd(26)} ${`${median(walls).toFixed(0)} ms`.padStart(11)}  ${`${Math.min(...walls).toFixed(0)} ms`.padStart(9)}  ${`${cpu.toFixed(0)} ms`.padStart(13)}`,
  );
}
