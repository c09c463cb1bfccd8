/** `npm run docs:cli`: rewrites the generated commands section of docs/reference/cli.md (mock-server/cli/reference.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withCliReference } from '../mock-server/cli/reference.js';

const file = join(import.meta.dirname, '..', 'docs', 'reference', 'cli.md');
const before = readFileSync(file, 'utf8');
const after = withCliReference(before);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? `${file}: up to date` : `${file}: commands section rewritten`);
