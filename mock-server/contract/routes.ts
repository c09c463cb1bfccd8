/**
 * The one route matcher: request path → operation and decoded path parameters. The app dispatches
 * with it (app.ts), answers 404/405 with it, and the validating proxy (proxy/) matches with it, so the
 * three never disagree about which operation a path is.
 */
import type { CompiledOperation } from './registry.js';

export type Match =
  | { op: CompiledOperation; params: Record<string, string> }
  /** `issue`: the journal's text for why nothing matched; `status` what the mock answers (empty body). */
  | { op: undefined; issue: string; status: 404 | 405 };

interface Route {
  op: CompiledOperation;
  pattern: RegExp;
  /** The same with empty parameters allowed: a path that only fits this way misses a parameter. */
  emptyPattern: RegExp;
  names: string[];
  literals: number;
}

// The texts of the mock's 404/405 journal entries, also the proxy's findings.
const NO_SUCH_OPERATION: Match = { op: undefined, issue: 'no such operation', status: 404 };
const METHOD_NOT_ALLOWED: Match = { op: undefined, issue: 'method not allowed on this path', status: 405 };

/** Matches request paths to operations: a literal segment beats a parameter, then contract order. */
export class OperationIndex {
  /** Every route, most literal segments first (a stable sort: contract order among equals). */
  private readonly routes: Route[];
  private readonly byMethod = new Map<string, Route[]>();

  constructor(readonly operations: CompiledOperation[]) {
    this.routes = operations
      .map((op) => {
        const names: string[] = [];
        const source = op.contract.path
          .split('/')
          .map((segment) => {
            const m = /^\{(\w+)\}$/.exec(segment);
            if (!m) return segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
            names.push(m[1]);
            return '([^/]+)';
          })
          .join('/');
        return {
          op,
          pattern: new RegExp(`^${source}$`),
          emptyPattern: new RegExp(`^${source.replaceAll('([^/]+)', '([^/]*)')}$`),
          names,
          literals: op.contract.path.split('/').length - names.length,
        };
      })
      .sort((a, b) => b.literals - a.literals);
    for (const route of this.routes) {
      const list = this.byMethod.get(route.op.contract.method) ?? [];
      list.push(route);
      this.byMethod.set(route.op.contract.method, list);
    }
  }

  /** `path`: percent-encoded as received, without the query; parameters come back decoded. */
  match(method: string, path: string): Match {
    for (const route of this.byMethod.get(method) ?? []) {
      const values = route.pattern.exec(path);
      if (!values) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < route.names.length; i++) params[route.names[i]] = decodeParam(values[i + 1]);
      return { op: route.op, params };
    }
    // A path parameter left empty (`/users//coupons/…`, `…/coupons/`: an SDK's unset variable) is the
    // operation's, whose validation refuses it with the documented text (openid必填, 券id必填, 批次号必填,
    // api-reference.md §1.3) rather than a 404 (rules audit, issue 13).
    for (const route of this.byMethod.get(method) ?? []) {
      const values = route.names.length > 0 ? route.emptyPattern.exec(path) : null;
      if (!values) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < route.names.length; i++) params[route.names[i]] = decodeParam(values[i + 1]);
      return { op: route.op, params };
    }
    return this.routes.some((r) => r.pattern.test(path)) ? METHOD_NOT_ALLOWED : NO_SUCH_OPERATION;
  }

  /** Whether `path` names an operation only with a parameter left empty. */
  missesParameter(method: string, path: string): boolean {
    const match = this.match(method, path);
    return match.op !== undefined && Object.values(match.params).includes('');
  }
}

/**
 * A path parameter decoded as Hono decodes its own (tryDecodeURIComponent): when the whole value is
 * not valid percent-encoding, each valid run is decoded and the rest kept as sent.
 */
function decodeParam(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}
