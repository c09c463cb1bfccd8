/**
 * Store backends for tests, through the public port (`createApp({ store })`): any backend wrapped so a
 * test can count and size its writes, hold them back, or make the next one fail like a full disk.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SealedCommit, StoreBackend } from '../../mock-server/index.js';

export const tempDataFile = () => join(mkdtempSync(join(tmpdir(), 'wxpay-mock-store-')), 'data.json');

export interface Instrumented extends StoreBackend {
  /** Calls of append (group writes) and the commits they carried, with each commit's bytes. */
  appends: number;
  commits: SealedCommit[];
  /** Commits waiting at the gate right now (sealed, not yet written). */
  held: number;
  /** Writes wait until `release()` (or the next `hold()` call returns a new gate). */
  hold(): { release(): void };
  /** The next `n` appends fail with this error (ENOSPC by default) after the inner backend saw nothing. */
  failNext(n?: number, error?: NodeJS.ErrnoException): void;
}

export function instrumented(inner: StoreBackend): Instrumented {
  let gate: Promise<void> | null = null;
  let failures = 0;
  let failure: NodeJS.ErrnoException | undefined;
  const before = async (commits: readonly SealedCommit[]) => {
    if (gate) {
      self.held += commits.length;
      await gate;
      self.held -= commits.length;
    }
    if (failures > 0) {
      failures--;
      throw failure ?? Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
  };
  const self: Instrumented = {
    get location() {
      return inner.location;
    },
    get persists() {
      // Lines are wanted for the byte counts even when the inner backend keeps nothing.
      return true;
    },
    get blobs() {
      return inner.blobs;
    },
    open: (host) => inner.open(host),
    close: () => inner.close(),
    rolledBack: () => inner.rolledBack?.(),
    appends: 0,
    held: 0,
    commits: [],
    async append(commits) {
      await before(commits);
      await inner.append(commits);
      self.appends++;
      self.commits.push(...commits);
    },
    // A shared backend (PostgreSQL) commits through the release of a locked sync: instrumented the same way.
    ...(inner.shared
      ? {
          shared: true as const,
          watch: inner.watch && ((onCommit: (seq: number) => void) => inner.watch!(onCommit)),
          health: inner.health && (() => inner.health!()),
          async sync(seq: number, options: { lock: boolean }) {
            const synced = await inner.sync!(seq, options);
            return {
              ...synced,
              async release(commits: readonly SealedCommit[]) {
                if (commits.length)
                  try {
                    await before(commits);
                  } catch (err) {
                    await synced.release([]);
                    throw err;
                  }
                await synced.release(commits);
                if (!commits.length) return;
                self.appends++;
                self.commits.push(...commits);
              },
            };
          },
        }
      : {}),
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return {
        release: () => {
          gate = null;
          release();
        },
      };
    },
    failNext(n = 1, error) {
      failures = n;
      failure = error;
    },
  };
  return self;
}
