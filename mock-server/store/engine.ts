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
 *
 * A shared backend (PostgreSQL, several replicas on one world: docs/reference/postgres.md) adds one
 * rule: writes happen only inside a *session* that holds the world's lock. A session starts by
 * applying every commit the other replicas made (`backend.sync(seq, { lock: true })`), then admits the
 * write transactions waiting for it (a handler runs on the document as of the latest commit anywhere),
 * and once they have all ended hands their commits to `release` (one database transaction for the
 * group) and lets the lock go. A read first catches up without the lock (read-your-writes across
 * replicas behind a load balancer). Commits made elsewhere are applied as they are noticed and told
 * to `onApplied` listeners (the clock, the COUPON.USE dispatcher).
 */
import {
  StoreError,
  type BlobStore,
  type CommitRecord,
  type LockedState,
  type OpenedState,
  type SealedCommit,
  type StoreBackend,
  type StoreHealth,
} from './port.js';
import { applyChanges, ChangeSet, ReadTracker, type PendingWrites } from './tracker.js';

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

/** What `begin` is for: a write (a shared backend runs it under the world's lock) or a read. */
export interface BeginOptions {
  write?: boolean;
}

/** Commits made by another replica, just applied to the document. */
export interface AppliedEvent {
  /** The whole document was replaced (another replica's reset or import, or a reload after compaction). */
  replaced: boolean;
  /** Top-level keys of the document the commits touched (`clock`, `callbacks`, `merchants`, …). */
  roots: ReadonlySet<string>;
}

/** A shared store's write session: the world's lock, the transactions admitted under it. */
interface Session {
  locked: LockedState;
  /** Admitted transactions not yet ended; the session releases when it drops to zero. */
  active: number;
  admitted: number;
  open: boolean;
}

/** Write transactions admitted into one session at most (other replicas get their turn). */
const SESSION_MAX = 256;

export class Transaction<D extends object> {
  /** Made by the first write: a read (most requests) allocates no change tracking. */
  private changes: ChangeSet | undefined;
  private done = false;
  private reader: ReadTracker | undefined;

  constructor(
    private readonly engine: StateStore<D>,
    /** The shared-store session this write runs in (undefined: a local store, or a read). */
    private readonly session?: Session,
  ) {}

  /** Runs `change` on the document; every write it makes belongs to this transaction. */
  mutate<T>(change: (data: D) => T): T {
    if (this.done) throw new Error('transaction already ended');
    this.changes ??= new ChangeSet(() => this.engine.data as Doc);
    return change(this.changes.view<D>());
  }

  /**
   * The document, read-only, for a transaction that reads before (or instead of) writing: when it
   * writes nothing, its commit waits only for the pending writes its reads touched.
   */
  get reads(): D {
    this.reader ??= this.engine.readTracker();
    return this.reader.view(this.engine.data);
  }

  /** Seals the transaction; resolves once it (and everything it could have read) is durable. */
  commit(): Promise<void> {
    if (this.done) throw new Error('transaction already ended');
    this.done = true;
    const durable = this.engine.seal(this.changes, this.session, this.reader);
    if (this.session) this.engine.leave(this.session);
    return durable;
  }

  /** Undoes every write of this transaction (a handler that threw). */
  rollback(): void {
    if (this.done) return;
    this.done = true;
    this.changes?.undo();
    if (this.session) this.engine.leave(this.session);
  }
}

export class StateStore<D extends object = Doc> implements PendingWrites {
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
  /** Places written by commits not yet durable (object → key → seq), for reads that wait only for what they touched. */
  private pendingPlaces = new WeakMap<object, Map<string, number>>();
  private pendingLog: { target: object; key: string; seq: number }[] = [];
  private pendingReplace = 0;
  /** Backend writes so far (group commit makes these fewer than the commits). */
  writes = 0;
  commits = 0;
  // Shared backends only: the write session, writers waiting for the next one, catching up, listeners.
  private session: Session | null = null;
  private starting: Promise<void> | null = null;
  private admitting: { resolve: (s: Session) => void; reject: (e: Error) => void }[] = [];
  private catchingUp: Promise<void> | null = null;
  private catchUpNext: Promise<void> | null = null;
  private appliedListeners = new Set<(event: AppliedEvent) => void>();
  private unwatch: (() => void) | undefined;

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
    // Shared: under the lock, and only if no other replica did it first.
    if (!opened.document && !opened.commits.length) await engine.replace(document as D, { unlessWritten: () => document as D });
    if (backend.shared && backend.watch)
      engine.unwatch = backend.watch((seq) => {
        if (seq > engine.seq) engine.catchUp().catch(() => {});
      });
    return engine;
  }

  /** Whether several replicas share this store (the engine then writes under the world's lock). */
  get shared(): boolean {
    return this.backend.shared === true;
  }

  /** Told of commits other replicas made, once applied. Returns an unsubscribe function. */
  onApplied(listener: (event: AppliedEvent) => void): () => void {
    this.appliedListeners.add(listener);
    return () => this.appliedListeners.delete(listener);
  }

  /** Whether the place the state lives answers (a shared backend's database); local stores are always ok. */
  async health(): Promise<StoreHealth> {
    return this.backend.health ? this.backend.health() : { ok: true };
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

  /**
   * A transaction. Local stores answer at once; a shared one first catches up with the other
   * replicas — a write by taking the world's lock (the transaction then runs holding it), a read
   * without it.
   */
  begin(options: BeginOptions = {}): Transaction<D> | Promise<Transaction<D>> {
    if (!this.shared) return new Transaction(this);
    if (options.write) return this.admit().then((session) => new Transaction(this, session));
    return this.catchUp().then(() => new Transaction(this));
  }

  /** One synchronous unit of work as a transaction (a write): durable when the promise resolves, undone if it throws. */
  async transact<T>(work: (data: D) => T): Promise<T> {
    const begun = this.begin({ write: true });
    const tx = begun instanceof Transaction ? begun : await begun;
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

  /**
   * Replaces the whole document (reset, import) as one commit. `next` may be a function of the
   * current document (a shared store calls it under the lock, on the latest state: what must carry
   * over, such as id sequences, is read there). `unlessWritten`: only if the store holds nothing yet
   * (a new store's initial document), made by this function.
   */
  async replace(next: D | ((current: D) => D), options: { unlessWritten?: () => D } = {}): Promise<void> {
    const session = this.shared ? await this.admit() : undefined;
    let durable: Promise<void> | undefined;
    try {
      if (options.unlessWritten && this.seq > 0) return;
      const value = options.unlessWritten
        ? options.unlessWritten()
        : typeof next === 'function'
          ? (next as (c: D) => D)(this.document)
          : next;
      const previous = this.document;
      this.document = value;
      durable = this.enqueue(
        { replace: value },
        () => {
          this.document = previous;
        },
        session,
      );
    } finally {
      if (session) this.leave(session);
    }
    await durable;
  }

  /** Waits for what is being written, then closes the backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settled().catch(() => {});
    await this.starting?.catch(() => {});
    this.closed = true;
    this.unwatch?.();
    await this.backend.close();
  }

  /** @internal Transaction.reads: a tracker of the places a read touches that pending commits wrote. */
  readTracker(): ReadTracker {
    return new ReadTracker(this);
  }

  /** @internal ReadTracker (PendingWrites): the newest commit not yet durable that wrote `key` of `target`, else 0. */
  pendingAt(target: object, key: string): number {
    // Nothing sealed that is not durable (a read beside no writes): no lookup.
    if (this.seq === this.durableSeq) return 0;
    return Math.max(this.live(this.pendingReplace), this.live(this.pendingPlaces.get(target)?.get(key)));
  }

  /** @internal ReadTracker (PendingWrites): the newest commit not yet durable that wrote any key of `target`, else 0. */
  pendingUnder(target: object): number {
    if (this.seq === this.durableSeq) return 0;
    let max = this.live(this.pendingReplace);
    for (const seq of this.pendingPlaces.get(target)?.values() ?? []) max = Math.max(max, this.live(seq));
    return max;
  }

  private live(seq: number | undefined): number {
    return seq !== undefined && seq > this.durableSeq ? seq : 0;
  }

  /** @internal Transaction.commit */
  seal(changes: ChangeSet | undefined, session?: Session, reader?: ReadTracker): Promise<void> {
    // Wrote nothing: wait for what it read (all that is sealed, unless its reads were tracked).
    if (!changes || changes.empty) return reader ? this.waitFor(reader.seen) : this.settled();
    if (this.shared && !session) {
      // A read that wrote (a GET issuing a bill-download token under a fresh random key): it takes
      // the lock at commit. Others' commits applied meanwhile land beside its change, not under it.
      return this.admit().then(
        (late) => {
          const durable = this.enqueue({ changes: changes.changes() }, () => changes.undo(), late, changes.places());
          this.leave(late);
          return durable;
        },
        (err) => {
          changes.undo();
          throw err;
        },
      );
    }
    return this.enqueue({ changes: changes.changes() }, () => changes.undo(), session, changes.places());
  }

  // ── shared backends ───────────────────────────────────────────────────────────────────────────

  /** Catches up with the other replicas without the lock (a read); concurrent callers share one query started after they asked. */
  catchUp(): Promise<void> {
    if (!this.shared) return Promise.resolve();
    // Holding the lock, nobody else can have committed since the session caught up.
    if (this.session) return Promise.resolve();
    if (!this.catchingUp) {
      this.catchingUp = this.syncOnce().finally(() => {
        this.catchingUp = null;
      });
      return this.catchingUp;
    }
    this.catchUpNext ??= this.catchingUp
      .catch(() => {})
      .then(() => {
        this.catchUpNext = null;
        return this.catchUp();
      });
    return this.catchUpNext;
  }

  private async syncOnce(): Promise<void> {
    let synced;
    try {
      synced = await this.backend.sync!(this.seq, { lock: false });
    } catch (err) {
      throw new CommitFailedError(err);
    }
    this.applyForeign(synced);
  }

  /** Applies others' commits (those after the local seq; older ones were already applied). */
  private applyForeign(synced: { commits: CommitRecord[]; reload?: OpenedState }) {
    const roots = new Set<string>();
    let replaced = false;
    if (synced.reload && synced.reload.seq > this.seq) {
      this.document = (synced.reload.document ?? this.document) as D;
      this.seq = this.durableSeq = synced.reload.seq;
      replaced = true;
    }
    const commits = [...(synced.reload?.commits ?? []), ...synced.commits];
    for (const c of commits) {
      if (c.seq <= this.seq) continue;
      if (c.seq !== this.seq + 1)
        throw new CommitFailedError(new StoreError(`${this.backend.location}: commit ${c.seq} follows ${this.seq} (a commit is missing)`));
      if (c.replace !== undefined) {
        this.document = c.replace as D;
        replaced = true;
      } else
        for (const change of c.changes ?? []) {
          applyChanges(this.document as Doc, [change]);
          roots.add(change[0][0]);
        }
      this.seq = this.durableSeq = c.seq;
    }
    if (!replaced && !roots.size) return;
    const event: AppliedEvent = { replaced, roots };
    for (const listener of this.appliedListeners) {
      try {
        listener(event);
      } catch {
        // a listener's bug must not stop the store
      }
    }
  }

  /** A place in a write session: the current one if it still admits, else the next one. */
  private admit(): Promise<Session> {
    if (this.closed) return Promise.reject(new CommitFailedError(new StoreError('the store is closed')));
    const s = this.session;
    if (s && s.open && s.admitted < SESSION_MAX) {
      s.active++;
      s.admitted++;
      return Promise.resolve(s);
    }
    const granted = new Promise<Session>((resolve, reject) => this.admitting.push({ resolve, reject }));
    this.startSession();
    return granted;
  }

  /** Takes the lock and catches up, then admits everyone waiting (unless a session is under way: it starts the next). */
  private startSession() {
    if (this.session || this.starting || !this.admitting.length) return;
    this.starting = (async () => {
      let locked: LockedState;
      try {
        locked = await this.backend.sync!(this.seq, { lock: true });
      } catch (err) {
        const error = new CommitFailedError(err);
        for (const w of this.admitting.splice(0)) w.reject(error);
        return;
      }
      try {
        this.applyForeign(locked);
      } catch (err) {
        await locked.release([]).catch(() => {});
        for (const w of this.admitting.splice(0)) w.reject(err as Error);
        return;
      }
      const waiting = this.admitting.splice(0, SESSION_MAX);
      const session: Session = (this.session = { locked, active: waiting.length, admitted: waiting.length, open: true });
      for (const w of waiting) w.resolve(session);
    })().finally(() => {
      this.starting = null;
      if (!this.session) this.startSession();
    });
  }

  /** @internal A transaction of `session` ended; the last one out releases it with the session's commits. */
  leave(session: Session) {
    if (--session.active > 0 || !session.open) return;
    session.open = false;
    void this.endSession(session);
  }

  private async endSession(session: Session) {
    const batch = this.queue;
    this.queue = [];
    try {
      if (batch.length) this.writes++;
      await session.locked.release(batch);
      if (batch.length) {
        this.durableSeq = batch[batch.length - 1].seq;
        this.settleWaiters(
          (w) => w.seq <= this.durableSeq,
          () => undefined,
        );
      }
    } catch (err) {
      if (batch.length) this.rollbackFrom(batch, err);
    } finally {
      this.session = null;
      this.startSession();
    }
  }

  private enqueue(
    record: Omit<CommitRecord, 'seq'>,
    undo: () => void,
    session?: Session,
    places?: Iterable<[object, string]>,
  ): Promise<void> {
    if (this.closed) {
      undo();
      return Promise.reject(new CommitFailedError(new StoreError('the store is closed')));
    }
    const seq = ++this.seq;
    this.commits++;
    this.markPending(seq, record, places);
    // Serialized now: a later transaction may change the same objects before this one is written.
    const line = this.backend.persists ? JSON.stringify({ seq, ...record }) : '';
    this.queue.push({ seq, line, undo });
    const durable = this.waitFor(seq);
    // Shared: the session's release writes the group.
    if (!session) this.kick();
    return durable;
  }

  /** Rolled back: the places those commits wrote are as they were, nothing to wait for (their seqs will be reused). */
  private forgetPendingAfter(seq: number) {
    this.pendingLog = this.pendingLog.filter(({ target, key, seq: s }) => {
      if (s <= seq) return true;
      const keys = this.pendingPlaces.get(target);
      if (keys?.get(key) === s) keys.delete(key);
      return false;
    });
    if (this.pendingReplace > seq) this.pendingReplace = 0;
  }

  /** Notes where commit `seq` wrote, for tracked reads (readTracker); forgets what is durable by now. */
  private markPending(seq: number, record: Omit<CommitRecord, 'seq'>, places?: Iterable<[object, string]>) {
    while (this.pendingLog.length && this.pendingLog[0].seq <= this.durableSeq) {
      const { target, key, seq: s } = this.pendingLog.shift()!;
      const keys = this.pendingPlaces.get(target);
      if (keys?.get(key) === s) keys.delete(key);
    }
    if (record.replace !== undefined) this.pendingReplace = seq;
    for (const [target, key] of places ?? []) {
      let keys = this.pendingPlaces.get(target);
      if (!keys) this.pendingPlaces.set(target, (keys = new Map()));
      keys.set(key, seq);
      this.pendingLog.push({ target, key, seq });
    }
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
      this.settleWaiters(
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
    this.forgetPendingAfter(this.seq);
    this.backend.rolledBack?.();
    const error = new CommitFailedError(cause);
    this.settleWaiters(
      (w) => w.seq > this.seq,
      () => error,
    );
  }

  private settleWaiters(which: (w: Waiter) => boolean, error: () => Error | undefined) {
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
