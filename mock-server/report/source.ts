/**
 * The report's input from a running mock (or anything serving the same control API, e.g. the
 * validating proxy): GET /_mock/journal (required), GET /_mock/callbacks and
 * GET /_mock/callbacks/handler-checks (used when served). The operations come from the contracts.
 */
import type { ChaosEvent } from '../callbacks/chaos.js';
import type { HandlerCheck } from '../callbacks/handler-check.js';
import type { DeliveryRecord } from '../callbacks/types.js';
import { unreachable } from '../cli/reach.js';
import { readContracts } from '../contract/registry.js';
import type { Contract } from '../contract/types.js';
import type { JournalEntry } from '../journal.js';
import { DEFAULT_CONTRACTS_DIR } from '../paths.js';
import { buildReport, type ContractReport, type OperationRef, type ReportInput, type ReportOptions } from './model.js';

export class ReportSourceError extends Error {}

/** The coverage's operations: compiled ones (the mock's) or contracts as read (all the CLI needs). */
export function operationsOf(operations: readonly { contract: Contract }[]): OperationRef[] {
  return operations.map((o) => ({ operation_id: o.contract.operationId, method: o.contract.method, path: o.contract.path }));
}

async function getJson(url: string, optional: boolean): Promise<any> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new ReportSourceError(unreachable(url, err));
  }
  if (optional && (res.status === 404 || res.status === 405)) return undefined;
  const text = await res.text();
  if (!res.ok) throw new ReportSourceError(`GET ${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ReportSourceError(`GET ${url} did not answer JSON: ${text.slice(0, 200)}`);
  }
}

export async function fetchReportInput(baseUrl: string, options: { contractsDir?: string } = {}): Promise<ReportInput> {
  const base = baseUrl.replace(/\/+$/, '');
  const [journal, callbacks, checks, chaos] = await Promise.all([
    getJson(`${base}/_mock/journal`, false),
    getJson(`${base}/_mock/callbacks`, true),
    getJson(`${base}/_mock/callbacks/handler-checks`, true),
    getJson(`${base}/_mock/faults/callbacks/log`, true),
  ]);
  if (!Array.isArray(journal?.entries)) throw new ReportSourceError(`GET ${base}/_mock/journal did not answer {entries: [...]}`);
  return {
    journal: journal.entries as JournalEntry[],
    journalDropped: typeof journal.dropped === 'number' ? journal.dropped : undefined,
    deliveries: Array.isArray(callbacks?.deliveries) ? (callbacks.deliveries as DeliveryRecord[]) : [],
    handlerChecks: Array.isArray(checks?.checks) ? (checks.checks as HandlerCheck[]) : [],
    chaos: Array.isArray(chaos?.events) ? (chaos.events as ChaosEvent[]) : [],
    // Only ids, methods and paths: the contracts read, no validator compiled or loaded.
    operations: operationsOf(readContracts(options.contractsDir ?? DEFAULT_CONTRACTS_DIR)),
    source: base,
  };
}

/** The contract report of a running mock, as `wxpay-mock report --url` builds it. */
export async function fetchReport(baseUrl: string, options: ReportOptions & { contractsDir?: string } = {}): Promise<ContractReport> {
  return buildReport(await fetchReportInput(baseUrl, options), options);
}
