/** `wxpay-mock credentials [--json]`: the fixture world's credentials, no server. */
import { credentialsOf, envBlock } from '../../credentials.js';
import { loadWorld } from '../../world.js';
import type { CREDENTIALS_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values }: Invocation<typeof CREDENTIALS_OPTIONS>): Promise<number> {
  const credentials = credentialsOf(await loadWorld({ dir: values.fixtures, seed: values.seed }));
  process.stdout.write((values.json ? JSON.stringify(credentials, null, 2) : envBlock(credentials)) + '\n');
  return 0;
}
