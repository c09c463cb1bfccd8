#!/usr/bin/env node
/**
 * The `wxpay-mock` command (package.json `bin`): sizes libuv's thread pool (threadpool.cts), then runs
 * the CLI (cli.ts). CommonJS because the pool's size is read from UV_THREADPOOL_SIZE once, when the
 * pool starts, and Node's ES module loader starts it (its file reads) before an ES module's first line
 * runs. A size the user set in UV_THREADPOOL_SIZE is kept. The variable is set only for the instant the
 * pool starts: the commands' child processes (`exec`'s command, its tests) get the environment as it was.
 */
import { stat } from 'node:fs';
import { threadPoolSize } from './threadpool.cjs';

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  process.env.UV_THREADPOOL_SIZE = String(threadPoolSize());
  stat(__filename, () => {}); // the pool's first work item: it starts now, with that size
  delete process.env.UV_THREADPOOL_SIZE;
}
void import('./cli.js');
