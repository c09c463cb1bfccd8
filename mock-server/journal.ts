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

export class Journal {
  private entries: JournalEntry[] = [];
  private seq = 0;
  private evicted = 0;

  constructor(readonly capacity = 2000) {}

  add(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    const full = { seq: ++this.seq, ...entry };
    this.entries.push(full);
    if (this.entries.length > this.capacity) this.evicted += this.entries.splice(0, this.entries.length - this.capacity).length;
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
    this.evicted = 0;
  }

  /** Entries pushed out by the cap since the last clear: a report over the rest is incomplete. */
  get dropped(): number {
    return this.evicted;
  }

  get size(): number {
    return this.entries.length;
  }
}
