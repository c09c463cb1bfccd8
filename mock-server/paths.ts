/** Where the package's own files are, from source (mock-server/) and from the build (dist/mock-server/) alike. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'wxpay-mock') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('wxpay-mock: cannot find the package root');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
export const DEFAULT_FIXTURES_DIR = join(PACKAGE_ROOT, 'fixtures');
export const DEFAULT_CONTRACTS_DIR = join(PACKAGE_ROOT, 'contracts');
