/**
 * The embedded file backend: a lowdb JSON snapshot plus an append-only change log beside it.
 *
 *   data.json          the snapshot, `{ wxpay_mock_data: 2, seq, document }` (read with lowdb's JSONFile)
 *   data.json.log      one JSON line per commit after the snapshot: `{ seq, changes }` or `{ seq, replace }`
 *   data.json.log.old  the log being folded into a new snapshot (only while compacting)
 *   data.json.media/   uploaded images, one file per SHA-256
 *
 * A commit appends its line, on disk before the reply (the log is opened with O_DSYNC; an fdatasync
 * follows the write where the platform has no O_DSYNC), so its cost follows what it changed, not the
 * size of the state. When the log outgrows the snapshot (and 8 MiB), it is compacted: the log is
 * renamed to `.log.old`, a new one takes the following commits, and the snapshot is rewritten from the
 * live document in small slices (so requests keep flowing), fsynced and renamed into place; then
 * `.log.old` is removed. The slices may read values newer than the snapshot's `seq`: every log line
 * sets absolute values, so replaying the lines after `seq` still ends at the right state, and the new
 * snapshot only replaces the old one once every value it may hold is durable (and never after a
 * rollback). Recovery: snapshot, then `.log.old`, then `.log`, skipping lines at or before the
 * snapshot's seq; a torn last line (kill -9 mid-write) is cut off; anything else unreadable stops the
 * start with a message naming the file, which is never overwritten.
 */
import { constants, existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { JSONFile } from 'lowdb/node';
import { applyChanges } from './tracker.js';
import {
  StoreError,
  type BlobStore,
  type CommitRecord,
  type OpenedState,
  type SealedCommit,
  type StoreBackend,
  type StoreHost,
} from './port.js';

const FORMAT_KEY = 'wxpay_mock_data';
const FORMAT = 2;
/**
 * The log is opened for appending with O_DSYNC where the platform has it (Linux, macOS): a write returns
 * once its bytes are on disk (as after fdatasync), so a commit batch is one task on libuv's thread pool
 * instead of a write and then an fdatasync, two round trips through the pool (each a thread wake-up and a
 * completion on the event loop). Elsewhere (Windows) the write is followed by an fdatasync.
 */
const LOG_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | (constants.O_DSYNC ?? 0);
const LOG_WRITES_SYNC = constants.O_DSYNC !== undefined;
/** The log is folded into the snapshot once it is larger than the snapshot and than this. */
const COMPACT_MIN_BYTES = 8 * 1024 * 1024;

interface SnapshotFile {
  [FORMAT_KEY]: number;
  seq: number;
  document: Record<string, unknown> | null;
}

export interface FileBackendOptions {
  /** Compact once the log passes max(this, snapshot size) (tests set it low). */
  compactMinBytes?: number;
  /**
   * Test hook: called before every log write with the bytes about to be written; a throw is a failed
   * write (e.g. ENOSPC). Used by the crash and disk-full tests.
   */
  beforeWrite?: (bytes: number) => void;
}

async function fsyncDir(dir: string) {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `name` atomically: a temporary file, fsynced, renamed over it. */
async function writeAtomically(path: string, write: (fh: FileHandle) => Promise<void>) {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await write(fh);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

class FileBlobs implements BlobStore {
  constructor(private readonly dir: string) {}

  private pathOf(sha256: string) {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new StoreError(`not a SHA-256: ${sha256}`);
    return join(this.dir, sha256);
  }

  async put(sha256: string, bytes: Buffer): Promise<void> {
    const path = this.pathOf(sha256);
    if (existsSync(path)) return;
    await mkdir(this.dir, { recursive: true });
    await writeAtomically(path, async (fh) => {
      await fh.writeFile(bytes);
    });
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(sha256));
    } catch {
      return undefined;
    }
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => /^[0-9a-f]{64}$/.test(f));
    } catch {
      return [];
    }
  }

  async retain(keep: ReadonlySet<string>): Promise<void> {
    for (const sha of await this.list()) if (!keep.has(sha)) await unlink(join(this.dir, sha)).catch(() => {});
  }
}

/** Reads one log file: its commits, and the byte length of its readable prefix (a torn tail is cut there). */
async function readLog(path: string, isLast: boolean): Promise<{ commits: CommitRecord[]; goodBytes: number; size: number }> {
  const buf = await readFile(path);
  const commits: CommitRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const nl = buf.indexOf(0x0a, offset);
    const end = nl === -1 ? buf.length : nl;
    let record: CommitRecord | undefined;
    try {
      const parsed = JSON.parse(buf.subarray(offset, end).toString('utf8')) as CommitRecord;
      if (
        nl !== -1 &&
        typeof parsed?.seq === 'number' &&
        (Array.isArray(parsed.changes) || (parsed.replace !== undefined && typeof parsed.replace === 'object'))
      )
        record = parsed;
    } catch {
      record = undefined;
    }
    if (!record) {
      // A torn write leaves its line unfinished at the very end of the newest log: cut it off.
      if (isLast && tailIsTorn(buf, offset)) return { commits, goodBytes: offset, size: buf.length };
      throw new StoreError(`data log ${path} is corrupt at byte ${offset} (not a wxpay-mock commit); fix or remove it`);
    }
    commits.push(record);
    offset = end + 1;
  }
  return { commits, goodBytes: buf.length, size: buf.length };
}

/** From `offset` on, nothing but one unfinished record (no complete line after it parses). */
function tailIsTorn(buf: Buffer, offset: number): boolean {
  const rest = buf.subarray(offset).toString('utf8').split('\n');
  // A torn record is the last piece; everything before it would be complete lines, and those parsed.
  return rest.slice(1).every((line) => line.trim() === '') || rest.length === 1;
}

export class FileBackend implements StoreBackend {
  readonly persists = true;
  readonly blobs: BlobStore;
  private readonly logPath: string;
  private readonly oldLogPath: string;
  private log: FileHandle | null = null;
  private size = 0;
  private snapshotBytes = 0;
  private lastSeq = 0;
  private broken: Error | null = null;
  private compaction: Promise<void> | null = null;
  private abortCompaction = false;
  private host: StoreHost = { live: () => undefined, settled: async () => {} };

  constructor(
    readonly location: string,
    private readonly options: FileBackendOptions = {},
  ) {
    this.logPath = `${location}.log`;
    this.oldLogPath = `${location}.log.old`;
    this.blobs = new FileBlobs(`${location}.media`);
  }

  async open(host: StoreHost): Promise<OpenedState> {
    this.host = host;
    await mkdir(dirname(this.location), { recursive: true });
    let snapshot: SnapshotFile | undefined;
    if (existsSync(this.location)) snapshot = await this.readSnapshot();
    else if (existsSync(this.logPath) || existsSync(this.oldLogPath))
      throw new StoreError(
        `data file ${this.location} is missing but its log ${this.logPath} is there; restore the file or remove the log`,
      );
    else {
      snapshot = { [FORMAT_KEY]: FORMAT, seq: 0, document: null };
      await writeAtomically(this.location, (fh) => fh.writeFile(JSON.stringify(snapshot)));
    }
    this.snapshotBytes = (await stat(this.location)).size;

    const commits = await this.readLogs(snapshot.seq, true);
    this.lastSeq = commits.length ? commits[commits.length - 1].seq : snapshot.seq;
    this.log = await open(this.logPath, LOG_FLAGS);
    this.size = (await this.log.stat()).size;
    // A compaction cut short by a stop: finish it now that the state is known.
    if (existsSync(this.oldLogPath)) this.compactLater = true;
    return { document: snapshot.document ?? undefined, commits, seq: snapshot.seq };
  }

  private compactLater = false;

  /** Snapshot and logs as they are on disk, nothing opened for writing nor cut (readDataFile). */
  async readOnly(): Promise<OpenedState> {
    if (!existsSync(this.location)) return { document: undefined, commits: [], seq: 0 };
    const snapshot = await this.readSnapshot();
    return { document: snapshot.document ?? undefined, commits: await this.readLogs(snapshot.seq, false), seq: snapshot.seq };
  }

  /** The commits after `afterSeq` in `.log.old` then `.log`; `cutTornTail`: truncate a torn last record away. */
  private async readLogs(afterSeq: number, cutTornTail: boolean): Promise<CommitRecord[]> {
    const commits: CommitRecord[] = [];
    const logs = [this.oldLogPath, this.logPath].filter((p) => existsSync(p));
    for (const [i, path] of logs.entries()) {
      const read = await readLog(path, i === logs.length - 1);
      commits.push(...read.commits.filter((c) => c.seq > afterSeq));
      if (cutTornTail && read.goodBytes < read.size) {
        const fh = await open(path, 'r+');
        await fh.truncate(read.goodBytes);
        await fh.sync();
        await fh.close();
      }
    }
    return commits;
  }

  private async readSnapshot(): Promise<SnapshotFile> {
    let parsed: unknown;
    try {
      // lowdb's reader: the snapshot is a plain JSON document.
      parsed = await new JSONFile<unknown>(this.location).read();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code) throw new StoreError(`cannot read data file ${this.location}: ${e.message}`);
      throw new StoreError(
        `data file ${this.location} is corrupt (not valid JSON: ${e.message}); fix or remove it, or start with --in-memory`,
      );
    }
    const file = parsed as Partial<SnapshotFile> & { version?: number; merchants?: unknown; clock?: unknown };
    if (file && typeof file === 'object' && file[FORMAT_KEY] === FORMAT && typeof file.seq === 'number') return file as SnapshotFile;
    // Version 1 (one whole document, written on every commit): read as a snapshot at seq 0.
    if (file && typeof file === 'object' && file.version === 1 && typeof file.merchants === 'object' && file.clock)
      return { [FORMAT_KEY]: FORMAT, seq: 0, document: file as Record<string, unknown> };
    throw new StoreError(`data file ${this.location} is not a wxpay-mock data file; fix or remove it`);
  }

  async append(commits: readonly SealedCommit[]): Promise<void> {
    if (this.broken) throw this.broken;
    if (!this.log) throw new StoreError(`data log ${this.logPath} is closed`);
    const bytes = Buffer.from(commits.map((c) => `${c.line}\n`).join(''), 'utf8');
    try {
      this.options.beforeWrite?.(bytes.length);
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await this.log.write(bytes, written, bytes.length - written, this.size + written);
        written += bytesWritten;
      }
      if (!LOG_WRITES_SYNC) await this.log.datasync();
    } catch (err) {
      // Nothing of a failed write may ever be read back: cut the log back to where it was.
      try {
        await this.log.truncate(this.size);
      } catch (cut) {
        this.broken = new StoreError(
          `data log ${this.logPath} could not be restored after a failed write (${(cut as Error).message}); restart the mock`,
        );
      }
      throw err;
    }
    this.size += bytes.length;
    this.lastSeq = commits[commits.length - 1].seq;
    if (
      this.compactLater ||
      (!this.compaction && this.size > Math.max(this.options.compactMinBytes ?? COMPACT_MIN_BYTES, this.snapshotBytes))
    ) {
      this.compactLater = false;
      await this.startCompaction();
    }
  }

  rolledBack(): void {
    // The live document held values that are gone now: a snapshot being written may contain them.
    if (this.compaction) this.abort('a rollback happened while compacting');
  }

  private abortReason = '';
  private abort(reason: string) {
    this.abortCompaction = true;
    this.abortReason = reason;
  }

  /** Rotates the log (between writes: the engine never appends concurrently) and writes the snapshot in the background. */
  private async startCompaction() {
    if (this.compaction || !this.log) return;
    if (!existsSync(this.oldLogPath)) {
      await this.log.close();
      await rename(this.logPath, this.oldLogPath);
      this.log = await open(this.logPath, LOG_FLAGS);
      this.size = 0;
      await fsyncDir(dirname(this.location));
    }
    const seq = this.lastSeq;
    this.abortCompaction = false;
    this.compaction = this.compact(seq)
      .catch((err) => {
        // The old snapshot and both logs are still whole: nothing is lost; the next start or write tries again.
        if (!this.closing) process.emitWarning(`wxpay-mock: compaction of ${this.location} failed: ${(err as Error).message}`);
        this.compactLater = true;
      })
      .finally(() => {
        this.compaction = null;
      });
  }

  private async compact(seq: number) {
    const target = `${this.location}.next`;
    await writeAtomically(target, async (fh) => {
      const out = new ChunkedWriter(fh);
      await out.write(`{"${FORMAT_KEY}":${FORMAT},"seq":${seq},"document":`);
      await writeJson(
        this.host.live(),
        out,
        () => this.abortCompaction,
        () => this.abortReason,
      );
      await out.write('}');
      await out.flush();
    });
    // Every value the slices read must be durable before the snapshot may stand for them.
    await this.host.settled();
    if (this.abortCompaction) {
      await rm(target, { force: true });
      throw new Error(this.abortReason);
    }
    await rename(target, this.location);
    await fsyncDir(dirname(this.location));
    this.snapshotBytes = (await stat(this.location)).size;
    await unlink(this.oldLogPath).catch(() => {});
  }

  private closing = false;

  /**
   * A compaction under way is let finish (the next start then reads a short log), for 15 s at most;
   * past that it is dropped: the old snapshot and the logs are whole.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.compaction) {
      const timer = setTimeout(() => this.abort('stopped by close'), 15_000);
      await this.compaction;
      clearTimeout(timer);
    }
    await this.log?.close();
    this.log = null;
  }
}

const NON_ASCII = /[^ -~]/;
const NON_ASCII_ALL = /[^ -~]/g;

/** Buffers text and writes it in ~1 MiB pieces. */
class ChunkedWriter {
  private parts: string[] = [];
  private pending = 0;
  constructor(private readonly fh: FileHandle) {}
  async write(text: string) {
    // ASCII only (\uXXXX escapes): the snapshot then reads back as a one-byte string, half the memory
    // of the two-byte string a single Chinese character would make of the whole 50 MB file.
    if (NON_ASCII.test(text)) text = text.replace(NON_ASCII_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    this.parts.push(text);
    this.pending += text.length;
    if (this.pending > 1 << 20) await this.flush();
  }
  async flush() {
    if (!this.parts.length) return;
    const text = this.parts.join('');
    this.parts = [];
    this.pending = 0;
    await this.fh.write(text);
  }
}

/**
 * JSON of the live document, yielding to the event loop every few milliseconds: containers with many
 * entries (coupon maps, per-user counters) are walked entry by entry; small records are stringified whole.
 */
async function writeJson(value: unknown, out: ChunkedWriter, aborted: () => boolean, reason: () => string) {
  let sliceStart = performance.now();
  let steps = 0;
  const breathe = async () => {
    if (++steps % 64 !== 0) return;
    if (performance.now() - sliceStart < 4) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (aborted()) throw new Error(reason() || 'compaction stopped');
    sliceStart = performance.now();
  };
  const small = (v: object) => (Array.isArray(v) ? v.length : Object.keys(v).length) <= 32;
  const walk = async (v: unknown, depth: number): Promise<void> => {
    if (v === null || typeof v !== 'object' || (depth >= 3 && small(v))) {
      await out.write(JSON.stringify(v) ?? 'null');
      return breathe();
    }
    if (Array.isArray(v)) {
      await out.write('[');
      for (let i = 0; i < v.length; i++) {
        if (i) await out.write(',');
        await walk(v[i], depth + 1);
      }
      await out.write(']');
      return;
    }
    await out.write('{');
    let first = true;
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      if (child === undefined) continue;
      await out.write(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      await walk(child, depth + 1);
    }
    await out.write('}');
  };
  await walk(value, 0);
}

export async function fileBackend(path: string, options?: FileBackendOptions): Promise<FileBackend> {
  return new FileBackend(path, options);
}

/**
 * The durable state of a data file as a restart would see it (snapshot + logs), read without
 * changing anything — for inspection while a mock runs on it (tests, tooling).
 */
export async function readDataFile(path: string): Promise<Record<string, unknown> | undefined> {
  const opened = await new FileBackend(path).readOnly();
  let document = opened.document;
  for (const c of opened.commits) {
    if (c.replace !== undefined) document = c.replace as Record<string, unknown>;
    else if (document) applyChanges(document, c.changes ?? []);
  }
  return document;
}
