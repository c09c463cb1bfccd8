/**
 * The transactional engine over a store backend (port.ts).
 *
 * The document lives in memory. A transaction writes through a change tracker (tracker.ts), applied at
 * once; committing seals it with the next sequence number and its changes as one log line, and the
 * backend makes sealed commits durable in order, many per write (group commit). Nobody acts on a
 * value before it is durable: a reply waits until every commit up to what its request could have
 * read is durable (`commit()` waits for the transaction's own seq, or the latest seq when it wrote
 * nothing). So a replay of an `out_request_no` whose first request is still being written answers
 * only once that write is durable, and a GET never answers a coupon before its send is acknowledged.
 *
 * A failed write rolls back: that batch's transactions and every one sealed after it (they ran on
 * top of it) are undone newest first and answered with an error; nothing of them is ever read back.
 */
import { StoreError, type BlobStore, type CommitRecord, type SealedCommit, type StoreBackend } from './port.js';
import { applyChanges, ChangeSet } from './tracker.js';

type Doc = Record<string, unknown>;

/** A commit that failed: the transaction is rolled back; the reply is 500 SYSTEM_ERROR. */
export class CommitFailedError extends Error {
  constructor(readonly cause: unknown) {
    super(`the store could not make the change durable: ${(cause as Error)?.message ?? cause}`);
  }
}

interface Sealed {
  seq: number;
  undo: () => void;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class Transaction<D extends object> {
  private readonly changes: ChangeSet;
  private done = false;

  constructor(private readonly engine: StateStore<D>) {
    this.changes = new ChangeSet(() => engine.data as Doc);
  }

  /** Runs `change` on the document; every write it makes belongs to this transaction. */
  mutate<T>(change: (data: D) => T): T {
    if (this.done) throw new Error('transaction already ended');
    return change(this.changes.view<D>());
  }

  /** Seals the transaction; resolves once it (and everything it could have read) is durable. */
  commit(): Promise<void> {
    if (this.done) throw new Error('transaction already ended');
    this.done = true;
    return this.engine.seal(this.changes);
  }

  /** Undoes every write of this transaction (a handler that threw). */
  rollback(): void {
    if (this.done) return;
    this.done = true;
    this.changes.undo();
  }
}

export class StateStore<D extends object = Doc> {
  private document: D;
  /** Last sealed and last durable sequence numbers. */
  private seq: number;
  private durableSeq: number;
  /** Sealed, not yet durable: handed to the backend (inflight) or waiting for the next write (queue). */
  private queue: (SealedCommit & Sealed)[] = [];
  private inflight: (SealedCommit & Sealed)[] = [];
  private writing: Promise<void> | null = null;
  private waiters: Waiter[] = [];
  private closed = false;
  /** Backend writes so far (group commit makes these fewer than the commits). */
  writes = 0;
  commits = 0;

  private constructor(
    private readonly backend: StoreBackend,
    document: D,
    seq: number,
  ) {
    this.document = document;
    this.seq = seq;
    this.durableSeq = seq;
  }

  /** Opens the backend and rebuilds the document: its snapshot plus every commit after it. */
  static async open<D extends object>(backend: StoreBackend, initial: () => D): Promise<StateStore<D>> {
    const ref: { engine?: StateStore<D> } = {};
    const opened = await backend.open({
      live: () => ref.engine?.data,
      settled: () => ref.engine?.settled() ?? Promise.resolve(),
    });
    let document = (opened.document ?? initial()) as Doc;
    let seq = opened.seq;
    for (const c of opened.commits) {
      if (c.seq !== seq + 1) throw new StoreError(`${backend.location}: commit ${c.seq} follows ${seq} (a commit is missing)`);
      if (c.replace !== undefined) document = c.replace as Doc;
      else applyChanges(document, c.changes ?? []);
      seq = c.seq;
    }
    const engine = (ref.engine = new StateStore<D>(backend, document as D, seq));
    // A new store starts with its initial document on record, so a restart before any write finds it.
    if (!opened.document && !opened.commits.length) await engine.replace(document as D);
    return engine;
  }

  /** The live document: read it freely; write only inside a transaction. */
  get data(): D {
    return this.document;
  }

  get location(): string {
    return this.backend.location;
  }

  get blobs(): BlobStore {
    return this.backend.blobs;
  }

  /** Last sealed commit and last durable one. */
  get position(): { seq: number; durable: number } {
    return { seq: this.seq, durable: this.durableSeq };
  }

  begin(): Transaction<D> {
    return new Transaction(this);
  }

  /** One synchronous unit of work as a transaction: durable when the promise resolves, undone if it throws. */
  async transact<T>(work: (data: D) => T): Promise<T> {
    const tx = this.begin();
    let result: T;
    try {
      result = tx.mutate(work);
    } catch (err) {
      tx.rollback();
      throw err;
    }
    await tx.commit();
    return result;
  }

  /** Resolves once everything sealed so far is durable (a read that must not outrun the disk). */
  settled(): Promise<void> {
    return this.waitFor(this.seq);
  }

  /** Replaces the whole document (reset, import) as one commit. */
  replace(next: D): Promise<void> {
    const previous = this.document;
    this.document = next;
    return this.enqueue({ replace: next }, () => {
      this.document = previous;
    });
  }

  /** Waits for what is being written, then closes the backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settled().catch(() => {});
    this.closed = true;
    await this.backend.close();
  }

  /** @internal Transaction.commit */
  seal(changes: ChangeSet): Promise<void> {
    if (changes.empty) return this.settled();
    return this.enqueue({ changes: changes.changes() }, () => changes.undo());
  }

  private enqueue(record: Omit<CommitRecord, 'seq'>, undo: () => void): Promise<void> {
    if (this.closed) {
      undo();
      return Promise.reject(new CommitFailedError(new StoreError('the store is closed')));
    }
    const seq = ++this.seq;
    this.commits++;
    // Serialized now: a later transaction may change the same objects before this one is written.
    const line = this.backend.persists ? JSON.stringify({ seq, ...record }) : '';
    this.queue.push({ seq, line, undo });
    const durable = this.waitFor(seq);
    this.kick();
    return durable;
  }

  private waitFor(seq: number): Promise<void> {
    if (seq <= this.durableSeq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Starts the next group write unless one is under way (it starts the next when it ends). */
  private kick(): void {
    if (this.writing || !this.queue.length) return;
    this.writing = Promise.resolve().then(() => this.writeBatch());
  }

  private async writeBatch(): Promise<void> {
    const batch = (this.inflight = this.queue);
    this.queue = [];
    try {
      this.writes++;
      await this.backend.append(batch);
      this.inflight = [];
      this.durableSeq = batch[batch.length - 1].seq;
      this.release(
        (w) => w.seq <= this.durableSeq,
        () => undefined,
      );
    } catch (err) {
      this.rollbackFrom(batch, err);
    } finally {
      this.writing = null;
      this.kick();
    }
  }

  /** Undoes the failed batch and everything sealed after it, newest first; their waiters get the error. */
  private rollbackFrom(batch: (SealedCommit & Sealed)[], cause: unknown) {
    const failed = [...batch, ...this.queue];
    this.queue = [];
    this.inflight = [];
    for (let i = failed.length - 1; i >= 0; i--) failed[i].undo();
    this.seq = batch[0].seq - 1;
    this.backend.rolledBack?.();
    const error = new CommitFailedError(cause);
    this.release(
      (w) => w.seq > this.seq,
      () => error,
    );
  }

  private release(which: (w: Waiter) => boolean, error: () => Error | undefined) {
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (!which(w)) keep.push(w);
      else {
        const e = error();
        if (e) w.reject(e);
        else w.resolve();
      }
    }
    this.waiters = keep;
  }
}
