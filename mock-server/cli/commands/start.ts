/** `wxpay-mock [start]`: the mock until SIGINT/SIGTERM, with the env block a CI script can eval. */
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { envBlock } from '../../credentials.js';
import { VERSION } from '../../paths.js';
import { startMock } from '../../server.js';
import { checkMockValues, mockStartOptions } from '../mock-options.js';
import { DEFAULT_DATA_FILE, type START_OPTIONS } from '../options.js';
import type { Invocation } from '../spec.js';

export async function run({ values }: Invocation<typeof START_OPTIONS>): Promise<number> {
  checkMockValues(values);
  // PostgreSQL (--store or WXPAY_MOCK_DATABASE_URL, unless --data or --in-memory says otherwise): replicas share one world.
  const databaseUrl = values.store ?? (values.data || values['in-memory'] ? undefined : process.env.WXPAY_MOCK_DATABASE_URL || undefined);
  // Loaded on demand: the client library stays out of a file or in-memory start.
  const store = databaseUrl ? await (await import('../../store/postgres.js')).postgresBackend(databaseUrl) : undefined;
  const dataFile = values['in-memory'] || store ? undefined : resolve(values.data ?? DEFAULT_DATA_FILE);
  if (dataFile) mkdirSync(dirname(dataFile), { recursive: true });
  const running = await startMock({ ...mockStartOptions(values, dataFile), store });
  // Firebase's --import / --export-on-exit: a snapshot in, the state out at the end; a scenario on top.
  for (const [flag, file, load] of [
    ['--import', values.import, (text: string) => running.mock.restore(JSON.parse(text))],
    ['--scenario', values.scenario, (text: string) => running.mock.apply(text)],
  ] as const) {
    if (!file) continue;
    try {
      await load(readFileSync(file, 'utf8'));
    } catch (err) {
      await running.close();
      process.stderr.write(`wxpay-mock: ${flag} ${file}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const exportOnExit = values['export-on-exit'];
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      process.stderr.write(`# wxpay-mock: ${signal}, flushing and exiting\n`);
      const exported = exportOnExit ? running.mock.snapshot().then((s) => writeFile(exportOnExit, JSON.stringify(s))) : Promise.resolve();
      exported
        .then(() => running.close())
        .then(resolveStop, (err) => {
          process.stderr.write(`wxpay-mock: could not flush the store: ${(err as Error).message}\n`);
          process.exit(1);
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // Printed once the handlers are in place: a script that stops the mock as soon as it has read the
    // block still gets the flush and exit 0 (before, a SIGTERM right after the block could kill it).
    process.stdout.write(
      `# wxpay-mock ${VERSION} listening on ${running.url} (data: ${store?.location ?? dataFile ?? 'in memory'})\n` +
        // The page a user opens next (Firebase's emulators print their UI's address the same way).
        `# dashboard: ${running.url}/_mock/ui\n${envBlock(running.credentials, running.url)}\n`,
    );
  });
  return 0;
}
