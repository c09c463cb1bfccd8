/**
 * `wxpay-mock check-handler <URL> [--mchid M] [--fixtures DIR] [--junit FILE] [--json]` — the notify
 * handler conformance run against a merchant's handler, no running mock needed: the fixture world
 * signs and encrypts (as a mock with the same fixtures would) and the table of verdicts is printed
 * (handler-check.ts). Exit 0 when every case passed; 1 when one failed or could not be judged (no
 * answer); 2 on bad arguments. `--junit FILE` writes one test case per row for CI.
 */
import { writeFileSync } from 'node:fs';
import { createApp } from '../app.js';
import { esc, handlerCaseLine } from '../report/format.js';
import { CallbackError } from './errors.js';
import type { HandlerCheck } from './handler-check.js';

export interface CheckHandlerArgs {
  url: string;
  mchid?: string;
  fixturesDir?: string;
  junit?: string;
  json: boolean;
}

type Out = (text: string) => void;

const xml = esc;

/** One `<testcase>` per row: a failed row is a `<failure>`, an unanswered one an `<error>`. */
export function handlerCheckJunit(check: HandlerCheck): string {
  const cases = check.cases.map((k) => {
    const head = `    <testcase classname="wxpay-mock.check-handler" name="${xml(`${k.case}: ${k.sent}`)}" time="${((k.latency_ms ?? 0) / 1000).toFixed(3)}"`;
    if (k.verdict === 'pass') return `${head}/>`;
    const tag = k.verdict === 'fail' ? 'failure' : 'error';
    return `${head}>\n      <${tag} message="${xml(k.error ?? k.verdict)}">${xml(`expected ${k.expect}; got ${k.status === null ? 'no answer' : `HTTP ${k.status}`}`)}</${tag}>\n    </testcase>`;
  });
  const failures = check.cases.filter((k) => k.verdict === 'fail').length;
  const errors = check.cases.filter((k) => k.verdict === 'inconclusive').length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="wxpay-mock check-handler" tests="${check.cases.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${xml(`notify handler ${check.url} (mchid ${check.mchid})`)}" tests="${check.cases.length}" failures="${failures}" errors="${errors}" timestamp="${check.time}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export async function checkHandlerCommand(args: CheckHandlerArgs, out: Out, err: Out): Promise<number> {
  const mock = await createApp({ fixturesDir: args.fixturesDir });
  let check: HandlerCheck;
  try {
    const mchid = args.mchid ?? [...mock.world.merchants.keys()][0];
    check = await mock.checkCallbackHandler({ url: args.url, mchid });
  } catch (e) {
    if (!(e instanceof CallbackError)) throw e;
    err(`wxpay-mock check-handler: ${e.message}\n`);
    return 2;
  } finally {
    await mock.close();
  }
  if (args.junit) {
    try {
      writeFileSync(args.junit, handlerCheckJunit(check));
    } catch (e) {
      err(`wxpay-mock check-handler: cannot write ${args.junit}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (args.json) out(JSON.stringify(check, null, 2) + '\n');
  else {
    out(`wxpay-mock check-handler — ${check.url} (mchid ${check.mchid}, notification ${check.notification_id})\n`);
    for (const k of check.cases) out(`  ${handlerCaseLine(k)}\n`);
    out(
      `${check.passed ? 'PASSED' : 'FAILED'}: ${check.cases.filter((k) => k.verdict === 'pass').length} of ${check.cases.length} cases passed\n`,
    );
  }
  if (check.passed) return 0;
  const first = check.cases.find((k) => k.verdict !== 'pass')!;
  err(`wxpay-mock check-handler: FAILED; first: ${first.case}: ${first.error}\n`);
  return 1;
}
