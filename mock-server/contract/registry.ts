/**
 * Loads the contracts (the single source of truth for routes and validation) and compiles their
 * schemas. Request validators coerce query/path/header strings to the declared types; body and
 * response validators are strict JSON.
 */
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { DEFAULT_CONTRACTS_DIR, PACKAGE_ROOT } from '../paths.js';
import { FORMATS } from './formats.js';
import { pointerToken } from './messages.js';
import type { Contract, JsonSchema } from './types.js';

/** Vocabulary of our own beside JSON Schema: labels for messages, documentation-only notes; `x-json` marks a query parameter sent as JSON text (request-checks.ts decodes it). */
const KEYWORDS = ['x-label', 'x-messages', 'x-note', 'x-not-open', 'x-example', 'x-json'];

// `optimize: false` skips ajv's code-simplification pass: the same checks, about a third less
// compile time at start-up (≈390 → 280 ms for the shipped contracts here), no difference we can measure per request.
const ajvOptions = (coerceTypes: boolean) =>
  ({
    allErrors: true,
    verbose: true,
    strict: true,
    strictRequired: false,
    coerceTypes,
    allowUnionTypes: true,
    code: { optimize: false },
  }) satisfies Options;

// ajv and ajv-formats (CommonJS) are required by the first newAjv, not imported: with the build's
// precompiled validators a start compiles nothing, and loading ajv's compiler costs ≈40 ms of it.
const require = createRequire(import.meta.url);

/** `code`: extra code options — precompile.ts adds `source` and `formats` to generate the same validators as code. */
export function newAjv(coerceTypes: boolean, code: Options['code'] = {}): Ajv {
  const { Ajv } = require('ajv') as typeof import('ajv');
  const addFormats = require('ajv-formats') as (ajv: Ajv) => void;
  const options = ajvOptions(coerceTypes);
  const ajv = new Ajv({ ...options, code: { ...options.code, ...code } });
  addFormats(ajv);
  ajv.addFormat('rfc3339', FORMATS.rfc3339);
  for (const k of KEYWORDS) ajv.addKeyword(k);
  return ajv;
}

export interface CompiledOperation {
  contract: Contract;
  file: string;
  validatePath?: ValidateFunction;
  validateQuery?: ValidateFunction;
  validateHeaders?: ValidateFunction;
  validateBody?: ValidateFunction;
  /** By status code (compiled on first use when loaded with `responses: 'lazy'`). */
  validateResponse: ResponseValidators;
  /** Body fields the contract marks `x-not-open`: accepted by the real API but not open for this endpoint. */
  notOpen: NotOpenField[];
  /** Query parameters the contract marks `"x-json": true` (sent as JSON text; request-checks.ts decodeJsonQuery). */
  jsonQuery: string[];
  /** Where the request validators come from: generated at build time (precompile.ts) or compiled at load. */
  requestValidators: 'precompiled' | 'compiled';
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
    const at = `${pointer}/${pointerToken(name)}`;
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
  /** Which contracts (default `api`, the WeChat Pay operations); `control`: the control API's (contracts/_mock/). */
  set?: ContractSet;
  /** `eager` (default): every reply schema compiles at load, so a broken one fails loudly here. */
  responses?: 'eager' | 'lazy';
  /** `false`: compile the request validators even where the build's precompiled ones match. */
  precompiled?: boolean;
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

export type RequestPart = 'path' | 'query' | 'headers' | 'body';
export const REQUEST_PARTS: readonly RequestPart[] = ['path', 'query', 'headers', 'body'];

/** The two instances a contracts dir compiles with, its shared $defs (common/) added to both: path/query/headers coerce, bodies and replies do not. */
export function contractAjvs(dir: string, code?: Options['code']): { requestAjv: Ajv; strictAjv: Ajv } {
  const requestAjv = newAjv(true, code);
  const strictAjv = newAjv(false, code);
  for (const { schema } of loadSchemaFiles(join(dir, 'common'))) {
    requestAjv.addSchema(schema);
    strictAjv.addSchema(structuredClone(schema));
  }
  return { requestAjv, strictAjv };
}

/**
 * The two sets of operation contracts: `api`, the WeChat Pay operations the router serves, and
 * `control`, the mock's own control API under /_mock/ (contracts/_mock/, control/operations.ts) —
 * same format, same loader and validators; the router never sees the control set.
 */
export type ContractSet = 'api' | 'control';
export const CONTROL_CONTRACTS = '_mock';

/** The operation contracts of one set under `dir`, parsed and checked (not common/, callbacks/ nor examples/). */
export function readContracts(dir: string, set: ContractSet = 'api'): { file: string; contract: Contract }[] {
  const commonDir = join(dir, 'common');
  const controlDir = join(dir, CONTROL_CONTRACTS) + sep;
  // contracts/callbacks/ holds the schemas of notification bodies we send (COUPON.USE), not
  // operations: mock-server/callbacks/schemas.ts compiles them, the router must not see them.
  const callbacksDir = join(dir, 'callbacks');
  // contracts/examples/ holds recorded exchanges the OpenAPI export shows (scripts/record-examples.ts).
  const examplesDir = join(dir, 'examples');
  const seen = new Map<string, string>();
  return listJson(dir)
    .filter((f) => !f.startsWith(commonDir) && !f.startsWith(callbacksDir + sep) && !f.startsWith(examplesDir + sep))
    .filter((f) => f.startsWith(controlDir) === (set === 'control'))
    .map((file) => {
      let contract: Contract;
      try {
        contract = JSON.parse(readFileSync(file, 'utf8')) as Contract;
      } catch (err) {
        throw new ContractError(`contract ${file} is not valid JSON: ${(err as Error).message}`);
      }
      if (!contract.operationId || !contract.method || !contract.path)
        throw new ContractError(`contract ${file} lacks operationId, method or path`);
      if (seen.has(contract.operationId))
        throw new ContractError(`operation ${contract.operationId} is declared twice: ${seen.get(contract.operationId)} and ${file}`);
      seen.set(contract.operationId, file);
      return { file, contract };
    });
}

/** The request schemas of a contract as they are compiled (bodies closed). */
export function requestSchemas(contract: Contract): Partial<Record<RequestPart, JsonSchema>> {
  const req = contract.request ?? {};
  const body = req.body ? structuredClone(req.body) : undefined;
  closeObjects(body);
  return { path: req.path, query: req.query, headers: req.headers, body };
}

export const validatorKey = (operationId: string, part: RequestPart) => `${operationId} ${part}`;
export const replyValidatorKey = (operationId: string, status: number) => `${operationId} reply ${status}`;

/** The build's precompiled validators: request parts and callback schemas (precompile.ts writes it after tsc). */
export const PRECOMPILED_FILE = join(PACKAGE_ROOT, 'dist', 'mock-server', 'contract', 'request-validators.cjs');
/**
 * The build's precompiled reply validators, a file of their own: only the self-check
 * (`validateResponses`), the proxy and the report use them, so a plain start does not read them.
 */
export const PRECOMPILED_REPLIES_FILE = join(PACKAGE_ROOT, 'dist', 'mock-server', 'contract', 'reply-validators.cjs');
/** Bump when requestSchemas/closeObjects change what is compiled: a build made before no longer matches. */
const SCHEMA_PREPARATION = 1;

/** What the validators are made with besides the contracts and the libraries' versions: code constants. */
const COMPILE_SETTINGS = JSON.stringify([SCHEMA_PREPARATION, ajvOptions(true), ajvOptions(false), KEYWORDS, Object.keys(FORMATS)]);
/** The libraries whose versions the validators depend on. */
const VALIDATOR_LIBRARIES = ['ajv', 'ajv-formats'];

/**
 * What the precompiled validators were generated from: every file under the contracts dir (by
 * relative path), the Ajv options and keywords, and the versions of ajv and ajv-formats.
 */
export function contractsHash(dir: string): string {
  const hash = createHash('sha256');
  const versions = VALIDATOR_LIBRARIES.map((name) => (require(`${name}/package.json`) as { version: string }).version);
  hash.update(JSON.stringify([versions, COMPILE_SETTINGS]));
  for (const file of listJson(dir)
    .map((f) => relative(dir, f).split(sep).join('/'))
    .sort()) {
    hash.update(`\0${file}\0`).update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex');
}

let libraryManifests: string[] | undefined;

/**
 * The stamp of what contractsHash(dir) reads, without reading it: each contract file's and the two
 * libraries' package.json's path (relative to `dir`), size, inode, mtime and ctime (any write changes
 * the ctime), and the compile settings. Equal stamps, equal hash.
 */
export function contractsStamp(dir: string): string {
  libraryManifests ??= VALIDATOR_LIBRARIES.map((name) => require.resolve(`${name}/package.json`));
  const files = [...listJson(dir), ...libraryManifests].map((file) => {
    const s = statSync(file, { bigint: true });
    return `${relative(dir, file)}\0${s.size}\0${s.ino}\0${s.mtimeNs}\0${s.ctimeNs}`;
  });
  return [...files, COMPILE_SETTINGS].join('\n');
}

/** The build's record of the shipped contracts' stamp and hash (precompile.ts): a start need not hash them. */
export const PRECOMPILED_STAMP_FILE = join(PACKAGE_ROOT, 'dist', 'mock-server', 'contract', 'contracts-stamp.json');

type Stamped = { stamp: string; hash: string };
const hashes = new Map<string, Stamped>();
let built: Stamped | null | undefined;

/** The build's stamp when `dir` is the shipped contracts (read once; a missing or unreadable file is none). */
function builtStamp(dir: string): Stamped | undefined {
  if (dir !== DEFAULT_CONTRACTS_DIR) return undefined;
  if (built === undefined) {
    try {
      built = JSON.parse(readFileSync(PRECOMPILED_STAMP_FILE, 'utf8')) as Stamped;
    } catch {
      built = null;
    }
  }
  return built ?? undefined;
}

/**
 * contractsHash(dir), computed again only when its stamp changed: once per process for a dir, and not
 * at all for the shipped contracts as the build left them (≈ 9 ms of a start).
 */
function currentHash(dir: string): string {
  const stamp = contractsStamp(dir);
  const known = hashes.get(dir) ?? builtStamp(dir);
  if (known?.stamp === stamp) return known.hash;
  const hash = contractsHash(dir);
  hashes.set(dir, { stamp, hash });
  return hash;
}

type PrecompiledModule = { hash: string; load: (formats: typeof FORMATS) => Record<string, ValidateFunction> };
/** The validators of each precompiled file, loaded once per process. */
const precompiledLoaded = new Map<string, Record<string, ValidateFunction>>();

/** The validators of the build's precompiled `file` when they were made from contracts of hash `hash`. */
function precompiledFrom(file: string, hash: string): Record<string, ValidateFunction> | undefined {
  if (!existsSync(file)) return undefined;
  const module = require(file) as PrecompiledModule;
  if (module.hash !== hash) return undefined;
  let validators = precompiledLoaded.get(file);
  if (!validators) precompiledLoaded.set(file, (validators = module.load(FORMATS)));
  return validators;
}

/**
 * The build's precompiled validators (operations' request parts and the callback schemas, by
 * `validatorKey`) when they were made from contracts of hash `hash`: a custom contracts dir, an edited
 * one, or a stale build compile instead. Loaded once per process.
 */
export const precompiledValidatorsFor = (hash: string) => precompiledFrom(PRECOMPILED_FILE, hash);

/** The build's precompiled reply validators (by `replyValidatorKey`), likewise. */
const precompiledReplyValidatorsFor = (hash: string) => precompiledFrom(PRECOMPILED_REPLIES_FILE, hash);

const compiledOnce = new Map<string, unknown>();

/**
 * What `compile` makes of the contracts under `dir`, made once per process for each content (the
 * key has the contracts' hash): validators are pure functions of the contracts, so the apps of one
 * process (a test file's hundreds of createApp calls) share them instead of compiling them again. Safe
 * to share: each caller reads a validator's `errors` right after calling it, never across an await.
 * A compile that throws is not kept (the next call throws again).
 */
export function compiledContracts<T>(dir: string, what: string, compile: (hash: string) => T): T {
  const hash = currentHash(dir);
  const key = JSON.stringify([what, dir, hash]);
  if (!compiledOnce.has(key)) compiledOnce.set(key, compile(hash));
  return compiledOnce.get(key) as T;
}

export function loadContracts(dir = DEFAULT_CONTRACTS_DIR, options: LoadOptions = {}): CompiledOperation[] {
  const set = options.set ?? 'api';
  const operations = compiledContracts(dir, `${set} operations${options.precompiled === false ? ', compiled' : ''}`, (hash) =>
    options.precompiled === false
      ? compileContracts(dir, set, undefined, undefined)
      : compileContracts(dir, set, precompiledValidatorsFor(hash), () => precompiledReplyValidatorsFor(hash)),
  );
  // Reply validators compile on first use, once per process (ResponseValidators keeps them).
  if (options.responses !== 'lazy') for (const op of operations) op.validateResponse.compileAll();
  return [...operations];
}

/** `replies`: the precompiled reply validators, asked for on the first reply validator needed. */
function compileContracts(
  dir: string,
  set: ContractSet,
  precompiled: Record<string, ValidateFunction> | undefined,
  replies: (() => Record<string, ValidateFunction> | undefined) | undefined,
): CompiledOperation[] {
  // Made on first need: with precompiled request validators and lazy replies, not at start-up.
  let ajvs: ReturnType<typeof contractAjvs> | undefined;
  const ajv = (strict: boolean) => ((ajvs ??= contractAjvs(dir)), strict ? ajvs.strictAjv : ajvs.requestAjv);

  return readContracts(dir, set).map(({ file, contract }) => {
    const compile = (strict: boolean, schema: JsonSchema, what: string) => {
      try {
        return ajv(strict).compile(schema);
      } catch (err) {
        throw new ContractError(`contract ${file}: ${what} schema does not compile: ${(err as Error).message}`);
      }
    };
    const schemas = requestSchemas(contract);
    let compiledHere = false;
    const request = (part: RequestPart): ValidateFunction | undefined => {
      const schema = schemas[part];
      if (!schema) return undefined;
      const ready = precompiled?.[validatorKey(contract.operationId, part)];
      // openapi.ts and messages.ts read `validate.schema`, which generated code does not carry.
      if (ready) return Object.assign(ready, { schema });
      compiledHere = true;
      return compile(part === 'body', schema, part);
    };
    const responseSchemas = new Map(Object.entries(contract.responses ?? {}).map(([status, schema]) => [Number(status), schema]));
    return {
      contract,
      file,
      validatePath: request('path'),
      validateQuery: request('query'),
      validateHeaders: request('headers'),
      validateBody: request('body'),
      validateResponse: new ResponseValidators(responseSchemas, (status, schema) => {
        const ready = replies?.()?.[replyValidatorKey(contract.operationId, status)];
        return ready ? Object.assign(ready, { schema }) : compile(true, schema, `response ${status}`);
      }),
      notOpen: notOpenFields(contract.request?.body),
      jsonQuery: Object.entries((contract.request?.query?.properties ?? {}) as Record<string, { 'x-json'?: boolean }>)
        .filter(([, schema]) => schema['x-json'])
        .map(([name]) => name),
      requestValidators: precompiled && !compiledHere ? 'precompiled' : 'compiled',
    };
  });
}

export type { ErrorObject };
