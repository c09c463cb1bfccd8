/**
 * The store behind a small interface (read state, apply a mutation, make it durable) so a shared
 * engine (Redis, PostgreSQL) can replace lowdb later without touching the handlers.
 *
 * Durability: a handler's mutation is applied in memory synchronously (the event loop makes it
 * atomic), then `commit()` writes the whole state. Group commit: while one write is in flight, every
 * commit that arrives joins the single next write, which covers all of their mutations — so N
 * concurrent requests cost at most two whole-file writes, not N. lowdb's file adapter writes to a
 * temporary file renamed over the old one, so a crash never leaves a half-written file.
 */
import { Low, Memory } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { existsSync, readFileSync } from 'node:fs';
import type { MockData } from './state.js';

export interface Store {
  readonly data: MockData;
  /** Durable once the promise resolves. */
  commit(): Promise<void>;
  /** Replaces the whole state (reset, import) and commits it. */
  replace(data: MockData): Promise<void>;
  readonly location: string;
  /** Whole-state writes done so far (group commit makes this much smaller than the commits). */
  readonly writes: number;
}

export class StoreError extends Error {}

class LowStore implements Store {
  writes = 0;
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(
    private readonly db: Low<MockData>,
    readonly location: string,
  ) {}
  get data(): MockData {
    return this.db.data;
  }
  commit(): Promise<void> {
    if (this.next) return this.next;
    if (!this.current) return this.flush();
    this.next = this.current
      .catch(() => {})
      .then(() => {
        this.next = null;
        return this.flush();
      });
    return this.next;
  }
  private flush(): Promise<void> {
    this.writes++;
    const write = this.db.write().finally(() => {
      if (this.current === write) this.current = null;
    });
    this.current = write;
    return write;
  }
  async replace(data: MockData): Promise<void> {
    this.db.data = data;
    await this.db.write();
  }
}

export function memoryStore(initial: MockData): Store {
  return new LowStore(new Low<MockData>(new Memory<MockData>(), initial), ':memory:');
}

/**
 * Opens the data file, or creates it with `initial`. An unreadable or corrupt file is an error that
 * names the file; it is never overwritten.
 */
export async function fileStore(path: string, initial: () => MockData): Promise<Store> {
  let existing: MockData | undefined;
  if (existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new StoreError(`cannot read data file ${path}: ${(err as Error).message}`);
    }
    try {
      existing = JSON.parse(text) as MockData;
    } catch (err) {
      throw new StoreError(
        `data file ${path} is corrupt (not valid JSON: ${(err as Error).message}); fix or remove it, or start with --in-memory`,
      );
    }
    if (!existing || typeof existing !== 'object' || existing.version !== 1 || typeof existing.merchants !== 'object' || !existing.clock) {
      throw new StoreError(`data file ${path} is not a wxpay-mock data file (version 1); fix or remove it`);
    }
  }
  const db = new Low<MockData>(new JSONFile<MockData>(path), existing ?? initial());
  const store = new LowStore(db, path);
  if (!existing) {
    try {
      await store.commit();
    } catch (err) {
      throw new StoreError(`cannot write data file ${path}: ${(err as Error).message}`);
    }
  }
  return store;
}
