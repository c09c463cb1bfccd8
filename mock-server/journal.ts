import { rfc3339 } from './time.js';

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

/**
 * What an exchange gives the journal: the entry's fields, with its two times as numbers (`at`: real
 * time, `virtual_at`: the business clock, both epoch ms). The journal keeps that and writes the
 * entry's text fields only when it is read (list): most entries are never read, and formatting two
 * times and measuring the entry as JSON text was ≈ 7 µs of each request's ≈ 250 µs on the event loop.
 */
export type JournalInput = Omit<JournalEntry, 'seq' | 'time' | 'virtual_time'> & { at: number; virtual_at: number };

/** Real time of held entries is kept in ms after this instant: a small integer, not a heap number. */
const HELD_EPOCH = Date.now();

/** What an entry holds besides the usual: set only for an error, a finding or a fault. */
interface HeldOutcome {
  code: string | null;
  message: string | null;
  findings: Finding[];
  fault: JournalEntry['fault'];
}

/**
 * An entry as the journal holds it, until it is read: every exchange's entry lives for the next 2,000
 * requests, long enough to be copied out of V8's young generation into the old one, so its size is
 * what each request costs the garbage collector. The usual entry (no error, no finding, no fault) holds
 * its strings and small integers only: times in ms after HELD_EPOCH and as the clock's offset, the
 * duration in µs, no `findings` array of its own (418 → 192 bytes retained per signed GET, heap difference
 * over 2,000 entries).
 */
class Held {
  constructor(
    readonly at: number,
    readonly virtualOffset: number,
    readonly request_id: string,
    readonly method: string,
    readonly target: string,
    readonly operation_id: string | null,
    readonly mchid: string | null,
    readonly status: number,
    /** Microseconds: the journal keeps durations to the µs. */
    readonly durationUs: number,
    readonly outcome: HeldOutcome | undefined,
  ) {}

  get code(): string | null {
    return this.outcome?.code ?? null;
  }

  get message(): string | null {
    return this.outcome?.message ?? null;
  }

  get hasFindings(): boolean {
    return this.outcome !== undefined && this.outcome.findings.length > 0;
  }
}

function heldOf(input: JournalInput, target = input.target, findings = input.findings): Held {
  const outcome =
    input.code !== null || input.message !== null || findings.length > 0 || input.fault !== undefined
      ? { code: input.code, message: input.message, findings, fault: input.fault }
      : undefined;
  return new Held(
    input.at - HELD_EPOCH,
    input.virtual_at - input.at,
    input.request_id,
    input.method,
    target,
    input.operation_id,
    input.mchid,
    input.status,
    Math.round(input.duration_ms * 1000),
    outcome,
  );
}

/** The entry as read: times as RFC 3339 text (real time in UTC, the business clock in +08:00). */
function entryOf(seq: number, held: Held): JournalEntry {
  const at = held.at + HELD_EPOCH;
  const outcome = held.outcome;
  return {
    seq,
    time: new Date(at).toISOString(),
    virtual_time: rfc3339(at + held.virtualOffset, { millis: true }),
    request_id: held.request_id,
    method: held.method,
    target: held.target,
    operation_id: held.operation_id,
    mchid: held.mchid,
    status: held.status,
    code: held.code,
    message: held.message,
    duration_ms: held.durationUs / 1000,
    findings: outcome ? outcome.findings : [],
    ...(outcome?.fault === undefined ? {} : { fault: outcome.fault }),
  };
}

// JSON text of an entry without its values: what `{"seq":…,"time":…,…,"findings":[]}` adds to them.
const ENTRY_FRAME =
  JSON.stringify({
    seq: 0,
    time: '',
    virtual_time: '',
    request_id: '',
    method: '',
    target: '',
    operation_id: '',
    mchid: '',
    status: 0,
    code: '',
    message: '',
    duration_ms: 0,
    findings: [],
  }).length -
  9 * 2 - // less its nine empty strings
  3; // and three zeros
/** Characters JSON.stringify escapes (quote, backslash, controls) or may (surrogates, lone ones escaped). */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
const stringLength = (s: string) => (ESCAPED.test(s) ? JSON.stringify(s).length : s.length + 2);
const nullableLength = (s: string | null) => (s === null ? 4 : stringLength(s));
// Epoch ms whose ISO text has a 4-digit year (toISOString writes ±YYYYYY outside): 24 characters.
const YEAR_0 = Date.parse('0000-01-01T00:00:00Z');
const YEAR_10000 = Date.parse('+010000-01-01T00:00:00Z');
const isoLength = (ms: number) => (ms >= YEAR_0 && ms < YEAR_10000 ? 24 : new Date(ms).toISOString().length);
/** rfc3339 with millis is always 23 characters of ISO text and +08:00; quoted. */
const VIRTUAL_TIME_LENGTH = 23 + 6 + 2;

/** `String(us / 1000).length`, counted from the integer: writing out a fractional double was half of entryLength's cost. */
function durationLength(us: number): number {
  if (!Number.isFinite(us)) return 4; // JSON writes null
  if (us < 0 || us > Number.MAX_SAFE_INTEGER / 1000) return String(us / 1000).length;
  let fraction = us % 1000;
  let length = String((us - fraction) / 1000).length;
  if (fraction === 0) return length;
  length += 4; // the point and three digits, less the trailing zeros
  while (fraction % 10 === 0) {
    fraction /= 10;
    length--;
  }
  return length;
}

/**
 * The length of `entryOf(seq, held)` as JSON text, without writing it for the usual entry (no
 * findings, no fault): the same number, exactly (test/bounded-memory.test.ts compares them).
 */
function entryLength(seq: number, held: Held): number | undefined {
  const outcome = held.outcome;
  if (outcome && (outcome.findings.length > 0 || outcome.fault !== undefined)) return jsonLength(entryOf(seq, held));
  const at = held.at + HELD_EPOCH;
  return (
    ENTRY_FRAME +
    String(seq).length +
    isoLength(at) +
    2 +
    VIRTUAL_TIME_LENGTH +
    stringLength(held.request_id) +
    stringLength(held.method) +
    stringLength(held.target) +
    nullableLength(held.operation_id) +
    nullableLength(held.mchid) +
    String(held.status).length +
    nullableLength(held.code) +
    nullableLength(held.message) +
    durationLength(held.durationUs)
  );
}

export class Journal {
  /** The entries held, oldest first; their seqs run without gaps up to `seq` (see seqAt). */
  private inputs: Held[] = [];
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

  add(input: JournalInput): void {
    const seq = ++this.seq;
    // Many findings (a body of 30,000 undeclared fields) are bounded before measuring: writing them all would cost seconds.
    let held = heldOf(input);
    let size = input.findings.length > FINDINGS_KEPT ? undefined : entryLength(seq, held);
    if (size === undefined || size > ENTRY_BYTES_LIMIT) {
      held = heldOf(input, boundedValue(input.target) as string, boundedFindings(input.findings));
      size = entryLength(seq, held) ?? ENTRY_BYTES_LIMIT;
    }
    this.inputs.push(held);
    this.sizes.push(size);
    this.total += size;
    // Oldest out first, by count then by bytes; the newest entry always stays.
    let drop = 0;
    while (drop < this.inputs.length - 1 && (this.inputs.length - drop > this.capacity || this.total > this.maxBytes))
      this.total -= this.sizes[drop++];
    // shift, not splice(0, n): V8 moves the array's start in place for shift, where splice copies the
    // 2,000 entries behind it (≈13 µs per request once the journal is full, measured here).
    for (let i = 0; i < drop; i++) {
      this.sizes.shift();
      this.inputs.shift();
    }
    this.evicted += drop;
    this.onAdd?.(entryOf(seq, held));
  }

  list(filter: JournalFilter = {}): JournalEntry[] {
    const picked: number[] = [];
    for (let i = 0; i < this.inputs.length; i++) {
      const e = this.inputs[i];
      if (
        (filter.operation_id === undefined || e.operation_id === filter.operation_id) &&
        (filter.mchid === undefined || e.mchid === filter.mchid) &&
        (filter.status === undefined || e.status === filter.status) &&
        (filter.code === undefined || e.code === filter.code) &&
        (filter.findings === undefined || e.hasFindings === filter.findings) &&
        (filter.since_seq === undefined || this.seqAt(i) > filter.since_seq)
      )
        picked.push(i);
    }
    const kept = filter.limit === undefined ? picked : picked.slice(-filter.limit);
    return kept.map((i) => entryOf(this.seqAt(i), this.inputs[i]));
  }

  /** The seq of the i-th entry held: each add takes the next seq, and entries leave from the front only. */
  private seqAt(i: number): number {
    return this.seq - this.inputs.length + 1 + i;
  }

  clear(): void {
    this.inputs = [];
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
    return this.inputs.length;
  }
}
