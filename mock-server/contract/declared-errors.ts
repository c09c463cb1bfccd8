/**
 * Which error replies an operation may give: its contract's `errors` list plus the common table the
 * docs print at the top of every page (api-reference.md §1.2: PARAM_ERROR, INVALID_REQUEST,
 * SIGN_ERROR, SYSTEM_ERROR), which the protocol layer can answer on any operation. The OpenAPI export
 * documents these, the validating proxy holds the upstream's error replies to them.
 */
import type { Contract, ContractError } from './types.js';

export const COMMON_ERRORS: readonly ContractError[] = [
  { status: 400, code: 'PARAM_ERROR' },
  { status: 400, code: 'INVALID_REQUEST' },
  { status: 401, code: 'SIGN_ERROR' },
  { status: 500, code: 'SYSTEM_ERROR' },
];

/** The contract's own entries first (they carry the known messages), then the common codes it does not list. */
export function declaredErrors(contract: Pick<Contract, 'errors'>): ContractError[] {
  const own = contract.errors ?? [];
  const listed = new Set(own.map((e) => `${e.status} ${e.code}`));
  return [...own, ...COMMON_ERRORS.filter((e) => !listed.has(`${e.status} ${e.code}`))];
}
