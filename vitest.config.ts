import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, slowest first (they spawn the CLI, Chromium, PostgreSQL or prism; 20–46 s
 * each on the 2-core machine). Vitest starts the files that took longest in the previous run first, but
 * a fresh clone has no previous run, and it then starts the largest files first: store-crash and
 * conformance-curl, small files of ~30 s each, were left to run nearly alone at the end (a fresh clone's
 * `npm test`: 183 s, the next run with the durations known: 126 s). A file missing here only starts later.
 */
const SLOW_FIRST = [
  'openapi',
  'store-crash',
  'postgres-replicas',
  'report',
  'store',
  'cli-exec',
  'conformance-curl',
  'callbacks',
  'bad-input-sweep',
  'cli',
  'rules-audit',
  'favor-coupon-lists',
  'postgres-store',
  'cli-state',
  'docs-examples',
  'callback-chaos',
  'dashboard',
  'cli-commands',
].map((name) => `test/${name}.test.ts`);

class SlowFirstSequencer extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const known = files.every((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`));
    if (known) return super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.indexOf(relative(this.ctx.config.root, f.moduleId));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The default on a 2-core machine is one worker; most files wait on sockets, child processes and
    // timers as much as they compute, so more workers than cores fill the waits: with two the suite used
    // about 1.1 cores (160 s wall); with four, 1.8 cores (95 s) on this 2-core machine.
    maxWorkers: 4,
    // A larger young generation for the workers (V8's default semi-space is 16 MiB here): each worker
    // holds many apps and files' modules (isolate: false), so objects that die young were promoted and
    // collected again; vitest alone measured 124.9 → 121.0 core-s, 71.6 → 69.4 s on the 2-core machine.
    execArgv: ['--max-semi-space-size=32'],
    // One module graph per worker instead of one per file: every file imports the whole mock (Hono, ajv,
    // the contracts), which was about half of the suite's time (import 27 s → 11 s for ten files here).
    // No test mocks modules or stubs globals, so nothing leaks between files.
    isolate: false,
    hookTimeout: 20_000,
    sequence: { sequencer: SlowFirstSequencer },
    // A PostgreSQL cluster, started only when a test asks for one (test/helpers/postgres.ts).
    globalSetup: ['test/setup/temp-dir.ts', 'test/setup/postgres-cluster.ts'],
    // Quiet by default: `minimal` prints failures and the summary only (`--reporter=verbose` lists every
    // test with its time); console output of passing tests is dropped. The JSON report lets .ci/run
    // print "N passed, N failed".
    reporters: ['minimal', ['json', { outputFile: '.vitest/results.json' }]],
    silent: 'passed-only',
  },
});
