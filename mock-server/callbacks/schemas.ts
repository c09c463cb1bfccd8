/**
 * The contracts of what we send: `contracts/callbacks/coupon-use.plaintext.json` (the decrypted
 * resource) and `coupon-use.notification.json` (the envelope). They are schemas, not operations; the
 * operation loader skips contracts/callbacks/. A missing or broken file stops the start like a broken
 * operation contract does.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContractError, newAjv } from '../contract/registry.js';
import { DEFAULT_CONTRACTS_DIR } from '../paths.js';

export interface CallbackSchemas {
  couponUsePlaintext: ValidateFunction;
  couponUseNotification: ValidateFunction;
}

export function loadCallbackSchemas(contractsDir = DEFAULT_CONTRACTS_DIR): CallbackSchemas {
  const ajv = newAjv(false);
  const compile = (name: string) => {
    const file = join(contractsDir, 'callbacks', name);
    try {
      return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new ContractError(`callback contract ${file} cannot be used: ${(err as Error).message}`);
    }
  };
  return { couponUsePlaintext: compile('coupon-use.plaintext.json'), couponUseNotification: compile('coupon-use.notification.json') };
}

/** `/consume_information/consume_time must match format "rfc3339"; / must have required property 'coupon_id'`. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`,
    )
    .join('; ');
}
