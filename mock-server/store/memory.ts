/**
 * The in-memory backend (`--in-memory`, the programmatic default): nothing is written; a restart
 * starts from the fixtures. Blobs are kept in a map with a byte cap, so a test that uploads images in
 * a loop gets a clear error instead of an ever-growing heap.
 */
import { StoreError, type BlobStore, type OpenedState, type StoreBackend } from './port.js';

/** Uploaded bytes kept in memory at most (default 64 MiB). */
export const DEFAULT_MEMORY_BLOB_LIMIT = 64 * 1024 * 1024;

export class MemoryBlobs implements BlobStore {
  private readonly bytes = new Map<string, Buffer>();
  private total = 0;

  constructor(private readonly limit = DEFAULT_MEMORY_BLOB_LIMIT) {}

  async put(sha256: string, data: Buffer): Promise<void> {
    if (this.bytes.has(sha256)) return;
    if (this.total + data.length > this.limit)
      throw new StoreError(`in-memory image storage is full (${this.limit} bytes); reset the mock or use a data file`);
    this.bytes.set(sha256, Buffer.from(data));
    this.total += data.length;
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    return this.bytes.get(sha256);
  }

  async list(): Promise<string[]> {
    return [...this.bytes.keys()];
  }

  async retain(keep: ReadonlySet<string>): Promise<void> {
    for (const [sha, data] of this.bytes) {
      if (keep.has(sha)) continue;
      this.bytes.delete(sha);
      this.total -= data.length;
    }
  }
}

export function memoryBackend(options: { blobLimit?: number } = {}): StoreBackend {
  return {
    location: ':memory:',
    persists: false,
    blobs: new MemoryBlobs(options.blobLimit),
    async open(): Promise<OpenedState> {
      return { document: undefined, commits: [], seq: 0 };
    },
    async append() {},
    async close() {},
  };
}
