/**
 * Opening the state store: the engine (engine.ts) over a backend (port.ts) — the embedded file log
 * (file.ts) for `--data`, memory (memory.ts) for `--in-memory`, or any other implementation of the
 * port given to `createApp({ store })`.
 */
import { StateStore } from './engine.js';
import { fileBackend, type FileBackendOptions } from './file.js';
import { memoryBackend } from './memory.js';
import type { StoreBackend } from './port.js';
import type { MockData } from './state.js';

export { StoreError } from './port.js';
export type { StoreBackend } from './port.js';
export { CommitFailedError, type Transaction } from './engine.js';

/** The mock's state: read `data`, write in `transact`/`begin` (durable when the commit resolves). */
export type Store = StateStore<MockData>;

export function openStore(backend: StoreBackend, initial: () => MockData): Promise<Store> {
  return StateStore.open(backend, initial);
}

export function memoryStore(initial: () => MockData): Promise<Store> {
  return openStore(memoryBackend(), initial);
}

/**
 * Opens the data file (its log and media beside it), or creates it with `initial`. An unreadable,
 * corrupt or foreign file is an error that names it; it is never overwritten.
 */
export async function fileStore(path: string, initial: () => MockData, options?: FileBackendOptions): Promise<Store> {
  return openStore(await fileBackend(path, options), initial);
}
