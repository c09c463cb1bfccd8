/**
 * The contracts of what we send: `contracts/callbacks/coupon-use.plaintext.json` (the decrypted
 * resource) and `coupon-use.notification.json` (the envelope). They are schemas, not operations; the
 * operation loader skips contracts/callbacks/. A missing or broken file stops the start like a broken
 * operation contract does.
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compiledContracts, ContractError, newAjv, precompiledValidatorsFor } from '../contract/registry.js';
import { DEFAULT_CONTRACTS_DIR } from '../paths.js';

export interface CallbackSchemas {
  couponUsePlaintext: ValidateFunction;
  couponUseNotification: ValidateFunction;
}

/** The files under contracts/callbacks/ and their validators' keys in the build's precompiled module. */
export const CALLBACK_SCHEMA_FILES: Record<keyof CallbackSchemas, string> = {
  couponUsePlaintext: 'coupon-use.plaintext.json',
  couponUseNotification: 'coupon-use.notification.json',
};
export const callbackValidatorKey = (file: string) => `callbacks/${file}`;

/** One callback schema compiled by `ajv` (precompile.ts passes its code-generating one); a missing or broken file → ContractError. */
export function compileCallbackSchema(ajv: Ajv, contractsDir: string, name: string): ValidateFunction {
  const file = join(contractsDir, 'callbacks', name);
  try {
    return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new ContractError(`callback contract ${file} cannot be used: ${(err as Error).message}`);
  }
}

/**
 * Precompiled at build time (contract/precompile.ts) for the shipped contracts, compiled otherwise;
 * either way once per process (registry.ts compiledContracts). `precompiled: false` compiles them.
 */
export function loadCallbackSchemas(contractsDir = DEFAULT_CONTRACTS_DIR, options: { precompiled?: boolean } = {}): CallbackSchemas {
  const what = `callback schemas${options.precompiled === false ? ', compiled' : ''}`;
  return compiledContracts(contractsDir, what, (hash) => {
    const ready = options.precompiled === false ? undefined : precompiledValidatorsFor(hash);
    let ajv: Ajv | undefined;
    const validator = (name: string) =>
      ready?.[callbackValidatorKey(name)] ?? compileCallbackSchema((ajv ??= newAjv(false)), contractsDir, name);
    return {
      couponUsePlaintext: validator(CALLBACK_SCHEMA_FILES.couponUsePlaintext),
      couponUseNotification: validator(CALLBACK_SCHEMA_FILES.couponUseNotification),
    };
  });
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
