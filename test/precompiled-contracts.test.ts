/**
 * The validators `npm run build` precompiles (mock-server/contract/precompile.ts, ajv
 * standalone code) against the ones compiled at load: the shipped contracts load precompiled, and for
 * every operation and request part a set of inputs — request bodies of our own (test/data/), a
 * schema-derived baseline, and mutations of it (wrong types, missing required, undeclared fields,
 * over-long strings, bad formats, out-of-range numbers, whole-value replacements) — gives the same
 * `valid`, deep-equal `errors` (verbose: schema, parentSchema, data), the same coerced data and the
 * same PARAM_ERROR message and detail through the pipeline's `check` (request-checks.ts). The reply
 * validators (a file of their own) likewise, on the recorded replies of contracts/examples/ and
 * mutations of them. A contracts dir whose content differs from the build's falls back to compiling, the
 * shipped contracts edited after the build included (the build's stamp of them). Needs `npm run build` first (as the CLI tests do).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildCouponUseNotification, loadCallbackSchemas } from '../mock-server/callbacks/index.js';
import {
  loadContracts,
  PRECOMPILED_FILE,
  PRECOMPILED_REPLIES_FILE,
  type CompiledOperation,
  type RequestPart,
} from '../mock-server/contract/registry.js';
import type { JsonSchema } from '../mock-server/contract/types.js';
import { DEFAULT_CONTRACTS_DIR, PACKAGE_ROOT } from '../mock-server/paths.js';
import { check } from '../mock-server/request-checks.js';
import type { ValidateFunction } from 'ajv';
import { couponUsePlaintext } from './helpers/coupon-use.js';

// Request bodies of our own (test/data/request-bodies.json, operation id → bodies): shaped like the
// documented examples, with the fixture world's ids, so the mutations start from realistic requests.
const REQUEST_BODIES = join(import.meta.dirname, 'data', 'request-bodies.json');

const PARTS: {
  part: RequestPart;
  key: 'validatePath' | 'validateQuery' | 'validateHeaders' | 'validateBody';
  location: 'url' | 'query' | 'header' | 'body';
}[] = [
  { part: 'path', key: 'validatePath', location: 'url' },
  { part: 'query', key: 'validateQuery', location: 'query' },
  { part: 'headers', key: 'validateHeaders', location: 'header' },
  { part: 'body', key: 'validateBody', location: 'body' },
];

// ── inputs, derived from the schemas ────────────────────────────────────────────────────────────

const COMMON = new Map<string, JsonSchema>(
  readdirSync(join(DEFAULT_CONTRACTS_DIR, 'common')).map((f) => {
    const schema = JSON.parse(readFileSync(join(DEFAULT_CONTRACTS_DIR, 'common', f), 'utf8')) as JsonSchema;
    return [String(schema.$id), schema];
  }),
);

/** Follows `$ref` (`common#/$defs/x`, `#/$defs/x`), keeping the sibling keywords. */
function resolve(schema: JsonSchema, root: JsonSchema): { schema: JsonSchema; root: JsonSchema } {
  while (typeof schema.$ref === 'string') {
    const [id, pointer = ''] = schema.$ref.split('#');
    const base = id ? COMMON.get(id)! : root;
    let target: unknown = base;
    for (const token of pointer.split('/').filter(Boolean))
      target = (target as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')];
    const { $ref: _ref, ...siblings } = schema;
    schema = { ...(target as JsonSchema), ...siblings };
    root = base;
  }
  return { schema, root };
}

const firstType = (s: JsonSchema) =>
  (Array.isArray(s.type) ? s.type[0] : s.type) ?? (s.properties ? 'object' : s.items ? 'array' : undefined);

/** A plausible value for a schema (not always valid: patterns are not inverted; the comparison does not need it to be). */
function sample(input: JsonSchema, inRoot: JsonSchema, depth = 0): unknown {
  const { schema: s, root } = resolve(input, inRoot);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (s['x-example'] !== undefined) return s['x-example'];
  const alternatives = (s.oneOf ?? s.anyOf) as JsonSchema[] | undefined;
  if (alternatives) return sample(alternatives[0], root, depth);
  switch (firstType(s)) {
    case 'object': {
      if (depth > 6) return {};
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) out[k] = sample(v, root, depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(Number(s.minItems ?? 1), 1) }, () => sample((s.items ?? {}) as JsonSchema, root, depth + 1));
    case 'string':
      if (s.format === 'rfc3339') return '2026-06-01T10:00:00.000+08:00';
      if (s.format === 'uri') return 'https://example.com/notify';
      return '1'.repeat(Math.min(Math.max(Number(s.minLength ?? 1), 1), Number(s.maxLength ?? 32)));
    case 'integer':
    case 'number':
      return s.minimum ?? (typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return 'x';
  }
}

/** The schema of the property at `path` (for its maxLength), if the walk finds one. */
function schemaAt(input: JsonSchema, inRoot: JsonSchema, path: (string | number)[]): JsonSchema | undefined {
  let { schema, root } = resolve(input, inRoot);
  for (const step of path) {
    const next = (typeof step === 'number' ? schema.items : (schema.properties as Record<string, JsonSchema> | undefined)?.[step]) as
      JsonSchema | undefined;
    if (!next) return undefined;
    ({ schema, root } = resolve(next, root));
  }
  return schema;
}

function withAt(value: unknown, path: (string | number)[], replace: (old: unknown) => unknown | typeof DELETE): unknown {
  if (!path.length) return replace(value);
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const next = replace(node[last]);
  if (next === DELETE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = next;
  return copy;
}
const DELETE = Symbol('delete');

function paths(value: unknown, depth = 0, at: (string | number)[] = []): (string | number)[][] {
  if (depth > 4 || !value || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.slice(0, 1).map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...at, k], ...paths(v, depth + 1, [...at, k])]);
}

/** Baselines, then one mutation at a time at every field of each. */
function inputsFor(schema: JsonSchema, part: RequestPart, samples: unknown[]): unknown[] {
  const baseline = sample(schema, schema);
  const text = (v: unknown) =>
    v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'object' ? JSON.stringify(x) : String(x)]))
      : v;
  // Path, query and headers arrive as text: the coercing validator sees strings.
  const bases = part === 'body' ? [baseline, ...samples] : [baseline, text(baseline)];
  const out: unknown[] = [undefined, null, {}, [], 'x', 0, true, ...bases];
  for (const base of bases) {
    out.push({ ...(base as object), undeclared_field: 'x' });
    for (const path of paths(base)) {
      const field = schemaAt(schema, schema, path);
      const over = Number(field?.maxLength ?? 256) + 1;
      const wrongType = (v: unknown) =>
        typeof v === 'string'
          ? 12345
          : typeof v === 'number'
            ? 'abc'
            : typeof v === 'boolean'
              ? 'yes'
              : Array.isArray(v)
                ? { a: 1 }
                : v && typeof v === 'object'
                  ? [1]
                  : 'x';
      out.push(
        withAt(base, path, wrongType),
        withAt(base, path, () => null),
        withAt(base, path, () => DELETE),
        withAt(base, path, () => 'x'.repeat(over)),
        withAt(base, path, () => '券'.repeat(over)),
        withAt(base, path, () => '😀'.repeat(over)),
        withAt(base, path, () => ''),
        withAt(base, path, () => '2026-13-01T00:00:00+08:00'),
        withAt(base, path, () => '2026-06-01 10:00:00'),
        withAt(base, path, () => -1),
        withAt(base, path, () => 1.5),
        withAt(base, path, () => 1e30),
        withAt(base, path, () => '12'),
        withAt(base, path, (v) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v, undeclared_field: 1 } : [v, v])),
      );
    }
  }
  return out;
}

function samplesByOperation(): Map<string, unknown[]> {
  const bodies = JSON.parse(readFileSync(REQUEST_BODIES, 'utf8')) as Record<string, unknown[]>;
  return new Map(Object.entries(bodies));
}

function outcome(validate: ValidateFunction, location: 'url' | 'query' | 'header' | 'body', input: unknown) {
  const data = structuredClone(input);
  const valid = validate(data);
  const errors = structuredClone(validate.errors ?? null);
  const refusal = check(validate, structuredClone(input), location).refusal;
  const error = refusal && { code: refusal.code, message: refusal.message, detail: refusal.detail };
  return { valid, errors, data, error };
}

const copyContracts = () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-contracts-')), 'contracts');
  cpSync(DEFAULT_CONTRACTS_DIR, dir, { recursive: true });
  return dir;
};

const originOf = (ops: CompiledOperation[]) => [...new Set(ops.map((o) => o.requestValidators))];

describe('validators precompiled at build time (ajv standalone)', () => {
  it('after npm run build the shipped contracts load with precompiled request validators; precompiled: false compiles them', () => {
    expect(existsSync(PRECOMPILED_FILE), `${PRECOMPILED_FILE} missing: run npm run build`).toBe(true);
    expect(originOf(loadContracts())).toEqual(['precompiled']);
    expect(originOf(loadContracts(undefined, { precompiled: false }))).toEqual(['compiled']);
  });

  it('precompiled and runtime-compiled validators agree on every operation and part: valid, errors (deep-equal, verbose), coerced data, PARAM_ERROR message/detail', () => {
    const precompiled = loadContracts(undefined, { responses: 'lazy' });
    const compiled = new Map(loadContracts(undefined, { responses: 'lazy', precompiled: false }).map((o) => [o.contract.operationId, o]));
    const samples = samplesByOperation();
    expect(samples.size).toBeGreaterThan(10);
    let parts = 0;
    const tally = { valid: 0, invalid: 0, sampleValid: 0 };
    for (const op of precompiled) {
      expect(op.requestValidators).toBe('precompiled');
      const other = compiled.get(op.contract.operationId)!;
      for (const { part, key, location } of PARTS) {
        const pre = op[key];
        const run = other[key];
        expect(Boolean(pre), `${op.contract.operationId} ${part}`).toBe(Boolean(run));
        if (!pre || !run) continue;
        parts++;
        // messages.ts and openapi.ts read the root schema from the validator.
        expect(pre.schema).toEqual(run.schema);
        const opSamples = part === 'body' ? (samples.get(op.contract.operationId) ?? []) : [];
        for (const input of inputsFor(run.schema as JsonSchema, part, opSamples)) {
          const a = outcome(pre, location, input);
          const b = outcome(run, location, input);
          // isDeepStrictEqual for speed over thousands of inputs; toEqual shows the difference when one fails.
          if (!isDeepStrictEqual(a, b))
            expect({ operation: op.contract.operationId, part, input, ...a }).toEqual({
              operation: op.contract.operationId,
              part,
              input,
              ...b,
            });
          tally[a.valid ? 'valid' : 'invalid']++;
        }
        for (const s of opSamples) if (pre(structuredClone(s))) tally.sampleValid++;
      }
    }
    expect(parts).toBeGreaterThan(40);
    // Both outcomes are exercised, the reference samples pass as they should.
    expect(tally.valid).toBeGreaterThan(50);
    expect(tally.invalid).toBeGreaterThan(5000);
    expect(tally.sampleValid).toBeGreaterThan(10);
  });

  it('a copy of the shipped contracts loads precompiled (the hash is of content); an edited copy compiles, with the edit in effect', () => {
    expect(originOf(loadContracts(copyContracts()))).toEqual(['precompiled']);

    const dir = copyContracts();
    const file = join(dir, 'favor', 'createStock.json');
    const contract = JSON.parse(readFileSync(file, 'utf8'));
    contract.request.body.properties.comment.maxLength = 5;
    writeFileSync(file, JSON.stringify(contract, null, 2));
    const edited = loadContracts(dir);
    expect(originOf(edited)).toEqual(['compiled']);
    const createStock = edited.find((o) => o.contract.operationId === 'favor.createStock')!;
    const shipped = loadContracts().find((o) => o.contract.operationId === 'favor.createStock')!;
    const body = { ...(sample(createStock.validateBody!.schema as JsonSchema, {}) as object), comment: '六个字的备注' };
    const tooLong = (v: ValidateFunction) => (
      v(structuredClone(body)),
      (v.errors ?? []).filter((e) => e.instancePath === '/comment').map((e) => e.keyword)
    );
    expect(tooLong(createStock.validateBody!)).toEqual(['maxLength']);
    expect(tooLong(shipped.validateBody!)).toEqual([]);

    // A shared schema under common/ counts too.
    const common = copyContracts();
    const defs = join(common, 'common', 'defs.json');
    writeFileSync(defs, readFileSync(defs, 'utf8') + '\n');
    expect(originOf(loadContracts(common))).toEqual(['compiled']);
  });
  it('a contracts dir edited after it was loaded loads again with the edit (apps of one process share validators by content)', () => {
    const dir = copyContracts();
    const createStock = (ops: CompiledOperation[]) => ops.find((o) => o.contract.operationId === 'favor.createStock')!.validateBody!;
    const before = createStock(loadContracts(dir));
    expect(createStock(loadContracts(dir))).toBe(before);
    const file = join(dir, 'favor', 'createStock.json');
    const contract = JSON.parse(readFileSync(file, 'utf8'));
    contract.request.body.properties.comment.maxLength = 5;
    writeFileSync(file, JSON.stringify(contract, null, 2));
    const after = createStock(loadContracts(dir));
    const body = { ...(sample(before.schema as JsonSchema, {}) as object), comment: '六个字的备注' };
    expect([before(structuredClone(body)), after(structuredClone(body))]).toEqual([true, false]);
  });

  it("the build's stamp of the shipped contracts gives a start their hash; an edit after the build (same size, same mtime) is still seen", () => {
    // A copy of the built package (dist without source maps, contracts, package.json; node_modules and
    // fixtures linked), its stamp written as its build would, and fresh processes loading its contracts.
    const root = mkdtempSync(join(tmpdir(), 'wxpay-mock-package-'));
    cpSync(join(PACKAGE_ROOT, 'dist'), join(root, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') });
    cpSync(DEFAULT_CONTRACTS_DIR, join(root, 'contracts'), { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'package.json'), join(root, 'package.json'));
    for (const linked of ['node_modules', 'fixtures']) symlinkSync(join(PACKAGE_ROOT, linked), join(root, linked));
    const module = (path: string) => JSON.stringify(pathToFileURL(join(root, 'dist', 'mock-server', 'contract', path)).href);
    const run = (script: string) => execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    const stampFile = join(root, 'dist', 'mock-server', 'contract', 'contracts-stamp.json');
    run(`import { writeContractsStamp } from ${module('precompile.js')}; writeContractsStamp();`);
    /** In a new process: where the copy's validators came from, and whether `limit=3000` is a valid deliveries query. */
    const start = () =>
      JSON.parse(
        run(
          `import { loadContracts } from ${module('registry.js')};
          const ops = loadContracts(undefined, { set: 'control' });
          const deliveries = ops.find((o) => o.contract.operationId === 'control.stateDeliveries');
          console.log(JSON.stringify([[...new Set(ops.map((o) => o.requestValidators))], deliveries.validateQuery({ limit: 3000 })]));`,
        ),
      );
    expect(start()).toEqual([['precompiled'], false]);

    // The hash is the stamp file's, not the files' own: a wrong one there makes the start compile.
    const built = readFileSync(stampFile, 'utf8');
    writeFileSync(stampFile, JSON.stringify({ ...JSON.parse(built), hash: 'not the contracts hash' }));
    expect(start()).toEqual([['compiled'], false]);
    writeFileSync(stampFile, built);

    // An edit of the same size with the old mtime put back to the nanosecond (`touch -r`): the ctime still
    // changed, and the start hashes.
    const file = join(root, 'contracts', '_mock', 'state', 'deliveries.json');
    const times = join(root, 'deliveries.times');
    writeFileSync(times, '');
    execFileSync('touch', ['-r', file, times]);
    const before = statSync(file, { bigint: true });
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"maximum": 1000', '"maximum": 5000'));
    execFileSync('touch', ['-r', times, file]);
    const after = statSync(file, { bigint: true });
    expect([after.size, after.mtimeNs]).toEqual([before.size, before.mtimeNs]);
    expect(start()).toEqual([['compiled'], true]);
  });

  it('reply validators are precompiled too (dist/…/reply-validators.cjs) and agree with compiled ones on recorded replies and their mutations', () => {
    expect(existsSync(PRECOMPILED_REPLIES_FILE), `${PRECOMPILED_REPLIES_FILE} missing: run npm run build`).toBe(true);
    const exchanges = JSON.parse(readFileSync(join(DEFAULT_CONTRACTS_DIR, 'examples', 'exchanges.json'), 'utf8')).exchanges as Record<
      string,
      { status: number; reply: unknown }
    >;
    const precompiled = [
      ...loadContracts(undefined, { responses: 'lazy' }),
      ...loadContracts(undefined, { set: 'control', responses: 'lazy' }),
    ];
    const compiled = new Map(
      [
        ...loadContracts(undefined, { responses: 'lazy', precompiled: false }),
        ...loadContracts(undefined, { set: 'control', responses: 'lazy', precompiled: false }),
      ].map((o) => [o.contract.operationId, o]),
    );
    // Ajv's own functions carry their schema environment; generated code does not.
    const generated = (v: ValidateFunction) => !('schemaEnv' in v);
    const tally = { validators: 0, valid: 0, invalid: 0 };
    const mutations = (value: unknown): unknown[] => {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
      const entries = Object.entries(value);
      return [
        ...entries.map(([k]) => Object.fromEntries(entries.filter(([key]) => key !== k))),
        ...entries.map(([k, v]) => ({ ...value, [k]: typeof v === 'string' ? 12 : 'text' })),
        ...entries.flatMap(([k, v]) => (Array.isArray(v) && v.length ? mutations(v[0]).map((m) => ({ ...value, [k]: [m] })) : [])),
        { ...value, undeclared_field: 1 },
      ];
    };
    for (const op of precompiled) {
      const other = compiled.get(op.contract.operationId)!;
      const recorded = exchanges[op.contract.operationId];
      for (const status of op.validateResponse.keys()) {
        const pre = op.validateResponse.get(status)!;
        const run = other.validateResponse.get(status)!;
        expect([generated(pre), generated(run)], `${op.contract.operationId} ${status}`).toEqual([true, false]);
        expect(pre.schema).toEqual(run.schema);
        tally.validators++;
        const reply = recorded?.status === status && typeof recorded.reply === 'object' ? recorded.reply : undefined;
        for (const input of reply ? [reply, ...mutations(reply)] : [{}, null, 'text']) {
          const outcomeOf = (v: ValidateFunction) => ({ valid: v(structuredClone(input)), errors: structuredClone(v.errors ?? null) });
          const a = outcomeOf(pre);
          if (!isDeepStrictEqual(a, outcomeOf(run))) expect({ status, input, ...a }).toEqual({ status, input, ...outcomeOf(run) });
          tally[a.valid ? 'valid' : 'invalid']++;
        }
      }
    }
    expect(tally.validators).toBeGreaterThan(60);
    expect(tally.valid).toBeGreaterThan(60);
    expect(tally.invalid).toBeGreaterThan(500);
  });

  it('the COUPON.USE schemas (contracts/callbacks/) are precompiled too, and agree with compiled ones: valid, errors', () => {
    const precompiled = loadCallbackSchemas();
    const compiled = loadCallbackSchemas(undefined, { precompiled: false });
    // Generated code carries no `schema`; ajv's compiled functions do.
    expect(precompiled.couponUsePlaintext.schema).toBeUndefined();
    expect(compiled.couponUsePlaintext.schema).toBeDefined();
    const plain = couponUsePlaintext('1900000001');
    const { envelope } = buildCouponUseNotification({ plaintext: plain, apiv3Key: 'a'.repeat(32), createTimeMs: Date.UTC(2027, 2, 1) });
    const broken = (value: Record<string, unknown>) => [
      ...Object.keys(value).map((k) => Object.fromEntries(Object.entries(value).filter(([key]) => key !== k))),
      ...Object.keys(value).map((k) => ({ ...value, [k]: k === 'resource' || k === 'consume_information' ? 'text' : { wrong: 1 } })),
      { ...value, undeclared: 1 },
      { ...value, create_time: '2027-03-01 10:00:00' },
    ];
    const cases: [keyof typeof precompiled, unknown][] = [
      ...[plain, ...broken(plain)].map((v): [keyof typeof precompiled, unknown] => ['couponUsePlaintext', v]),
      ...[envelope, ...broken(envelope as unknown as Record<string, unknown>)].map((v): [keyof typeof precompiled, unknown] => [
        'couponUseNotification',
        v,
      ]),
    ];
    let invalid = 0;
    for (const [name, input] of cases) {
      const run = (v: ValidateFunction) => ({ valid: v(structuredClone(input)), errors: structuredClone(v.errors ?? null) });
      const a = run(precompiled[name]);
      expect({ name, input, ...a }).toEqual({ name, input, ...run(compiled[name]) });
      if (!a.valid) invalid++;
    }
    // Both outcomes: the built ones pass, most of the broken ones do not (a few fields are optional).
    expect([precompiled.couponUsePlaintext(plain), precompiled.couponUseNotification(envelope)]).toEqual([true, true]);
    expect(invalid).toBeGreaterThan(cases.length / 2);
  });
});
