import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The default on a 2-core machine is one worker; most files wait on sockets, child processes and
    // timers as much as they compute, so more workers than cores fill the waits: with two the suite used
    // about 1.1 cores (160 s wall); with four, 1.8 cores (95 s) on this 2-core machine.
    maxWorkers: 4,
    // One module graph per worker instead of one per file: every file imports the whole mock (Hono, ajv,
    // the contracts), which was about half of the suite's time (import 27 s → 11 s for ten files here).
    // No test mocks modules or stubs globals, so nothing leaks between files.
    isolate: false,
    hookTimeout: 20_000,
    // A PostgreSQL cluster, started only when a test asks for one (test/helpers/postgres.ts).
    globalSetup: ['test/setup/postgres-cluster.ts'],
    // Quiet by default: `minimal` prints failures and the summary only (`--reporter=verbose` lists every
    // test with its time); console output of passing tests is dropped. The JSON report lets .ci/run
    // print "N passed, N failed".
    reporters: ['minimal', ['json', { outputFile: '.vitest/results.json' }]],
    silent: 'passed-only',
  },
});
