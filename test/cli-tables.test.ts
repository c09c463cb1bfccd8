/**
 * The CLI's declarative tables (mock-server/cli/commands.ts, options.ts) agree with what is written
 * from them and with the mock: docs/reference/cli.md carries the section `npm run docs:cli` makes
 * from them, and the values the tables repeat (to load nothing of the mock) are the mock's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_LIST } from '../mock-server/cli/commands.js';
import { DEFAULT_URL, MOCK_OPTIONS } from '../mock-server/cli/options.js';
import { cliReferenceSection } from '../mock-server/cli/reference.js';
import { DEFAULT_SERVER_URL } from '../mock-server/contract/openapi.js';
import { FIDELITY_PROFILES } from '../mock-server/options.js';

const DOC = readFileSync(join(import.meta.dirname, '..', 'docs', 'reference', 'cli.md'), 'utf8');

describe('docs/reference/cli.md', () => {
  it('carries the commands section as the tables make it today (else: npm run docs:cli)', () => {
    expect(DOC.includes(cliReferenceSection()), 'docs/reference/cli.md is stale: run npm run docs:cli').toBe(true);
  });

  it('names every command, and every flag under its command', () => {
    for (const c of COMMAND_LIST) {
      const at = DOC.indexOf(`### \`wxpay-mock ${c.name}\``);
      expect(at, c.name).toBeGreaterThan(-1);
      const section = DOC.slice(at, DOC.indexOf('```\n', DOC.indexOf('```text', at) + 7));
      for (const name of Object.keys(c.options)) expect(section, `${c.name} --${name}`).toMatch(new RegExp(`^ {2}--${name}\\b`, 'm'));
    }
  });
});

describe('values the tables repeat are the mock’s', () => {
  it('--fidelity takes the profiles of the options', () => {
    expect(MOCK_OPTIONS.fidelity.choices).toEqual(FIDELITY_PROFILES);
  });

  it('the default URL of use-coupon, report… is the default server of the OpenAPI export', () => {
    expect(DEFAULT_URL).toBe(DEFAULT_SERVER_URL);
  });
});
