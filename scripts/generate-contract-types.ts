/**
 * `npm run types`: the handlers' input and reply types, generated from the contracts with
 * json-schema-to-typescript into mock-server/contract/generated/operations.ts (committed, so tsc needs
 * nothing at build time; test/contract-types.test.ts fails when a contract changed and this was not run).
 *
 * One root schema holds every operation's parts as titled properties (`FavorCreateStockBody`, …) and
 * the shared $defs of contracts/common/ under `$defs/<family>.<name>`, their `family#/$defs/x` refs
 * rewritten to point there, so each shared shape is one named type (`FavorStock`).
 */
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { loadSchemaFiles, readContracts } from '../mock-server/contract/registry.js';
import type { JsonSchema } from '../mock-server/contract/types.js';
import { DEFAULT_CONTRACTS_DIR, PACKAGE_ROOT } from '../mock-server/paths.js';

export const GENERATED_FILE = join(PACKAGE_ROOT, 'mock-server', 'contract', 'generated', 'operations.ts');

const pascal = (s: string) => s.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());

/** Shared $defs by `<family>.<name>`, as written. */
type Defs = Map<string, JsonSchema>;

/**
 * A copy of `schema` for the generator: a ref to a shared object or enum names it in the root's $defs
 * (the ref's sibling keywords only narrow it: dropped, so no second copy of the type); a ref to a plain
 * scalar (a time, a mchid) is inlined; `x-label` becomes the description (the field's Chinese name).
 */
function prepare(schema: unknown, family: string, defs: Defs): unknown {
  if (Array.isArray(schema)) return schema.map((s) => prepare(s, family, defs));
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as JsonSchema).$ref;
  if (typeof ref === 'string') {
    const m = /^([a-z]*)#\/\$defs\/(.+)$/.exec(ref);
    if (!m) throw new Error(`unexpected $ref ${ref}`);
    const key = `${m[1] || family}.${m[2]}`;
    const def = defs.get(key);
    if (!def) throw new Error(`$ref ${ref} names no shared definition`);
    if (named(def)) return { $ref: `#/$defs/${key}` };
    const inlined = prepare(def, m[1] || family, defs) as JsonSchema;
    const label = (schema as JsonSchema)['x-label'];
    return typeof label === 'string' ? { ...inlined, description: label } : inlined;
  }
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema as JsonSchema)) {
    if (k === 'enum' || k === 'const' || k === 'examples' || k === 'default') out[k] = v;
    else if (k.startsWith('x-') || k === '$id' || k === '$comment' || k === 'if' || k === 'then' || k === 'else') continue;
    else out[k] = prepare(v, family, defs);
  }
  const label = (schema as JsonSchema)['x-label'];
  if (typeof label === 'string' && out.description === undefined) out.description = label;
  return out;
}

/** Shared definitions that become a named type: objects and enums. */
const named = (def: JsonSchema) =>
  def.type === 'object' || def.properties !== undefined || def.enum !== undefined || def.$ref !== undefined;

const PARTS = [
  ['path', 'Params'],
  ['query', 'Query'],
  ['body', 'Body'],
] as const;

export async function contractTypes(dir = DEFAULT_CONTRACTS_DIR): Promise<string> {
  const shared: Defs = new Map();
  for (const { schema } of loadSchemaFiles(join(dir, 'common')))
    for (const [name, def] of Object.entries((schema.$defs ?? {}) as Record<string, JsonSchema>))
      shared.set(`${String(schema.$id)}.${name}`, def);
  const defs: Record<string, unknown> = {};
  for (const [key, def] of shared)
    if (named(def)) defs[key] = { ...(prepare(def, key.split('.')[0], shared) as JsonSchema), title: pascal(key) };
  const properties: Record<string, unknown> = {};
  const operations: string[] = [];
  for (const { contract } of readContracts(dir).sort((a, b) => a.contract.operationId.localeCompare(b.contract.operationId))) {
    const id = contract.operationId;
    const family = id.split('.')[0];
    const base = pascal(id);
    const entry: string[] = [];
    for (const [part, suffix] of PARTS) {
      const schema = contract.request?.[part];
      if (schema) {
        properties[`${id} ${part}`] = { ...(prepare(schema, family, shared) as JsonSchema), title: base + suffix };
        entry.push(`${part === 'path' ? 'params' : part}: ${base}${suffix}`);
      } else entry.push(part === 'body' ? 'body: undefined' : `${part === 'path' ? 'params' : part}: NoParameters`);
    }
    const ok = contract.responses?.['200'];
    if (ok && !contract.unsignedReply) {
      properties[`${id} reply`] = { ...(prepare(ok, family, shared) as JsonSchema), title: `${base}Reply` };
      entry.push(`reply: ${base}Reply`);
    } else entry.push('reply: undefined');
    if (contract.unsignedReply) operations.push('  /** The reply is a file (`OperationResult.file`), sent as is. */');
    operations.push(`  '${id}': { ${entry.join('; ')} };`);
  }
  // The control API (contracts/_mock/): its request parts, for the control routes' handlers (control/operations.ts).
  const control: string[] = [];
  for (const { contract } of readContracts(dir, 'control').sort((a, b) => a.contract.operationId.localeCompare(b.contract.operationId))) {
    const id = contract.operationId;
    const base = pascal(id);
    const entry: string[] = [];
    for (const [part, suffix] of PARTS) {
      const schema = contract.request?.[part];
      if (schema) {
        properties[`${id} ${part}`] = { ...(prepare(schema, 'control', shared) as JsonSchema), title: base + suffix };
        entry.push(`${part === 'path' ? 'params' : part}: ${base}${suffix}`);
      } else entry.push(part === 'body' ? 'body: undefined' : `${part === 'path' ? 'params' : part}: NoParameters`);
    }
    control.push(`  '${id}': { ${entry.join('; ')} };`);
  }
  const root = { title: 'ContractTypes', type: 'object', properties, $defs: defs } as unknown as JSONSchema;
  const types = await compile(root, 'ContractTypes', {
    bannerComment: '',
    additionalProperties: false,
    declareExternallyReferenced: true,
    unreachableDefinitions: false,
    ignoreMinAndMaxItems: true,
    format: false,
    strictIndexSignatures: true,
  });
  const text = [
    '// Generated from contracts/ by scripts/generate-contract-types.ts (`npm run types`): do not edit.',
    '',
    types.replace(/export interface ContractTypes \{[\s\S]*?\n\}\n/, ''),
    '/** No path or query parameters declared. */',
    'export type NoParameters = Record<string, never>;',
    '',
    '/** Every operation by its contract `operationId`: the validated request parts and the 200 reply body. */',
    'export interface Operations {',
    ...operations,
    '}',
    '',
    '/** The control API (contracts/_mock/) by `operationId`: the validated request parts (query values as the contract coerces them). */',
    'export interface ControlOperations {',
    ...control,
    '}',
    '',
  ].join('\n');
  const config = await resolveConfig(GENERATED_FILE);
  return format(text, { ...config, filepath: GENERATED_FILE });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(GENERATED_FILE, await contractTypes());
  console.log(`wrote ${GENERATED_FILE}`);
}
