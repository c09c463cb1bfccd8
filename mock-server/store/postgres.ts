/**
 * The PostgreSQL backend: one world shared by several mock replicas (docs/reference/postgres.md).
 *
 * Tables (created and migrated by the mock; versions in `wxpay_mock_schema`):
 *   wxpay_mock_commits   (seq bigint primary key, record text)   one row per commit: `{seq, changes}` or `{seq, replace}`
 *   wxpay_mock_snapshot  (one row: seq, document text)           the document as of `seq` (compaction folds the log in)
 *   wxpay_mock_blobs     (sha256 text primary key, bytes bytea)   uploaded images
 *
 * Every replica keeps the document in memory (the engine, engine.ts) and replays the log. A write
 * runs under the world's lock — `pg_advisory_xact_lock` inside a PostgreSQL transaction on one
 * connection: BEGIN; lock; read the commits after the replica's seq (made by others); the engine runs
 * the handlers; INSERT their commits with the next seqs; NOTIFY; COMMIT (which releases the lock).
 * The primary key on seq is the backstop: two writers with the same seq cannot both commit. Reads
 * catch up without the lock; LISTEN tells every replica of each commit at once. Records are text,
 * not jsonb: the database never looks inside them, and text is stored and returned as it is sent.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  StoreError,
  type BlobStore,
  type CommitRecord,
  type LockedState,
  type OpenedState,
  type SealedCommit,
  type StoreBackend,
  type StoreHealth,
  type StoreHost,
} from './port.js';

/** The schema this code knows; a database at a newer version stops the start. */
export const SCHEMA_VERSION = 1;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE wxpay_mock_commits (seq bigint PRIMARY KEY, record text NOT NULL);
    CREATE TABLE wxpay_mock_snapshot (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      seq bigint NOT NULL,
      document text
    );
    INSERT INTO wxpay_mock_snapshot (seq, document) VALUES (0, NULL);
    CREATE TABLE wxpay_mock_blobs (sha256 text PRIMARY KEY, bytes bytea NOT NULL);
    -- Uncompressed: pglz on a whole document (an import, a compaction) costs seconds under the lock.
    ALTER TABLE wxpay_mock_commits ALTER COLUMN record SET STORAGE EXTERNAL;
    ALTER TABLE wxpay_mock_snapshot ALTER COLUMN document SET STORAGE EXTERNAL;
  `,
};

/** Advisory-lock keys (per database): the world's write lock, and migrations. */
const WORLD_LOCK = 0x77787061; // 'wxpa'
const MIGRATION_LOCK = 0x77786d67; // 'wxmg'
const CHANNEL = 'wxpay_mock_commit';
/** Commits kept behind the snapshot, so a replica a little behind catches up from the log, not a reload. */
const KEEP_BEHIND = 2000;
/** The log is folded into the snapshot once it holds more bytes than the snapshot and than this. */
const COMPACT_MIN_BYTES = 8 * 1024 * 1024;
/** Past this many bytes a write (an import, a compaction) may take up to LARGE_TIMEOUT_MS. */
const LARGE_BYTES = 4 * 1024 * 1024;
const LARGE_TIMEOUT_MS = 120_000;

export interface PostgresBackendOptions {
  /** Connections in the pool (default 4): one holds the write lock at a time, the others read. */
  poolSize?: number;
  /** Milliseconds to connect before a request is answered 500 (default 2000). */
  connectTimeoutMs?: number;
  /** Milliseconds a statement (and the wait for the world's lock) may take (default 5000). */
  statementTimeoutMs?: number;
  /** Compact once the log passes max(this, snapshot size) bytes (tests set it low). */
  compactMinBytes?: number;
  /** Commits kept behind the snapshot when compacting (default 2000; tests set it low). */
  keepCommits?: number;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** A database error as one line without internals: what failed and the server's or the socket's reason. */
function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e?.message ? `${e.message}${e.code ? ` (${e.code})` : ''}` : String(err);
}

class PostgresBlobs implements BlobStore {
  constructor(private readonly pool: pg.Pool) {}

  async put(sha256: string, bytes: Buffer): Promise<void> {
    await this.pool.query('INSERT INTO wxpay_mock_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING', [sha256, bytes]);
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    const { rows } = await this.pool.query<{ bytes: Buffer }>('SELECT bytes FROM wxpay_mock_blobs WHERE sha256 = $1', [sha256]);
    return rows[0]?.bytes;
  }

  async list(): Promise<string[]> {
    const { rows } = await this.pool.query<{ sha256: string }>('SELECT sha256 FROM wxpay_mock_blobs ORDER BY sha256');
    return rows.map((r) => r.sha256);
  }

  async retain(keep: ReadonlySet<string>): Promise<void> {
    await this.pool.query('DELETE FROM wxpay_mock_blobs WHERE NOT (sha256 = ANY($1::text[]))', [[...keep]]);
  }
}

const parseRecord = (row: { seq: string; record: string }): CommitRecord => {
  const record = JSON.parse(row.record) as CommitRecord;
  record.seq = Number(row.seq);
  return record;
};

export class PostgresBackend implements StoreBackend {
  readonly shared = true;
  readonly persists = true;
  readonly location: string;
  readonly blobs: BlobStore;
  /** This process among the replicas (delivery leases name it). */
  readonly replicaId = randomUUID();
  private readonly pool: pg.Pool;
  private host: StoreHost = { live: () => undefined, settled: async () => {} };
  private listener: pg.Client | null = null;
  private watchers = new Set<(seq: number) => void>();
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;
  private logBytes = 0;
  private snapshotBytes = 0;
  private lastError: string | undefined;

  /** `driver`: the pg module, loaded by postgresBackend() only when a PostgreSQL store is asked for. */
  constructor(
    private readonly url: string,
    private readonly options: PostgresBackendOptions,
    private readonly driver: typeof pg,
  ) {
    this.location = redactUrl(url);
    const statementTimeout = options.statementTimeoutMs ?? 5000;
    this.pool = new driver.Pool({
      connectionString: url,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
      // Bounded waits: a statement, the lock, a connection idle in a transaction (a replica that hung
      // holding the lock loses it), and the client's own deadline for an answer.
      statement_timeout: statementTimeout,
      lock_timeout: statementTimeout,
      idle_in_transaction_session_timeout: Math.max(60_000, 4 * statementTimeout),
      query_timeout: statementTimeout + 1000,
      application_name: 'wxpay-mock',
    });
    // An idle connection cut by a restart: the pool drops it; the next query connects again.
    this.pool.on('error', (err) => {
      this.lastError = reason(err);
    });
    this.blobs = new PostgresBlobs(this.pool);
  }

  private fail(what: string, err: unknown): StoreError {
    return new StoreError(`PostgreSQL ${this.location}: ${what}: ${reason(err)}`);
  }

  /** Creates or upgrades the tables, one migration at a time, under a lock (replicas starting together). */
  private async migrate(client: pg.PoolClient) {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS wxpay_mock_schema (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM wxpay_mock_schema');
      const current = rows[0].v ?? 0;
      if (current > SCHEMA_VERSION)
        throw new StoreError(
          `PostgreSQL ${this.location}: the database's wxpay-mock schema is version ${current}, newer than this wxpay-mock knows (${SCHEMA_VERSION}); upgrade wxpay-mock or use another database`,
        );
      for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
        await client.query(MIGRATIONS[v]);
        await client.query('INSERT INTO wxpay_mock_schema (version) VALUES ($1)', [v]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  async open(host: StoreHost): Promise<OpenedState> {
    this.host = host;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      await this.pool.end().catch(() => {});
      throw this.fail('cannot connect', err);
    }
    try {
      await this.migrate(client);
      const opened = await this.readAll(client);
      client.release();
      return opened;
    } catch (err) {
      client.release(true);
      await this.pool.end().catch(() => {});
      throw err instanceof StoreError ? err : this.fail('cannot open the store', err);
    }
  }

  /** Snapshot and the commits after it, as one consistent read. */
  private async readAll(client: pg.PoolClient): Promise<OpenedState> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const snap = await client.query<{ seq: string; document: string | null }>('SELECT seq, document FROM wxpay_mock_snapshot');
      const seq = Number(snap.rows[0].seq);
      const log = await client.query<{ seq: string; record: string }>(
        'SELECT seq, record FROM wxpay_mock_commits WHERE seq > $1 ORDER BY seq',
        [seq],
      );
      await client.query('COMMIT');
      const text = snap.rows[0].document;
      this.snapshotBytes = text?.length ?? 0;
      this.logBytes = log.rows.reduce((n, r) => n + r.record.length, 0);
      return { document: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, commits: log.rows.map(parseRecord), seq };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** Commits after `seq`, or the whole state again when the log no longer reaches back to it. */
  private async after(client: pg.PoolClient | pg.Pool, seq: number): Promise<{ commits: CommitRecord[]; gap: boolean }> {
    const { rows } = await client.query<{ seq: string; record: string }>(
      'SELECT seq, record FROM wxpay_mock_commits WHERE seq > $1 ORDER BY seq',
      [seq],
    );
    for (const r of rows) this.logBytes += r.record.length;
    const commits = rows.map(parseRecord);
    return { commits, gap: commits.length > 0 && commits[0].seq !== seq + 1 };
  }

  async sync(seq: number, options: { lock: boolean }): Promise<LockedState> {
    if (!options.lock) {
      try {
        const { commits, gap } = await this.after(this.pool, seq);
        if (!gap) return { commits, release: async () => {} };
        const client = await this.pool.connect();
        const ignore = () => {};
        client.on('error', ignore);
        try {
          return { commits: [], reload: await this.readAll(client), release: async () => {} };
        } finally {
          client.off('error', ignore);
          client.release();
        }
      } catch (err) {
        this.lastError = reason(err);
        throw err;
      }
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      this.lastError = reason(err);
      throw err;
    }
    let done = false;
    // A connection cut while checked out (the database restarted) reports here, not to the pool: the
    // next statement on it fails and the session is rolled back.
    const onError = (err: Error) => {
      this.lastError = reason(err);
    };
    client.on('error', onError);
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      client.off('error', onError);
      // A connection that failed mid-transaction is not reused (its lock dies with it).
      client.release(err instanceof Error ? err : undefined);
    };
    try {
      // Separate statements: the read's snapshot must be taken after the lock is held.
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${WORLD_LOCK})`);
      const { commits, gap } = await this.after(client, seq);
      let reload: OpenedState | undefined;
      if (gap) {
        const snap = await client.query<{ seq: string; document: string | null }>('SELECT seq, document FROM wxpay_mock_snapshot');
        const at = Number(snap.rows[0].seq);
        const text = snap.rows[0].document;
        reload = {
          document: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
          seq: at,
          commits: commits.filter((c) => c.seq > at),
        };
      }
      return {
        commits: reload ? [] : commits,
        reload,
        release: async (sealed) => {
          try {
            await this.commit(client, sealed);
            finish();
          } catch (err) {
            this.lastError = reason(err);
            await client.query('ROLLBACK').catch(() => {});
            finish(err);
            throw err;
          }
        },
      };
    } catch (err) {
      this.lastError = reason(err);
      await client.query('ROLLBACK').catch(() => {});
      finish(err);
      throw err;
    }
  }

  /** Inside the locked transaction: the group's commits, the notification, maybe a compaction, COMMIT. */
  private async commit(client: pg.PoolClient, sealed: readonly SealedCommit[]) {
    if (!sealed.length) {
      await client.query('COMMIT');
      return;
    }
    const last = sealed[sealed.length - 1].seq;
    const bytes = sealed.reduce((n, c) => n + c.line.length, 0);
    // Compaction: the document is exactly at `last` now (the session is closed and holds the lock).
    const compactAt = this.logBytes + bytes > Math.max(this.options.compactMinBytes ?? COMPACT_MIN_BYTES, this.snapshotBytes);
    // A group ending with a whole new document (reset, import) has that document's text already.
    const tail = sealed[sealed.length - 1].line;
    const replacePrefix = `{"seq":${last},"replace":`;
    const snapshot = !compactAt
      ? undefined
      : tail.startsWith(replacePrefix)
        ? tail.slice(replacePrefix.length, -1)
        : JSON.stringify(this.host.live());
    // A large group (an import: the whole document in one record) gets the time it needs; the
    // records go as plain text parameters (no array literal to escape).
    const large = bytes > LARGE_BYTES;
    if (large) await client.query(`SET LOCAL statement_timeout = ${LARGE_TIMEOUT_MS}`);
    const values = sealed.map((_, i) => `($${2 * i + 2}::bigint, $${2 * i + 3}::text)`).join(', ');
    await client.query({
      text: `WITH added AS (INSERT INTO wxpay_mock_commits (seq, record) VALUES ${values}) SELECT pg_notify('${CHANNEL}', $1)`,
      values: [String(last), ...sealed.flatMap((c) => [c.seq, c.line])],
      ...(large ? { query_timeout: LARGE_TIMEOUT_MS + 1000 } : {}),
    });
    if (snapshot !== undefined) {
      if (!large && snapshot.length > LARGE_BYTES) await client.query(`SET LOCAL statement_timeout = ${LARGE_TIMEOUT_MS}`);
      await client.query({
        text: 'UPDATE wxpay_mock_snapshot SET seq = $1, document = $2',
        values: [last, snapshot],
        ...(snapshot.length > LARGE_BYTES ? { query_timeout: LARGE_TIMEOUT_MS + 1000 } : {}),
      });
      await client.query('DELETE FROM wxpay_mock_commits WHERE seq <= $1', [last - (this.options.keepCommits ?? KEEP_BEHIND)]);
    }
    await client.query('COMMIT');
    this.logBytes += bytes;
    if (snapshot !== undefined) {
      this.snapshotBytes = snapshot.length;
      this.logBytes = 0;
    }
    this.lastError = undefined;
  }

  async append(): Promise<void> {
    throw new StoreError('the PostgreSQL backend commits through sync(…, { lock: true })');
  }

  watch(onCommit: (seq: number) => void): () => void {
    this.watchers.add(onCommit);
    if (!this.listener && !this.reconnect) void this.listen();
    return () => this.watchers.delete(onCommit);
  }

  /** LISTEN on a connection of its own; reconnects after a loss (and catches up: notifications may have been missed). */
  private async listen(delay = 0) {
    this.reconnect = undefined;
    if (this.closed || !this.watchers.size) return;
    const client = new this.driver.Client({ connectionString: this.url, connectionTimeoutMillis: this.options.connectTimeoutMs ?? 2000 });
    const retry = () => {
      if (this.listener === client) this.listener = null;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (this.closed || this.reconnect) return;
      const next = Math.min(Math.max(delay * 2, 200), 2000);
      this.reconnect = setTimeout(() => void this.listen(next), next);
      this.reconnect.unref();
    };
    client.on('error', (err) => {
      this.lastError = reason(err);
      retry();
    });
    client.on('end', retry);
    client.on('notification', (msg) => {
      const seq = Number(msg.payload);
      for (const w of this.watchers) w(Number.isFinite(seq) ? seq : Infinity);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      this.lastError = reason(err);
      retry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
    for (const w of this.watchers) w(Infinity);
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.pool.query('SELECT 1');
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `PostgreSQL ${this.location}: ${reason(err)}` };
    }
  }

  /** The last database error seen (for the health report), cleared by the next successful commit. */
  get error(): string | undefined {
    return this.lastError;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
    await this.pool.end().catch(() => {});
  }
}

/** A PostgreSQL store for `createApp({ store })` (`--store postgres://…`); tables are created on open. */
export async function postgresBackend(url: string, options?: PostgresBackendOptions): Promise<PostgresBackend> {
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new StoreError(`not a PostgreSQL URL: ${redactUrl(url)} (postgres://user:password@host:port/database)`);
  // Imported here, not at the top: importing pg costs ≈150 ms, which every user of the package (and
  // every CLI start) would pay for a backend most never use.
  return new PostgresBackend(url, options ?? {}, (await import('pg')).default);
}
