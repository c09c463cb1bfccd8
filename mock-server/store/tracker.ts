/**
 * Change tracking for one transaction over the state document: the handler writes through a proxy of
 * the live tree, and every write (set, delete, defineProperty, at any depth) is noted with its path and
 * the value it replaced. That gives the two things a transaction needs:
 * - `changes()`: what to persist — the touched paths with their values at commit (a path under another
 *   touched path is covered by it), so a commit costs what it changed, not the size of the state;
 * - `undo()`: the document exactly as before, for a handler that threw or a commit that failed.
 *
 * Values are applied to the live tree at once (the event loop makes a synchronous handler atomic); the
 * engine (engine.ts) keeps others from acting on them before they are durable.
 */

/** A path from the document root: object keys and array indexes, as strings. */
export type Path = readonly string[];

/** One persisted change: `[path, value]` sets, `[path]` deletes. */
export type Change = [Path, unknown] | [Path];

interface UndoEntry {
  target: Record<string, unknown>;
  key: string;
  had: boolean;
  old: unknown;
}

const isContainer = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The places written, as a tree of keys: a node was written (`touched`), or leads to written places.
 * A tree rather than a set of path strings: noting a write and finding the outermost ones build no
 * key text (JSON.stringify of each path and of each of its prefixes was ≈ 20 µs of a send's CPU).
 */
interface TouchedNode {
  touched: boolean;
  children: Map<string, TouchedNode>;
}
const touchedNode = (): TouchedNode => ({ touched: false, children: new Map() });

export class ChangeSet {
  private readonly undoLog: UndoEntry[] = [];
  private touched = touchedNode();
  private readonly proxies = new WeakMap<object, object>();
  private readonly paths = new WeakMap<object, Path>();

  constructor(private readonly root: () => Record<string, unknown>) {}

  get empty(): boolean {
    return this.undoLog.length === 0;
  }

  /** The document seen through the tracker: reads as usual, every write is noted. */
  view<T extends object>(): T {
    return this.wrap(this.root(), []) as T;
  }

  /** Every place written: the object and the key (engine.ts marks them pending until durable). */
  *places(): Iterable<[object, string]> {
    for (const { target, key } of this.undoLog) yield [target, key];
  }

  /** Puts every written place back as it was, newest first. */
  undo(): void {
    for (let i = this.undoLog.length - 1; i >= 0; i--) {
      const { target, key, had, old } = this.undoLog[i];
      if (!had) delete target[key];
      else if (Array.isArray(target) && key === 'length') (target as unknown[]).length = old as number;
      else Object.defineProperty(target, key, { value: old, writable: true, enumerable: true, configurable: true });
    }
    this.undoLog.length = 0;
    this.touched = touchedNode();
  }

  /** The outermost touched paths with their values now (JSON-safe copies are made by the writer). */
  changes(): Change[] {
    const out: Change[] = [];
    const walk = (node: TouchedNode, parent: Path) => {
      for (const [key, child] of node.children) {
        const path = [...parent, key];
        if (!child.touched) walk(child, path);
        else {
          // Written here: what was written below it is covered by its value now.
          const found = lookup(this.root(), path);
          out.push(found.exists ? [path, found.value] : [path]);
        }
      }
    };
    walk(this.touched, []);
    return out;
  }

  private note(target: Record<string, unknown>, key: string, parent: Path) {
    this.undoLog.push({ target, key, had: Object.hasOwn(target, key), old: target[key] });
    let node = this.touched;
    for (const k of [...parent, key]) {
      let next = node.children.get(k);
      if (!next) node.children.set(k, (next = touchedNode()));
      node = next;
    }
    node.touched = true;
  }

  /** One handler for every proxy of this transaction (not seven closures per object reached). */
  private readonly handler: ProxyHandler<Record<string, unknown>> = {
    get: (t, key, receiver) => {
      const value = Reflect.get(t, key, receiver);
      if (typeof key !== 'string' || !isContainer(value) || !Object.hasOwn(t, key)) return value;
      return this.wrap(value, [...this.paths.get(t)!, key]);
    },
    set: (t, key, value) => {
      if (typeof key !== 'string') return Reflect.set(t, key, value);
      this.note(t, key, this.paths.get(t)!);
      return Reflect.set(t, key, unwrap(value));
    },
    defineProperty: (t, key, descriptor) => {
      if (typeof key !== 'string') return Reflect.defineProperty(t, key, descriptor);
      this.note(t, key, this.paths.get(t)!);
      return Reflect.defineProperty(t, key, 'value' in descriptor ? { ...descriptor, value: unwrap(descriptor.value) } : descriptor);
    },
    deleteProperty: (t, key) => {
      if (typeof key !== 'string' || !Object.hasOwn(t, key)) return Reflect.deleteProperty(t, key);
      this.note(t, key, this.paths.get(t)!);
      return Reflect.deleteProperty(t, key);
    },
  };

  private wrap(target: object, path: Path): object {
    const known = this.proxies.get(target);
    if (known) return known;
    this.paths.set(target, path);
    const proxy = new Proxy(target as Record<string, unknown>, this.handler);
    this.proxies.set(target, proxy);
    RAW.set(proxy, target);
    return proxy;
  }
}

/** Proxy → the object it tracks: a tracked value assigned elsewhere in the tree is stored raw. */
const RAW = new WeakMap<object, object>();
const unwrap = (v: unknown) => (isContainer(v) ? (RAW.get(v) ?? v) : v);

function lookup(root: unknown, path: Path): { exists: boolean; value?: unknown } {
  let node = root;
  for (const key of path) {
    if (!isContainer(node) || !Object.hasOwn(node, key)) return { exists: false };
    node = node[key];
  }
  return { exists: true, value: node };
}

/** Applies persisted changes to a document (recovery, replicas): sets create missing parents as objects. */
export function applyChanges(root: Record<string, unknown>, changes: readonly Change[]): void {
  for (const change of changes) {
    const path = change[0];
    let node: Record<string, unknown> = root;
    for (const key of path.slice(0, -1)) {
      if (!isContainer(node[key]) || !Object.hasOwn(node, key))
        Object.defineProperty(node, key, { value: {}, writable: true, enumerable: true, configurable: true });
      node = node[key] as Record<string, unknown>;
    }
    const last = path[path.length - 1];
    if (change.length === 1) delete node[last];
    else if (Array.isArray(node) && last === 'length') (node as unknown[]).length = change[1] as number;
    else Object.defineProperty(node, last, { value: change[1], writable: true, enumerable: true, configurable: true });
  }
}

/** Where commits not yet durable wrote (the engine): the newest such commit's seq, 0 for none. */
export interface PendingWrites {
  /** At `key` of `target`. */
  pendingAt(target: object, key: string): number;
  /** Anywhere among `target`'s keys (a read that lists them). */
  pendingUnder(target: object): number;
}

/**
 * A read-only view of the document that notes, for every place a read touches, the newest commit
 * not yet durable that wrote it (`pendingAt(object, key)`; `pendingUnder(object)` when the read lists
 * the object's keys). A read then waits only for the writes it could have seen, not for every write
 * in flight — a GET of a coupon sent an hour ago does not queue behind the sends of this millisecond.
 *
 * The tracker is itself the handler of its proxies (its methods are the traps): a read, most requests,
 * creates no closures for them, and a Map, not a WeakMap, keeps its proxies (it lives one request).
 */
export class ReadTracker implements ProxyHandler<Record<string, unknown>> {
  private readonly proxies = new Map<object, object>();
  /** The newest pending commit seen so far (0: none). */
  seen = 0;

  constructor(private readonly writes: PendingWrites) {}

  view<T extends object>(root: T): T {
    return this.wrap(root) as T;
  }

  private note(seq: number) {
    if (seq > this.seen) this.seen = seq;
  }

  get(t: Record<string, unknown>, key: string | symbol, receiver: unknown): unknown {
    if (typeof key !== 'string') return Reflect.get(t, key, receiver);
    this.note(this.writes.pendingAt(t, key));
    const value = Reflect.get(t, key, receiver);
    return isContainer(value) && Object.hasOwn(t, key) ? this.wrap(value) : value;
  }

  has(t: Record<string, unknown>, key: string | symbol): boolean {
    if (typeof key === 'string') this.note(this.writes.pendingAt(t, key));
    return Reflect.has(t, key);
  }

  getOwnPropertyDescriptor(t: Record<string, unknown>, key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key === 'string') this.note(this.writes.pendingAt(t, key));
    return Reflect.getOwnPropertyDescriptor(t, key);
  }

  ownKeys(t: Record<string, unknown>): ArrayLike<string | symbol> {
    this.note(this.writes.pendingUnder(t));
    return Reflect.ownKeys(t);
  }

  set(): boolean {
    return readOnly();
  }

  deleteProperty(): boolean {
    return readOnly();
  }

  defineProperty(): boolean {
    return readOnly();
  }

  private wrap(target: object): object {
    const known = this.proxies.get(target);
    if (known) return known;
    const proxy = new Proxy(target as Record<string, unknown>, this);
    this.proxies.set(target, proxy);
    return proxy;
  }
}

function readOnly(): never {
  throw new TypeError('the state is read-only here: write inside ctx.mutate / store.transact');
}
