import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../mock-server/index.js';
import { handlers } from '../mock-server/operations/index.js';

const copyContracts = () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-contracts-')), 'contracts');
  cpSync(join(import.meta.dirname, '..', 'contracts'), dir, { recursive: true });
  return dir;
};

describe('start-up checks of the contract/handler registry', () => {
  it('every shipped contract has a handler and every handler a contract', async () => {
    const mock = await createApp();
    expect(mock.operations.map((o) => o.contract.operationId).sort()).toEqual(Object.keys(handlers).sort());
  });

  it('fails loudly when an operation lacks a handler', async () => {
    const { ['favor.getCallback']: _dropped, ...rest } = handlers;
    await expect(createApp({ handlers: rest })).rejects.toThrow(/operation favor\.getCallback \(.*getCallback\.json\) has no handler/);
  });

  it('fails loudly when a handler lacks a contract', async () => {
    const contractsDir = copyContracts();
    rmSync(join(contractsDir, 'favor', 'getCallback.json'));
    await expect(createApp({ contractsDir })).rejects.toThrow(/handler favor\.getCallback has no contract/);
  });

  it('fails loudly on a contract that is not valid JSON or whose schema does not compile', async () => {
    const broken = copyContracts();
    writeFileSync(join(broken, 'favor', 'getCallback.json'), '{ nope');
    await expect(createApp({ contractsDir: broken })).rejects.toThrow(/getCallback\.json is not valid JSON/);
    const badSchema = copyContracts();
    writeFileSync(
      join(badSchema, 'favor', 'getCallback.json'),
      JSON.stringify({
        operationId: 'favor.getCallback',
        method: 'GET',
        path: '/v3/marketing/favor/callbacks',
        request: { query: { type: 'nonsense' } },
        responses: {},
        errors: [],
      }),
    );
    await expect(createApp({ contractsDir: badSchema })).rejects.toThrow(/query schema does not compile/);
  });

  it('a broken reply schema stops the start when replies are checked; otherwise it is compiled, and fails, on first use', async () => {
    const dir = copyContracts();
    const file = join(dir, 'favor', 'getCallback.json');
    const contract = JSON.parse(readFileSync(file, 'utf8'));
    contract.responses['200'] = { type: 'nonsense' };
    writeFileSync(file, JSON.stringify(contract));
    await expect(createApp({ contractsDir: dir, validateResponses: true })).rejects.toThrow(
      /getCallback\.json: response 200 schema does not compile/,
    );
    const lazy = await createApp({ contractsDir: dir });
    const op = lazy.operations.find((o) => o.contract.operationId === 'favor.getCallback')!;
    expect([...op.validateResponse.keys()]).toEqual([200]);
    expect(() => op.validateResponse.get(200)).toThrow(/response 200 schema does not compile/);
  });

  it('refuses two contracts with the same operation id', async () => {
    const dir = copyContracts();
    cpSync(join(dir, 'favor', 'getCallback.json'), join(dir, 'favor', 'getCallback-copy.json'));
    await expect(createApp({ contractsDir: dir })).rejects.toThrow(/declared twice/);
  });
});
