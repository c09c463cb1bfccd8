/**
 * The OpenAPI 3.1 export of the contracts: valid by an independent validator, complete (every shipped
 * operation, its errors, the shared defs), faithful (its schemas judge real replies and refused
 * bodies as the mock does), and served by a running mock with that mock's URL. Third-party tools read
 * it as meant: Redocly's `recommended` rules find nothing, and `prism mock` started on it answers
 * the examples (the exchanges recorded from the mock, contracts/examples/exchanges.json).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangesFile, type RecordedExchange } from '../mock-server/contract/openapi.js';
import { loadContracts } from '../mock-server/contract/registry.js';
import { DEFAULT_CONTRACTS_DIR } from '../mock-server/paths.js';
import { declaredErrors } from '../mock-server/contract/declared-errors.js';
import { buildOpenApi, startMock, type OpenApiDocument, type RunningMock } from '../mock-server/index.js';
import { createStock, freezeAtNow, stockBody, stockPath, STOCKS } from './helpers/favor.js';
import { CREATOR, json, newMock, type TestMock } from './helpers/mock.js';
import { unusedPort } from './helpers/ports.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = loadContracts();
/** The control API's contracts (contracts/_mock/): in the export under the tag mock-control. */
const control = loadContracts(undefined, { set: 'control' });
const doc = buildOpenApi({ serverUrl: 'http://127.0.0.1:9999' });

/** One validator for the file: it compiles the OpenAPI 3.1 schema on first use and keeps it. */
const validator = new Validator();
async function validate(document: unknown) {
  const result = await validator.validate(document as Record<string, unknown>);
  return { ...result, version: validator.version };
}

function operationsOf(d: OpenApiDocument) {
  return Object.entries(d.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ path, method: method.toUpperCase(), op: op as any })),
  );
}

/** Every $ref in the document, with where it sits. */
function refs(node: unknown, at = '#'): { ref: string; at: string }[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => refs(n, `${at}/${i}`));
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ ref: v, at }] : refs(v, `${at}/${k}`)));
}

function resolvePointer(root: unknown, ref: string): unknown {
  let node = root;
  for (const raw of ref.replace(/^#\//, '').split('/')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** The document's schemas in a JSON Schema 2020-12 validator, strict: unknown keywords and formats are errors. */
function newSchemaValidator(d: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true });
  const addFormats = ((formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ?? formatsPlugin) as unknown as (
    a: Ajv2020,
  ) => void;
  addFormats(ajv);
  for (const k of ['x-label', 'x-messages', 'x-note', 'x-not-open', 'x-example', 'x-json']) ajv.addKeyword(k);
  const inAjv = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"openapi#/$defs/'));
  ajv.addSchema({ $id: 'openapi', $defs: inAjv(d.components.schemas) });
  // Several tests validate against the same schema of the document: each is compiled once (ajv caches
  // by object, and inAjv hands it a new copy every time).
  const compiled = new WeakMap<object, ValidateFunction>();
  return (schema: object) => {
    let validate = compiled.get(schema);
    if (!validate) compiled.set(schema, (validate = ajv.compile(inAjv(schema))));
    return validate;
  };
}

/** One validator of `doc`'s schemas for the file: the shared components are compiled once, not once per test. */
let docValidator: ReturnType<typeof newSchemaValidator> | undefined;
const schemaValidator = (d: OpenApiDocument) => {
  if (d !== doc) throw new Error('schemaValidator: the shared validator holds the schemas of `doc`');
  return (docValidator ??= newSchemaValidator(doc));
};

/** A document equal to `doc` but for its servers: the same operations, schemas and examples, byte for byte (hence valid too). */
const sameAsDoc = (d: OpenApiDocument) => JSON.stringify({ ...d, servers: doc.servers }) === JSON.stringify(doc);

describe('OpenAPI 3.1 export of the contracts', () => {
  it('is a valid OpenAPI 3.1 document by @seriousme/openapi-schema-validator', async () => {
    const result = await validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(result.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
  });

  it('the validator really judges: a document with a broken operation is refused', async () => {
    const broken = structuredClone(doc) as any;
    broken.paths['/v3/marketing/favor/callbacks'].get.responses = { '200': { content: {} } }; // a response without its required description
    expect((await validate(broken)).valid).toBe(false);
  });

  it('covers every operation id of the shipped contracts, each under its own method and path', () => {
    const exported = operationsOf(doc);
    expect(exported.map((e) => e.op.operationId).sort()).toEqual([...operations, ...control].map((o) => o.contract.operationId).sort());
    for (const o of [...operations, ...control]) {
      const e = exported.find((x) => x.op.operationId === o.contract.operationId)!;
      expect([e.method, e.path]).toEqual([o.contract.method, o.contract.path]);
    }
  });

  it('every $ref resolves inside the document and every schema compiles as strict JSON Schema 2020-12', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(50);
    for (const { ref, at } of all) {
      expect(ref, at).toMatch(/^#\/components\//);
      expect(resolvePointer(doc, ref), `${ref} at ${at}`).toBeDefined();
    }
    const compile = schemaValidator(doc);
    for (const name of Object.keys(doc.components.schemas)) compile({ $ref: `#/components/schemas/${name}` });
    for (const { op } of operationsOf(doc)) {
      for (const p of op.parameters.filter((x: any) => x.schema)) compile(p.schema);
      for (const media of Object.values<any>(op.requestBody?.content ?? {})) compile(media.schema);
      for (const r of Object.values<any>(op.responses)) for (const media of Object.values<any>(r.content ?? {})) compile(media.schema);
    }
  });

  it('components/schemas hold every shared $def of contracts/common/ a contract uses, and nothing unused', () => {
    const contractsText = JSON.stringify(operations.map((o) => o.contract));
    for (const [file, id] of [
      ['defs.json', 'common'],
      ['favor.json', 'favor'],
      ['paygift.json', 'paygift'],
    ]) {
      const defs = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'contracts', 'common', file), 'utf8')).$defs;
      for (const name of Object.keys(defs))
        if (contractsText.includes(`${id}#/$defs/${name}"`))
          expect(doc.components.schemas, `${id}.${name}`).toHaveProperty([`${id}.${name}`]);
    }
    const referenced = new Set(refs(doc).map((r) => r.ref));
    for (const name of Object.keys(doc.components.schemas)) expect(referenced, name).toContain(`#/components/schemas/${name}`);
    expect(doc.components.schemas).toHaveProperty(['callbacks.coupon-use.notification']);
    expect((doc.webhooks['COUPON.USE'].post as any).requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/callbacks.coupon-use.notification',
    );
  });

  it('each contract error (and the common PARAM_ERROR/INVALID_REQUEST/SIGN_ERROR/SYSTEM_ERROR) is an error response with the envelope schema', () => {
    for (const o of operations) {
      const op = operationsOf(doc).find((e) => e.op.operationId === o.contract.operationId)!.op;
      for (const e of declaredErrors(o.contract)) {
        const media = op.responses[String(e.status)]?.content?.['application/json'];
        // allOf [envelope, codes]: no keywords beside the $ref (Prism's validation ignores such siblings).
        const [envelope, codes] = media?.schema.allOf ?? [];
        expect(envelope, `${o.contract.operationId} ${e.status}`).toEqual({ $ref: '#/components/schemas/common.error' });
        expect(codes.properties.code.enum, `${o.contract.operationId} ${e.status} ${e.code}`).toContain(e.code);
        const examples = Object.values<any>(media.examples).map((x) => x.value);
        if (e.message) expect(examples).toContainEqual({ code: e.code, message: e.message });
        else expect(examples.map((x) => x.code)).toContain(e.code); // every error has an example
      }
      for (const status of ['400', '401', '500']) expect(op.responses[status], `${o.contract.operationId} ${status}`).toBeDefined();
    }
  });

  it('the WECHATPAY2-SHA256-RSA2048 Authorization is the security scheme of every operation', () => {
    const scheme = (doc.components as any).securitySchemes.WechatPayAuthorization;
    expect(scheme).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    expect(scheme.description).toContain('WECHATPAY2-SHA256-RSA2048 mchid=');
    expect(doc.security).toEqual([{ WechatPayAuthorization: [] }]);
    // A signed 2xx documents its Wechatpay-* headers; the bill file is never signed.
    const ok = (id: string) => operationsOf(doc).find((e) => e.op.operationId === id)!.op.responses['200'];
    expect(Object.keys(ok('favor.getStock').headers)).toEqual(
      expect.arrayContaining(['Wechatpay-Signature', 'Wechatpay-Serial', 'Wechatpay-Timestamp', 'Wechatpay-Nonce']),
    );
    expect(Object.keys(ok('billdownload.downloadFile').headers)).toEqual(['Request-ID']);
    expect(Object.keys(ok('billdownload.downloadFile').content)).toEqual(['text/csv']);
  });

  it('parameters, multipart upload and our x- keywords: path/query parameters, meta+file parts, x-label → title, x-example → examples, rfc3339 → date-time', () => {
    const find = (id: string) => operationsOf(doc).find((e) => e.op.operationId === id)!.op;
    const getStock = find('favor.getStock');
    expect(getStock.parameters).toEqual(
      expect.arrayContaining([
        { name: 'stock_id', in: 'path', required: true, schema: { $ref: '#/components/schemas/favor.stockId' }, example: '16000001' },
        expect.objectContaining({
          name: 'stock_creator_mchid',
          in: 'query',
          required: true,
          description: '创建批次的商户号',
          example: '1900000001',
        }),
      ]),
    );
    const upload = find('favor.uploadImage').requestBody.content['multipart/form-data'];
    expect(upload.schema.required).toEqual(['meta', 'file']);
    expect(upload.encoding.meta.contentType).toBe('application/json');
    expect(upload.schema.properties.meta).toMatchObject({ type: 'string', contentMediaType: 'application/json' });
    const filename = upload.schema.properties.meta.contentSchema.properties.filename;
    expect(filename).toMatchObject({
      title: '文件名称',
      examples: ['filea.jpg'],
      'x-label': '文件名称',
      'x-messages': { pattern: '文件名称必须以JPG、BMP、PNG为后缀' },
    });
    expect(upload.schema.properties.meta.contentSchema.additionalProperties).toBe(false);
    expect(doc.components.schemas['common.time']).toMatchObject({ type: 'string', format: 'date-time', 'x-label': '时间' });
    const notOpen = JSON.stringify(find('paygift.createActivity').requestBody);
    expect(notOpen).toContain('"x-not-open"');
    expect(notOpen).toContain('Accepted but not open: ');
  });
});

describe('the control API in the export (tag mock-control)', () => {
  const controlOps = () => operationsOf(doc).filter((e) => e.path.startsWith('/_mock/'));

  it('every control contract is a path under /_mock/, tagged mock-control, unsigned, with a 2xx example and an example per refusal', () => {
    expect(
      controlOps()
        .map((e) => e.op.operationId)
        .sort(),
    ).toEqual(control.map((o) => o.contract.operationId).sort());
    expect(doc.tags).toContainEqual(expect.objectContaining({ name: 'mock-control', description: expect.stringContaining('/_mock/') }));
    for (const { op, path } of controlOps()) {
      expect(op.tags, path).toEqual(['mock-control']);
      expect(op.security, path).toEqual([]); // the control API is unauthenticated (loopback only)
      expect(
        op.parameters.some((p: any) => p.$ref),
        path,
      ).toBe(false); // no User-Agent / Wechatpay-Serial
      const [, ok] = Object.entries<any>(op.responses['200'].content)[0];
      expect(ok.example, path).toBeDefined();
      for (const [status, r] of Object.entries<any>(op.responses).filter(([s]) => s >= '400')) {
        const media = r.content['application/json'];
        expect(Object.keys(media.examples ?? {}).length, `${path} ${status}`).toBeGreaterThan(0);
      }
      expect(Object.values<any>(op.responses['403'].content['application/json'].examples).map((e) => e.value.code)).toEqual(['NO_AUTH']);
    }
    const set = operationsOf(doc).find((e) => e.op.operationId === 'control.clockSet')!.op;
    expect(set.requestBody.content['application/json'].schema).toMatchObject({ required: ['time'], additionalProperties: false });
    expect(Object.values<any>(set.responses['415'].content['application/json'].examples)[0].value.code).toBe('INVALID_REQUEST');
  });

  it('a control body the mock refuses, the exported request schema refuses too', async () => {
    const compile = schemaValidator(doc);
    const op = operationsOf(doc).find((e) => e.op.operationId === 'control.clockAdvance')!.op;
    const validate = compile(op.requestBody.content['application/json'].schema);
    expect(validate({ by: '1d' })).toBe(true);
    expect(validate({ by: '1d', surprise: 1 })).toBe(false);
    const running = await startMock();
    try {
      const res = await fetch(`${running.url}/_mock/clock/advance`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ by: '1d', surprise: 1 }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'surprise' } });
    } finally {
      await running.close();
    }
  });

  it('buildOpenApi({control: false}) leaves the control API out: no /_mock/ path, tag or component', () => {
    const api = buildOpenApi({ control: false });
    expect(Object.keys(api.paths).filter((p) => p.startsWith('/_mock/'))).toEqual([]);
    expect(operationsOf(api).length).toBe(operations.length);
    expect((api.tags as { name: string }[]).map((t) => t.name)).not.toContain('mock-control');
    expect(Object.keys(api.components.schemas).filter((n) => n.startsWith('control.'))).toEqual([]);
  });
});

describe('the exported schemas judge as the mock does', () => {
  let t: TestMock;
  beforeAll(async () => {
    t = await newMock();
    await freezeAtNow(t);
  });

  it("a real getStock reply validates against the export's 200 schema; a tampered one does not", async () => {
    const compile = schemaValidator(doc);
    const op = operationsOf(doc).find((e) => e.op.operationId === 'favor.getStock')!.op;
    const validate = compile(op.responses['200'].content['application/json'].schema);
    const stockId = await createStock(t);
    const res = await t.call('GET', `${stockPath(stockId)}?stock_creator_mchid=${CREATOR}`);
    expect(res.status).toBe(200);
    const reply = json(res);
    expect(validate(reply), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...reply, create_time: '2026-03-02 10:00:00' })).toBe(false);
  });

  it('a createStock body with an undeclared field: the mock answers 400 PARAM_ERROR, the exported request schema refuses it too', async () => {
    const compile = schemaValidator(doc);
    const op = operationsOf(doc).find((e) => e.op.operationId === 'favor.createStock')!.op;
    const validate = compile(op.requestBody.content['application/json'].schema);
    const good = stockBody();
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    const bad = { ...stockBody(), surprise: 1 };
    const res = await t.call('POST', STOCKS, { body: bad });
    expect([res.status, json(res).code, json(res).message]).toEqual([400, 'PARAM_ERROR', '请求中含有未在API文档中定义的参数']);
    expect(validate(bad)).toBe(false);
  });
});

describe('GET /_mock/openapi.json', () => {
  let running: RunningMock;
  beforeAll(async () => {
    running = await startMock();
  });
  afterAll(() => running.close());

  it("serves the export with the running mock's own URL in servers, and it validates", async () => {
    const res = await fetch(`${running.url}/_mock/openapi.json`);
    expect(res.status).toBe(200);
    const served = (await res.json()) as OpenApiDocument;
    expect(served.servers).toEqual([{ url: running.url, description: 'wxpay-mock' }]);
    // The export validated above (one validation of the document is enough: the validator costs ~0.3 s).
    expect(sameAsDoc(served)).toBe(true);
    expect(operationsOf(served).length).toBe(operations.length + control.length);
  });

  it('a mock started with --base-url names that URL instead', async () => {
    const other = await startMock({ baseUrl: 'https://wxpay-mock.internal.example:8443/' });
    try {
      const served = (await (await fetch(`${other.url}/_mock/openapi.json`)).json()) as OpenApiDocument;
      expect(served.servers[0].url).toBe('https://wxpay-mock.internal.example:8443');
    } finally {
      await other.close();
    }
  });
});

describe('wxpay-mock openapi (the built CLI)', () => {
  const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'cli.js');
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, WXPAY_MOCK_URL: '', ...env } });

  it('prints the document as JSON with --server in servers; --out writes it to a file', async () => {
    const out = run(['openapi', '--server', 'http://127.0.0.1:18750']);
    expect(out.status, out.stderr).toBe(0);
    const printed = JSON.parse(out.stdout) as OpenApiDocument;
    expect(printed.servers[0].url).toBe('http://127.0.0.1:18750');
    expect(sameAsDoc(printed)).toBe(true);

    const file = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-openapi-')), 'openapi.json');
    const written = run(['openapi', '--out', file], { WXPAY_MOCK_URL: 'http://127.0.0.1:28750' });
    expect(written.status, written.stderr).toBe(0);
    expect(written.stdout).toBe('');
    expect(JSON.parse(readFileSync(file, 'utf8')).servers[0].url).toBe('http://127.0.0.1:28750');
  });

  it('without --server or $WXPAY_MOCK_URL the default mock URL; a bad --server exits 2', () => {
    expect(JSON.parse(run(['openapi']).stdout).servers[0].url).toBe('http://127.0.0.1:8750');
    const bad = run(['openapi', '--server', 'not a url']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--server must be an absolute http\(s\) URL/);
  });
});

describe('examples: every operation shows the exchange recorded from the mock', () => {
  const exchanges = (
    JSON.parse(readFileSync(exchangesFile(DEFAULT_CONTRACTS_DIR), 'utf8')) as { exchanges: Record<string, RecordedExchange> }
  ).exchanges;

  it('every 2xx reply has its recorded example, valid against the reply schema; request bodies and parameters show the recorded request', () => {
    const compile = schemaValidator(doc);
    for (const { op } of operationsOf(doc)) {
      const recorded = exchanges[op.operationId];
      expect(recorded, `${op.operationId}: no recorded exchange (npm run examples)`).toBeDefined();
      const ok = op.responses[String(recorded.status)];
      const [type, media] = Object.entries<any>(ok.content)[0];
      expect(media.example, op.operationId).toEqual(recorded.reply);
      if (type === 'application/json') {
        const validate = compile(media.schema);
        expect(
          validate(media.example),
          `${op.operationId} (stale? npm run examples records it again): ${JSON.stringify(validate.errors)}`,
        ).toBe(true);
      }
      const body = op.requestBody?.content['application/json'];
      if (body) expect(body.example, op.operationId).toEqual(recorded.body);
      for (const p of op.parameters.filter((x: any) => x.in === 'path')) expect(p.example, `${op.operationId} ${p.name}`).toBeDefined();
    }
  });

  it('every error example fits the schema of its status (the envelope and the codes that status declares)', () => {
    const compile = schemaValidator(doc);
    let checked = 0;
    for (const { op } of operationsOf(doc)) {
      for (const [status, r] of Object.entries<any>(op.responses).filter(([s]) => s >= '400')) {
        const media = r.content['application/json'];
        const validate = compile(media.schema);
        for (const [key, e] of Object.entries<any>(media.examples)) {
          expect(validate(e.value), `${op.operationId} ${status} ${key}: ${JSON.stringify(validate.errors)}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});

const BIN = join(import.meta.dirname, '..', 'node_modules', '.bin');

/**
 * `prism mock` on `file`, once it answers. The port is free when picked, but another file's server may
 * take it before prism binds (the files run in parallel): prism then exits, while the port answers —
 * with that server's replies. So ready means prism's own answer to a path the document lacks (its
 * NO_PATH_MATCHED_ERROR problem), and a prism that exited is started again on another port.
 */
async function startPrism(file: string): Promise<{ prism: ChildProcess; base: string }> {
  for (let attempt = 1; ; attempt++) {
    const base = `http://127.0.0.1:${await unusedPort()}`;
    // Quiet (its per-request log slows it down).
    const prism = spawn(join(BIN, 'prism'), ['mock', '--port', base.split(':')[2], '--host', '127.0.0.1', '-v', 'error', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    prism.stdout!.on('data', (d) => (log += d));
    prism.stderr!.on('data', (d) => (log += d));
    const isPrism = () =>
      fetch(`${base}/wxpay-mock-no-such-path`).then(
        async (res) => (await res.text()).includes('NO_PATH_MATCHED_ERROR'),
        () => false,
      );
    for (let deadline = Date.now() + 30_000; prism.exitCode === null && !(await isPrism()); await new Promise((r) => setTimeout(r, 100)))
      if (Date.now() > deadline) {
        prism.kill();
        throw new Error(`prism did not start:\n${log}`);
      }
    if (prism.exitCode === null) return { prism, base };
    if (attempt === 3) throw new Error(`prism exited (${prism.exitCode}):\n${log}`);
  }
}

describe('third-party tools on the exported document', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-openapi-')), 'openapi.json');
  beforeAll(() => writeFileSync(file, JSON.stringify(doc)));

  it("Redocly CLI's recommended ruleset finds no problem", () => {
    const run = spawnSync(join(BIN, 'redocly'), ['lint', '--extends', 'recommended', '--format', 'json', file], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(run.status).toBe(0);
  }, 30_000);

  it('`prism mock` started on it answers every operation with the recorded reply, and each error status with an example asked for by name', async () => {
    const exchanges = (
      JSON.parse(readFileSync(exchangesFile(DEFAULT_CONTRACTS_DIR), 'utf8')) as { exchanges: Record<string, RecordedExchange> }
    ).exchanges;
    const { prism, base } = await startPrism(file);
    try {
      // Prism checks that the security header is there, not the signature.
      const headers = {
        Authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1900000001",signature="not checked"',
        Accept: 'application/json',
        'User-Agent': 'test',
      };
      for (const [index, { op }] of operationsOf(doc).entries()) {
        const ex = exchanges[op.operationId];
        let body: string | FormData | undefined;
        const sent: Record<string, string> = { ...headers, ...ex.headers };
        if (typeof ex.reply === 'string') sent.Accept = '*/*'; // a file download (wechatpay-java sends */*)
        if (op.requestBody?.content['multipart/form-data']) {
          body = new FormData();
          body.append('meta', JSON.stringify(ex.body));
          body.append('file', new Blob([Buffer.from('89504e47', 'hex')], { type: 'image/png' }), 'logo.png');
        } else if (ex.body !== undefined) {
          body = JSON.stringify(ex.body);
          sent['Content-Type'] = 'application/json';
        }
        const res = await fetch(base + ex.target, { method: ex.method, headers: sent, body });
        const text = await res.text();
        expect(res.status, `${op.operationId}: ${text}`).toBe(ex.status);
        expect(typeof ex.reply === 'string' ? text : JSON.parse(text), op.operationId).toEqual(ex.reply);

        // Each error status, with one of its examples asked for by name (Prefer: code, example), the
        // operation's at once: the n-th operation asks for the n-th example of each status, so across the
        // operations prism serves examples from every position. (Every example of every status, ≈ 420
        // requests, cost prism ≈ 4 s of CPU; that each one fits its schema is checked in process above.)
        const errors = Object.entries<any>(op.responses)
          .filter(([status]) => status >= '400')
          .map(([status, r]) => {
            const examples = Object.entries<any>(r.content['application/json'].examples);
            const [key, e] = examples[index % examples.length];
            return { status, key, value: e.value };
          });
        const answered = await Promise.all(
          errors.map(async ({ status, key }) => {
            const refused = await fetch(base + ex.target, {
              method: ex.method,
              headers: { ...sent, Prefer: `code=${status}, example=${key}` },
              body,
            });
            return [refused.status, await refused.json()];
          }),
        );
        expect(answered, op.operationId).toEqual(errors.map(({ status, value }) => [Number(status), value]));
      }
    } finally {
      prism.kill();
    }
  }, 60_000);
});
