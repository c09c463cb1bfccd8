/** `npx tsx scripts/docs-rules.ts`: rewrites docs/reference/rules.md from test/data/rules.json (scripts/rules-doc.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesDoc } from './rules-doc.js';

const root = join(import.meta.dirname, '..');
const file = join(root, 'docs', 'reference', 'rules.md');
const { rules } = JSON.parse(readFileSync(join(root, 'test', 'data', 'rules.json'), 'utf8'));
const after = rulesDoc(rules);
let before = '';
try {
  before = readFileSync(file, 'utf8');
} catch {
  /* first run */
}
if (after !== before) writeFileSync(file, after);
console.log(after === before ? `${file}: up to date` : `${file}: rewritten`);
