/** `wxpay-mock openapi`: the contracts as an OpenAPI 3.1 document (../../contract/cli-openapi.ts). */
import { openapiCommand } from '../../contract/cli-openapi.js';
import { DEFAULT_SERVER_URL } from '../../contract/openapi.js';
import type { OPENAPI_OPTIONS } from '../options.js';
import { UsageError, type Invocation } from '../spec.js';

export async function run({ values }: Invocation<typeof OPENAPI_OPTIONS>): Promise<number> {
  if (values.server !== undefined && !/^https?:\/\/[^/]/.test(values.server))
    throw new UsageError(`--server must be an absolute http(s) URL, got "${values.server}"`);
  return openapiCommand(
    { server: values.server ?? (process.env.WXPAY_MOCK_URL || DEFAULT_SERVER_URL), out: values.out },
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
