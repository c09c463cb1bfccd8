/**
 * A capped, in-memory record of every /v3 request: what came in, what was answered, and what was
 * wrong with it (contract or signature findings). The contract report is built from it.
 */
export interface Finding {
  /**
   * contract: the request broke its contract (refused); signature: the signature check failed;
   * protocol: the request is malformed or matches no operation; undeclared-query: an ignored query
   * parameter; not-open: a field the contract marks `x-not-open`, accepted (refused with --strict, then
   * a contract finding); response-contract: a reply broke its contract; interop: accepted, but off
   * the APIv3 specification (e.g. a lower-case certificate serial) — the real server may refuse it.
   */
  kind: 'contract' | 'signature' | 'protocol' | 'undeclared-query' | 'not-open' | 'response-contract' | 'interop';
  location?: string;
  field?: string;
  value?: unknown;
  issue: string;
  message?: string;
  detail?: unknown;
  /** What to change in the client, when the mock can tell (signature diagnosis, interop notes). */
  hint?: string;
}

export interface JournalEntry {
  seq: number;
  time: string;
  virtual_time: string;
  request_id: string;
  method: string;
  target: string;
  operation_id: string | null;
  mchid: string | null;
  status: number;
  code: string | null;
  message: string | null;
  duration_ms: number;
  findings: Finding[];
  /** A fault injected on purpose (faults/): never a contract finding; the report lists it apart. */
  fault?: import('./faults/request.js').InjectedFault;
}

export interface JournalFilter {
  operation_id?: string;
  mchid?: string;
  status?: number;
  code?: string;
  /** Only entries with findings. */
  findings?: boolean;
  since_seq?: number;
  limit?: number;
}

/** Journal limits: entries, and bytes (as JSON text) so big bad requests cannot fill the heap. */
export interface JournalLimits {
  /** Entries kept (default 2000). */
  capacity?: number;
  /** Bytes kept, counted as each entry's JSON text (default 32 MiB). */
  maxBytes?: number;
  /** Called with every entry added (the console log). */
  onAdd?: (entry: JournalEntry) => void;
}

export const DEFAULT_JOURNAL_BYTES = 32 * 1024 * 1024;
/** An entry whose JSON is longer than this keeps a bounded copy of its findings (see `boundedFindings`). */
export const ENTRY_BYTES_LIMIT = 16 * 1024;
const FINDINGS_KEPT = 20;
const STRING_KEPT = 512;
const ITEMS_KEPT = 20;
const DEPTH_KEPT = 4;

/** A copy of `value` small enough to keep: strings cut to 512 characters, arrays and objects to 20 items, 4 levels deep. */
export function boundedValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > STRING_KEPT ? `${value.slice(0, STRING_KEPT)}…(${value.length} chars)` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= DEPTH_KEPT) return '…';
  if (Array.isArray(value)) {
    const kept = value.slice(0, ITEMS_KEPT).map((v) => boundedValue(v, depth + 1));
    return value.length > ITEMS_KEPT ? [...kept, `…(${value.length - ITEMS_KEPT} more)`] : kept;
  }
  const keys = Object.keys(value);
  const out: Record<string, unknown> = {};
  for (const k of keys.slice(0, ITEMS_KEPT)) out[k] = boundedValue((value as Record<string, unknown>)[k], depth + 1);
  if (keys.length > ITEMS_KEPT) out['…'] = `${keys.length - ITEMS_KEPT} more keys`;
  return out;
}

/** The first 20 findings, each with its value and detail bounded, and a note of how many were left out. */
function boundedFindings(findings: Finding[]): Finding[] {
  const kept = findings.slice(0, FINDINGS_KEPT).map((f) => boundedValue(f) as Finding);
  if (findings.length > FINDINGS_KEPT)
    kept.push({
      kind: findings[FINDINGS_KEPT].kind,
      issue: `${findings.length - FINDINGS_KEPT} more findings not kept (journal entry size limit)`,
    });
  return kept;
}

function jsonLength(value: unknown): number | undefined {
  try {
    return JSON.stringify(value).length;
  } catch {
    return undefined; // too big or too deep to write at all
  }
}

export class Journal {
  private entries: JournalEntry[] = [];
  private sizes: number[] = [];
  private total = 0;
  private seq = 0;
  private evicted = 0;
  readonly capacity: number;
  readonly maxBytes: number;
  private readonly onAdd?: (entry: JournalEntry) => void;

  constructor(limits: number | JournalLimits = {}) {
    const l = typeof limits === 'number' ? { capacity: limits } : limits;
    this.capacity = l.capacity ?? 2000;
    this.maxBytes = l.maxBytes ?? DEFAULT_JOURNAL_BYTES;
    this.onAdd = l.onAdd;
  }

  add(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    let full: JournalEntry = { seq: ++this.seq, ...entry };
    // Many findings (a body of 30,000 undeclared fields) are bounded before measuring: writing them all would cost seconds.
    let size = full.findings.length > FINDINGS_KEPT ? undefined : jsonLength(full);
    if (size === undefined || size > ENTRY_BYTES_LIMIT) {
      full = { ...full, target: boundedValue(full.target) as string, findings: boundedFindings(full.findings) };
      size = jsonLength(full) ?? ENTRY_BYTES_LIMIT;
    }
    this.entries.push(full);
    this.sizes.push(size);
    this.total += size;
    // Oldest out first, by count then by bytes; the newest entry always stays.
    let drop = 0;
    while (drop < this.entries.length - 1 && (this.entries.length - drop > this.capacity || this.total > this.maxBytes))
      this.total -= this.sizes[drop++];
    // shift, not splice(0, n): V8 moves the array's start in place for shift, where splice copies the
    // 2,000 entries behind it (≈13 µs per request once the journal is full, measured here).
    for (let i = 0; i < drop; i++) {
      this.sizes.shift();
      this.entries.shift();
    }
    this.evicted += drop;
    this.onAdd?.(full);
    return full;
  }

  list(filter: JournalFilter = {}): JournalEntry[] {
    const out = this.entries.filter(
      (e) =>
        (filter.operation_id === undefined || e.operation_id === filter.operation_id) &&
        (filter.mchid === undefined || e.mchid === filter.mchid) &&
        (filter.status === undefined || e.status === filter.status) &&
        (filter.code === undefined || e.code === filter.code) &&
        (filter.findings === undefined || e.findings.length > 0 === filter.findings) &&
        (filter.since_seq === undefined || e.seq > filter.since_seq),
    );
    return filter.limit === undefined ? out : out.slice(-filter.limit);
  }

  clear(): void {
    this.entries = [];
    this.sizes = [];
    this.total = 0;
    this.evicted = 0;
  }

  /** Bytes held, as JSON text. */
  get bytes(): number {
    return this.total;
  }

  /** Entries pushed out by the cap since the last clear: a report over the rest is incomplete. */
  get dropped(): number {
    return this.evicted;
  }

  get size(): number {
    return this.entries.length;
  }
}
