/**
 * One temporary directory for the whole run (vitest's global setup): TMPDIR points the tests, their
 * workers and the processes they start (the CLI, Chromium, PostgreSQL's cluster) into it, and teardown
 * removes it. The suite's data files and copies of the contracts and of the built package (≈ 10 MB a
 * run) no longer pile up in the system's temp directory. Others may enter it (0755): PostgreSQL runs as
 * `nobody` in a directory of its own inside (test/setup/postgres-cluster.ts).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-mock-test-run-'));
  chmodSync(dir, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
