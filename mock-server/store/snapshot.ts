/**
 * Snapshots: the whole state as one versioned JSON document, media included (Firebase's
 * `--export-on-exit` / `--import`, LocalStack's pods). Format (docs/reference/snapshots.md):
 *
 *   { "format": "wxpay-mock-snapshot", "version": 1, "exported_at": RFC 3339 (real time),
 *     "state": <the document: clock, merchants, families' slices, id sequences>,
 *     "media": { "<sha256>": "<base64>" } }
 *
 * A restore checks everything before it changes anything: a foreign or broken snapshot is refused
 * (SnapshotError → 400) and the state is left untouched. Id sequences never go back: a restore keeps
 * the larger of each sequence, so ids handed out before are not handed out again.
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from './port.js';
import type { MockData } from './state.js';
import type { Store } from './store.js';

export const SNAPSHOT_FORMAT = 'wxpay-mock-snapshot';
export const SNAPSHOT_VERSION = 1;

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  exported_at: string;
  state: MockData;
  media: Record<string, string>;
}

/** A snapshot that cannot be restored: the message says why; nothing was changed. */
export class SnapshotError extends Error {}

/** Every blob the document refers to (uploaded images). */
function referencedBlobs(state: MockData): Set<string> {
  return new Set(Object.values(state.media?.images ?? {}).map((image) => image.sha256));
}

export async function takeSnapshot(store: Store): Promise<Snapshot> {
  // Only what is durable: a snapshot never holds a write that could still fail.
  await store.settled();
  const state = JSON.parse(JSON.stringify(store.data)) as MockData;
  const media: Record<string, string> = {};
  for (const sha of referencedBlobs(state)) {
    const bytes = await store.blobs.get(sha);
    if (bytes) media[sha] = bytes.toString('base64');
  }
  // Version-1 data files kept the bytes inside the document: a snapshot carries them as media.
  if (state.media?.blobs) {
    Object.assign(media, state.media.blobs);
    delete state.media.blobs;
  }
  return { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, exported_at: new Date().toISOString(), state, media };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The snapshot's state and its media as bytes, or SnapshotError naming the first problem. */
export function readSnapshot(input: unknown, merchants: ReadonlySet<string>): { state: MockData; media: Map<string, Buffer> } {
  if (!isObject(input)) throw new SnapshotError('a snapshot is a JSON object');
  if (input.format !== SNAPSHOT_FORMAT) throw new SnapshotError(`not a wxpay-mock snapshot (format must be "${SNAPSHOT_FORMAT}")`);
  if (input.version !== SNAPSHOT_VERSION)
    throw new SnapshotError(
      `snapshot version ${JSON.stringify(input.version)} is not supported (this mock reads version ${SNAPSHOT_VERSION})`,
    );
  const state = input.state;
  if (!isObject(state) || state.version !== 1 || !isObject(state.merchants) || !isObject(state.clock))
    throw new SnapshotError('snapshot state must be an object with version 1, clock and merchants');
  const clock = state.clock;
  if (
    typeof clock.offsetMs !== 'number' ||
    !Number.isFinite(clock.offsetMs) ||
    !(clock.frozenAtMs === null || Number.isFinite(clock.frozenAtMs))
  )
    throw new SnapshotError('snapshot state.clock must have a finite offsetMs and frozenAtMs (a number or null)');
  for (const [mchid, m] of Object.entries(state.merchants)) {
    if (!merchants.has(mchid)) throw new SnapshotError(`snapshot merchant ${mchid} is not in this mock's fixture world`);
    if (!isObject(m) || typeof m.balance !== 'number') throw new SnapshotError(`snapshot merchant ${mchid} has no balance`);
  }
  if (
    state.sequences !== undefined &&
    (!isObject(state.sequences) || !Object.values(state.sequences).every((n) => Number.isSafeInteger(n)))
  )
    throw new SnapshotError('snapshot state.sequences must map names to integers');
  const media = new Map<string, Buffer>();
  if (input.media !== undefined && !isObject(input.media)) throw new SnapshotError('snapshot media must be an object of base64 by SHA-256');
  for (const [sha, b64] of Object.entries(input.media ?? {})) {
    if (!/^[0-9a-f]{64}$/.test(sha) || typeof b64 !== 'string')
      throw new SnapshotError(`snapshot media ${sha.slice(0, 80)} is not base64 under a SHA-256`);
    const bytes = Buffer.from(b64, 'base64');
    if (createHash('sha256').update(bytes).digest('hex') !== sha)
      throw new SnapshotError(`snapshot media ${sha}: the bytes do not match their SHA-256`);
    media.set(sha, bytes);
  }
  for (const sha of referencedBlobs(state as unknown as MockData))
    if (!media.has(sha)) throw new SnapshotError(`snapshot image bytes ${sha} are missing from media`);
  return { state: state as unknown as MockData, media };
}

/** Replaces the state with a checked snapshot (readSnapshot): media first, then the document in one commit. */
export async function restoreSnapshot(store: Store, blobs: BlobStore, checked: { state: MockData; media: Map<string, Buffer> }) {
  for (const [sha, bytes] of checked.media) await blobs.put(sha, bytes);
  const state = structuredClone(checked.state);
  // The sequences are merged with the latest state's (a shared store calls this under its lock).
  await store.replace((current) => {
    const sequences = { ...(state.sequences ?? {}) };
    for (const [name, n] of Object.entries(current.sequences ?? {})) sequences[name] = Math.max(n, sequences[name] ?? 0);
    if (Object.keys(sequences).length) state.sequences = sequences;
    return state;
  });
  await blobs.retain(referencedBlobs(state));
}
