#!/usr/bin/env node
/**
 * wxpay-mock command line. The commands, their options and their help are declared in cli/commands.ts
 * and cli/options.ts; a command's module (cli/commands/<name>.ts) is imported only once it is chosen,
 * so `credentials`, `--help` or `use-coupon` load neither Hono nor the app nor the store.
 */
import { COMMAND_LIST, overview } from './cli/commands.js';
import { commandHelp, parseCommandLine, UsageError, type Parsed } from './cli/spec.js';
import { VERSION } from './paths.js';

/** The message, and where the help is: the command's when it was named, else the overview. */
function usageError(err: UsageError, helpOf = err.command): number {
  const help = helpOf ? `wxpay-mock ${helpOf} --help` : 'wxpay-mock --help';
  process.stderr.write(`wxpay-mock: ${err.message}\nRun "${help}" for usage.\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseCommandLine(argv, COMMAND_LIST);
  } catch (err) {
    if (err instanceof UsageError) return usageError(err);
    throw err;
  }
  if (parsed.kind === 'help') {
    process.stdout.write((parsed.command ? commandHelp(parsed.command) : overview(VERSION)) + '\n');
    return 0;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  try {
    const module = await parsed.spec.load();
    return await module.run(parsed.invocation);
  } catch (err) {
    if (err instanceof UsageError) return usageError(err, err.command ?? parsed.helpOf);
    throw err;
  }
}

/** Exit once stdout and stderr have flushed: a large report or OpenAPI document on a pipe is not cut short. */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => --pending === 0 && process.exit(code);
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(
  async (code) => {
    // The console log's last lines (exec: the command's requests) before the report's exit; log.ts
    // is loaded already when a command logged.
    const { logsWritten } = await import('./log.js');
    await logsWritten();
    exitAfterFlush(code);
  },
  (err) => {
    process.stderr.write(`wxpay-mock: ${(err as Error).message}\n`);
    exitAfterFlush(1);
  },
);
