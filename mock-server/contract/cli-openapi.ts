/**
 * `wxpay-mock openapi [--server URL] [--out FILE]` — the contracts as an OpenAPI 3.1 document
 * (contract/openapi.ts), printed as JSON or written to FILE. No server is started: `--server` is the
 * URL put in `servers` (default $WXPAY_MOCK_URL, else http://127.0.0.1:8750).
 */
import { writeFileSync } from 'node:fs';
import { buildOpenApi } from './openapi.js';

export interface OpenApiArgs {
  server: string;
  out?: string;
  contractsDir?: string;
  /** false: leave the control API (/_mock/, tag mock-control) out of the document. */
  control?: boolean;
}

/** The document is large: the CLI exits only once stdout has taken it (cli.ts exitAfterFlush). */
type Out = (text: string) => void;

export function openapiCommand(args: OpenApiArgs, out: Out, err: Out): number {
  const text =
    JSON.stringify(buildOpenApi({ serverUrl: args.server, contractsDir: args.contractsDir, control: args.control }), null, 2) + '\n';
  if (!args.out) {
    out(text);
    return 0;
  }
  try {
    writeFileSync(args.out, text);
  } catch (e) {
    err(`wxpay-mock openapi: cannot write ${args.out}: ${(e as Error).message}\n`);
    return 1;
  }
  err(`# wxpay-mock openapi: wrote ${args.out} (servers: ${args.server})\n`);
  return 0;
}
