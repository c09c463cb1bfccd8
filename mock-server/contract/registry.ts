/**
 * Loads the contracts (the single source of truth for routes and validation) and compiles their
 * schemas. Request validators coerce query/path/header strings to the declared types; body and
 * response validators are strict JSON.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { DEFAULT_CONTRACTS_DIR } from '../paths.js';
import { parseRfc3339 } from '../time.js';
import type { Contract, JsonSchema } from './types.js';


/** Vocabulary of our own beside JSON Schema: labels for messages, documentation-only notes; `x-json` marks a query parameter sent as JSON text (pipeline.ts decodes it). */
const KEYWORDS = ['x-label', 'x-messages', 'x-note', 'x-not-open', 'x-example', 'x-json'];

export function newAjv(coerceTypes: boolean): Ajv {
  // `optimize: false` skips ajv's code-simplification pass: the same checks, about a third less
  // compile time at start-up (≈390 → 280 ms for the shipped contracts here), no difference we can measure per request.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, coerceTypes, allowUnionTypes: true, code: { optimize: false } });
  // ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
  const addFormats = ((formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ?? formatsPlugin) as unknown as (a: Ajv) => void;
  addFormats(ajv);
  // RFC 3339 with an explicit offset, fractional seconds allowed, as WeChat Pay writes times — and a
  // real time: 2026-13-01 or 04-31 fail here, not later as a misleading business-rule message.
  ajv.addFormat('rfc3339', { type: 'string', validate: (text: string) => !Number.isNaN(parseRfc3339(text)) });
  for (const k of KEYWORDS) ajv.addKeyword(k);
  return ajv;
}

export interface CompiledOperation {
  contract: Contract;
  file: string;
  /** Hono route path, `{x}` → `:x`. */
  routePath: string;
  /** Matches a raw path against the template (for 405 detection). */
  pathPattern: RegExp;
  validatePath?: ValidateFunction;
  validateQuery?: ValidateFunction;
  validateHeaders?: ValidateFunction;
  validateBody?: ValidateFunction;
  /** By status code (compiled on first use when loaded with `responses: 'lazy'`). */
  validateResponse: ResponseValidators;
  /** Body fields the contract marks `x-not-open`: accepted by the real API but not open for this endpoint. */
  notOpen: NotOpenField[];
}

export interface NotOpenField {
  /** JSON pointer under the body; `*` stands for any array index. */
  pointer: string;
  /** The contract's `x-not-open` text. */
  note: string;
}

/** Where a body schema marks properties `x-not-open` (through `properties` and `items`). */
export function notOpenFields(schema: unknown, pointer = ''): NotOpenField[] {
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as JsonSchema;
  const out: NotOpenField[] = [];
  for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
    const at = `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (sub && typeof sub === 'object' && sub['x-not-open'] !== undefined) out.push({ pointer: at, note: String(sub['x-not-open']) });
    out.push(...notOpenFields(sub, at));
  }
  if (s.items) out.push(...notOpenFields(s.items, `${pointer}/*`));
  return out;
}

export class ContractError extends Error {}

/**
 * The reply validators of one operation. Compiling them is about half of the contracts' compile time
 * and only the self-check (`validateResponses`), the proxy and the report use them, so a mock that
 * does not check its replies compiles them on first use instead of at start-up.
 */
export class ResponseValidators {
  private readonly compiled = new Map<number, ValidateFunction>();

  constructor(
    private readonly schemas: Map<number, JsonSchema>,
    private readonly compile: (status: number, schema: JsonSchema) => ValidateFunction,
  ) {}

  get(status: number): ValidateFunction | undefined {
    const schema = this.schemas.get(status);
    if (!schema) return undefined;
    let validate = this.compiled.get(status);
    if (!validate) this.compiled.set(status, (validate = this.compile(status, schema)));
    return validate;
  }

  keys(): IterableIterator<number> {
    return this.schemas.keys();
  }

  /** Compile every one now (start-up checks: a broken reply schema stops the start). */
  compileAll(): this {
    for (const status of this.schemas.keys()) this.get(status);
    return this;
  }
}

export interface LoadOptions {
  /** `eager` (default): every reply schema compiles at load, so a broken one fails loudly here. */
  responses?: 'eager' | 'lazy';
}

function listJson(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listJson(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
  );
}

/** Every JSON schema file under `dir` (recursively), parsed: shared $defs (common/), callback bodies (callbacks/). */
export function loadSchemaFiles(dir: string): { file: string; schema: JsonSchema }[] {
  return listJson(dir).map((file) => {
    try {
      return { file, schema: JSON.parse(readFileSync(file, 'utf8')) as JsonSchema };
    } catch (err) {
      throw new ContractError(`schema ${file} is not valid JSON: ${(err as Error).message}`);
    }
  });
}

/** Body schemas reject undeclared fields unless a contract says otherwise, as the real API does. */
function closeObjects(schema: unknown): void {
  if (Array.isArray(schema)) return schema.forEach(closeObjects);
  if (!schema || typeof schema !== 'object') return;
  const s = schema as JsonSchema;
  if (s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
  for (const [k, v] of Object.entries(s)) if (k !== 'enum' && k !== 'const' && !k.startsWith('x-')) closeObjects(v);
}

export function loadContracts(dir = DEFAULT_CONTRACTS_DIR, options: LoadOptions = {}): CompiledOperation[] {
  const requestAjv = newAjv(true);
  const strictAjv = newAjv(false);
  const commonDir = join(dir, 'common');
  // contracts/callbacks/ holds the schemas of notification bodies we send (COUPON.USE), not
  // operations: mock-server/callbacks/schemas.ts compiles them, the router must not see them.
  const callbacksDir = join(dir, 'callbacks');
  for (const { schema } of loadSchemaFiles(commonDir)) {
    requestAjv.addSchema(schema);
    strictAjv.addSchema(structuredClone(schema));
  }

  const operations: CompiledOperation[] = [];
  const seen = new Map<string, string>();
  for (const file of listJson(dir).filter((f) => !f.startsWith(commonDir) && !f.startsWith(callbacksDir + sep))) {
    let contract: Contract;
    try {
      contract = JSON.parse(readFileSync(file, 'utf8')) as Contract;
    } catch (err) {
      throw new ContractError(`contract ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (!contract.operationId || !contract.method || !contract.path) throw new ContractError(`contract ${file} lacks operationId, method or path`);
    if (seen.has(contract.operationId)) throw new ContractError(`operation ${contract.operationId} is declared twice: ${seen.get(contract.operationId)} and ${file}`);
    seen.set(contract.operationId, file);
    const compile = (ajv: Ajv, schema: JsonSchema | undefined, what: string) => {
      if (!schema) return undefined;
      try {
        return ajv.compile(schema);
      } catch (err) {
        throw new ContractError(`contract ${file}: ${what} schema does not compile: ${(err as Error).message}`);
      }
    };
    const req = contract.request ?? {};
    const body = req.body ? structuredClone(req.body) : undefined;
    closeObjects(body);
    const responseSchemas = new Map(Object.entries(contract.responses ?? {}).map(([status, schema]) => [Number(status), schema]));
    const validateResponse = new ResponseValidators(responseSchemas, (status, schema) => compile(strictAjv, schema, `response ${status}`)!);
    if (options.responses !== 'lazy') validateResponse.compileAll();
    operations.push({
      contract,
      file,
      routePath: contract.path.replace(/\{(\w+)\}/g, ':$1'),
      pathPattern: new RegExp('^' + contract.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+') + '$'),
      validatePath: compile(requestAjv, req.path, 'path'),
      validateQuery: compile(requestAjv, req.query, 'query'),
      validateHeaders: compile(requestAjv, req.headers, 'headers'),
      validateBody: compile(strictAjv, body, 'body'),
      validateResponse,
      notOpen: notOpenFields(req.body),
    });
  }
  return operations;
}

export type { ErrorObject };
