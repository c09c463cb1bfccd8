/**
 * The store port: where the state document is made durable. The engine (engine.ts) runs transactions
 * on an in-memory document and hands each committed transaction's changes to a backend, in order;
 * a backend makes them durable and gives them back on the next start. Implementations: memory
 * (memory.ts), the embedded file log + lowdb snapshot (file.ts), PostgreSQL shared by several
 * replicas (postgres.ts); `createApp({ store })` takes any.
 */
import type { Change } from './tracker.js';

/** One committed transaction: its changes, or a whole new document (reset, import). */
export interface CommitRecord {
  /** Position in the store's history: consecutive, starting after the snapshot's. */
  seq: number;
  changes?: Change[];
  /** A whole new document: replaces everything before it. */
  replace?: unknown;
}

/** A commit as the engine hands it to a backend: `line` is the record as compact JSON, made when the transaction committed. */
export interface SealedCommit {
  seq: number;
  line: string;
}

export interface OpenedState {
  /** The document as of `seq`, or undefined for a new, empty store. */
  document: Record<string, unknown> | undefined;
  /** Commits after the document, oldest first (the engine applies them). */
  commits: CommitRecord[];
  /** Sequence number of the last commit in `document` (0 for none). */
  seq: number;
}

/** Content-addressed bytes kept beside the document (uploaded images): the document holds only their SHA-256. */
export interface BlobStore {
  /** Stores the bytes under their SHA-256 (hex); durable once it resolves. Refused past the store's limit. */
  put(sha256: string, bytes: Buffer): Promise<void>;
  get(sha256: string): Promise<Buffer | undefined>;
  /** Every stored digest (snapshots export them). */
  list(): Promise<string[]>;
  /** Removes every blob not in `keep` (after a reset or an import). */
  retain(keep: ReadonlySet<string>): Promise<void>;
}

/** What the engine offers a backend: its live document and a way to wait for its sealed commits (compaction, file.ts). */
export interface StoreHost {
  live(): unknown;
  /** Resolves once every commit sealed so far is durable; rejects if one of them was rolled back. */
  settled(): Promise<void>;
}

/** What a shared backend hands the engine when it catches up with the world (`StoreBackend.sync`). */
export interface SyncedState {
  /** Commits after the engine's seq made by other replicas, oldest first. */
  commits: CommitRecord[];
  /** The history no longer reaches back to the engine's seq (compacted): the whole state to start over from. */
  reload?: OpenedState;
}

/** A sync; taken with `lock`, nobody else commits until `release` (without the lock, release does nothing). */
export interface LockedState extends SyncedState {
  /**
   * Makes `commits` durable (in order, after everything synced) and releases the lock; with none,
   * only releases it. A rejection means none of them is durable and the lock is released.
   */
  release(commits: readonly SealedCommit[]): Promise<void>;
}

/** Health of the place the state lives (/_mock/health). */
export interface StoreHealth {
  ok: boolean;
  error?: string;
}

export interface StoreBackend {
  /** Where the state lives, for messages (a file path, `:memory:`, a database URL without its password). */
  readonly location: string;
  /**
   * Whether the engine must serialize each commit (`SealedCommit.line`). The memory backend keeps
   * nothing and says false, so a commit costs nothing there.
   */
  readonly persists: boolean;
  readonly blobs: BlobStore;
  /** Opens the store: its document and the commits after it. */
  open(host: StoreHost): Promise<OpenedState>;
  /**
   * Makes these commits durable, in order, after every earlier one. A rejection means none of them is
   * durable and none will ever be read back (the backend removes what it may have half-written).
   */
  append(commits: readonly SealedCommit[]): Promise<void>;
  /** Called after a rollback of commits that had been handed out (compaction must not keep their values). */
  rolledBack?(): void;
  close(): Promise<void>;

  /**
   * A shared backend: several engines (replicas, other processes) write one world. The engine then
   * writes only under `sync(seq, { lock: true })` (catching up first, committing through `release`
   * instead of `append`), catches up with `sync(seq, { lock: false })` before every read, and is told
   * of others' commits through `watch`.
   */
  readonly shared?: boolean;
  sync?(seq: number, options: { lock: boolean }): Promise<LockedState>;
  /** Calls `onCommit(seq)` when another engine committed up to `seq` (e.g. LISTEN/NOTIFY); returns a stop function. */
  watch?(onCommit: (seq: number) => void): () => void;
  health?(): Promise<StoreHealth>;
}

/** A store that cannot be opened or written: the message names the place and what is wrong. */
export class StoreError extends Error {}
