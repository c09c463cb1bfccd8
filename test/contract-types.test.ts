/** The handlers' types (mock-server/contract/generated/operations.ts) are what the contracts say now. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractTypes, GENERATED_FILE } from '../scripts/generate-contract-types.js';

describe('generated contract types', () => {
  it('regenerating from contracts/ gives the committed file (after a contract change, run `npm run types`)', async () => {
    const fresh = await contractTypes();
    expect(fresh).toContain("'favor.createStock': { params: NoParameters; query: NoParameters; body: FavorCreateStockBody;");
    expect(
      readFileSync(GENERATED_FILE, 'utf8') === fresh,
      'mock-server/contract/generated/operations.ts is stale: run `npm run types`',
    ).toBe(true);
  }, 30_000);
});
