/**
 * Which error replies an operation may give: its contract's `errors` list plus the common table the
 * docs print at the top of every page (api-reference.md §1.2: PARAM_ERROR, INVALID_REQUEST,
 * SIGN_ERROR, SYSTEM_ERROR), which the protocol layer can answer on any operation. The OpenAPI export
 * documents these, the validating proxy holds the upstream's error replies to them. The control API's
 * contracts (contracts/_mock/) get the control API's common refusals instead (CONTROL_ERRORS).
 */
import type { Contract, ContractError } from './types.js';

export const COMMON_ERRORS: readonly ContractError[] = [
  { status: 400, code: 'PARAM_ERROR' },
  { status: 400, code: 'INVALID_REQUEST' },
  { status: 401, code: 'SIGN_ERROR' },
  { status: 500, code: 'SYSTEM_ERROR' },
];

/**
 * The control API's (contracts/_mock/) refusals any of its operations can give: the guard's
 * (control/guard.ts: not loopback, a foreign Host or Origin) and a bug's. Those with a body add
 * BODY_ERRORS: a body that is not JSON by type, over the limit, or not parseable (control/operations.ts).
 */
export const CONTROL_ERRORS: readonly ContractError[] = [
  { status: 403, code: 'NO_AUTH', message: 'the control API answers loopback clients only (start with --allow-remote-control)' },
  { status: 500, code: 'SYSTEM_ERROR', message: '系统错误' },
];
export const CONTROL_BODY_ERRORS: readonly ContractError[] = [
  { status: 400, code: 'PARAM_ERROR', message: 'invalid JSON body: Unexpected end of JSON input' },
  { status: 400, code: 'INVALID_REQUEST', message: '请求体超过大小限制（1048576字节）' },
  { status: 415, code: 'INVALID_REQUEST', message: 'a control request body must be JSON: send Content-Type: application/json' },
];

/** A contract of the control API (contracts/_mock/), by its path. */
export const isControlContract = (contract: Pick<Contract, 'path'>) => contract.path.startsWith('/_mock/');

/** The contract's own entries first (they carry the known messages), then the common codes it does not list. */
export function declaredErrors(contract: Pick<Contract, 'errors' | 'path' | 'request'>): ContractError[] {
  const own = contract.errors ?? [];
  // The control API's common refusals have messages of their own: all of them, beside the contract's.
  if (isControlContract(contract)) return [...own, ...(contract.request?.body ? CONTROL_BODY_ERRORS : []), ...CONTROL_ERRORS];
  const listed = new Set(own.map((e) => `${e.status} ${e.code}`));
  return [...own, ...COMMON_ERRORS.filter((e) => !listed.has(`${e.status} ${e.code}`))];
}
