/**
 * The contracts as one OpenAPI 3.1 document, for Postman, Swagger UI and code generators.
 *
 * Built from the operations the router compiles (so request bodies are closed exactly as the mock
 * enforces them), the shared $defs of contracts/common/ as components/schemas, each contract's errors
 * (plus the common table, declared-errors.ts) as error responses with the envelope schema, and the
 * COUPON.USE notification of contracts/callbacks/ as a webhook. JSON Schema carries over as is (3.1
 * schemas are JSON Schema 2020-12); only what OpenAPI spells differently is mapped:
 *   `common#/$defs/x`, `#/$defs/x` (inside common/<f>.json) → `#/components/schemas/<f>.x`
 *   format `rfc3339`   → `date-time` (the same RFC 3339 date-time, offset required)
 *   `x-label`          → also `title`;  `x-note` → also `description`;  `x-example` → also `examples`
 *   `x-not-open`       → also a line in `description`
 * The x- keywords themselves stay as specification extensions (x-messages: the real API's wording).
 *
 * Examples: every 2xx reply, request body and parameter shows the exchange recorded from the mock
 * itself (contracts/examples/exchanges.json, scripts/record-examples.ts), and every error status its
 * codes' messages — so a mock server built from the document (Prism) answers what wxpay-mock answers.
 * For third-party tools the document also avoids what they misread: an error schema is an `allOf`
 * of the envelope and its codes (no keywords beside a `$ref`), conditionals are spelt with `anyOf`
 * (see conditionalsAsAnyOf), and unused components are left out
 * (Redocly's `recommended` rules pass; test/openapi.test.ts runs them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONTRACTS_DIR, VERSION } from '../paths.js';
import { SCHEME } from '../protocol/authorization.js';
import { declaredErrors, isControlContract } from './declared-errors.js';
import { ContractError, loadContracts, loadSchemaFiles, type CompiledOperation } from './registry.js';
import type { Contract, JsonSchema } from './types.js';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8750';

export interface OpenApiOptions {
  /** `servers[0].url`: the mock's base URL (default http://127.0.0.1:8750). */
  serverUrl?: string;
  /** Contract directory (default: the package's contracts/). */
  contractsDir?: string;
  /** Operations already loaded from `contractsDir` (a running app's), to skip loading them again. */
  operations?: CompiledOperation[];
  /**
   * The control API (/_mock/, tag `mock-control`, from contracts/_mock/); default true. `false` leaves it
   * out: a client generated for WeChat Pay itself (or a Prism mock standing in for it) has no use for it.
   */
  control?: boolean;
}

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: Record<string, unknown>;
  servers: { url: string; description?: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  webhooks: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema> } & Record<string, unknown>;
} & Record<string, unknown>;

type OperationObject = Record<string, unknown> & { operationId: string };

const SCHEMAS = '#/components/schemas/';
const SECURITY = 'WechatPayAuthorization';
const ENVELOPE = `${SCHEMAS}common.error`;

/** The tag of the control API's operations (contracts/_mock/). */
export const CONTROL_TAG = 'mock-control';

const FAMILIES: Record<string, string> = {
  [CONTROL_TAG]:
    "wxpay-mock's own control API (/_mock/): unsigned, loopback clients only; not part of WeChat Pay. Clock, reset, journal, " +
    'faults, callbacks, snapshots and scenarios, state views. Refusals are `{code, message, detail?}`; a contract finding names the field.',
  favor: '代金券 (cash coupons) and the marketing image upload',
  paygift: '支付有礼 (pay-gift activities)',
  partnerships: '委托营销 (partnerships)',
  billdownload: 'bill file download (the use-flow / refund-flow links)',
  certificates: 'platform certificates',
};

/** The COUPON.USE webhook: its envelope and decrypted resource, by schema $id (contracts/callbacks/). */
const WEBHOOKS = { 'COUPON.USE': { notification: 'callbacks/coupon-use.notification', plaintext: 'callbacks/coupon-use.plaintext' } };

/** One exchange recorded from the mock (scripts/record-examples.ts): what a client sent and the 2xx it got. */
export interface RecordedExchange {
  method: string;
  /** Path and query exactly as sent. */
  target: string;
  headers?: Record<string, string>;
  /** The JSON body (for the image upload: the `meta` part). */
  body?: unknown;
  status: number;
  /** The JSON reply, or the text of a file reply. */
  reply: unknown;
}

/** Where a contracts dir keeps its recorded exchanges, by operation id. */
export const exchangesFile = (contractsDir: string) => join(contractsDir, 'examples', 'exchanges.json');

function loadExchanges(contractsDir: string): Record<string, RecordedExchange> {
  const file = exchangesFile(contractsDir);
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, 'utf8')) as { exchanges: Record<string, RecordedExchange> }).exchanges;
}

/**
 * Messages for the common error codes where a contract names none: the real API's texts for the
 * commonest cause (undeclared field, missing Accept/User-Agent, a bad signature, the FAQ's busy answer).
 */
const COMMON_MESSAGES: Record<string, string> = {
  PARAM_ERROR: '请求中含有未在API文档中定义的参数',
  INVALID_REQUEST: 'Http头缺少Accept或User-Agent',
  SIGN_ERROR: '错误的签名，验签失败',
  SYSTEM_ERROR: '系统繁忙',
};

const componentName = (id: string, def?: string) => (def ? `${id}.${def}` : id).replace(/\//g, '.');

/** A contract $ref as a component reference; anything else is refused rather than exported dangling. */
function componentRef(ref: string, baseId: string | undefined): string {
  const m = /^([\w\-/]*)#\/\$defs\/([\w-]+)$/.exec(ref);
  const id = m && (m[1] || baseId);
  if (!m || !id) throw new ContractError(`OpenAPI export: cannot map $ref "${ref}"${baseId ? ` in ${baseId}` : ''}`);
  return SCHEMAS + componentName(id, m[2]);
}

/** Keywords whose value is data, not a schema: copied untouched. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'required', '$comment', 'dependentRequired']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas']);

/** One contract schema as an OpenAPI 3.1 Schema Object (see the mapping in the header). */
export function toOpenApiSchema(schema: unknown, baseId?: string): any {
  const out = convertSchema(schema, baseId);
  conditionalsAsAnyOf(out);
  declareRequired(out, false);
  return out;
}

/**
 * What conditionalsAsAnyOf leaves for that rule: a `required` name inside a nested subschema (e.g. the
 * `items` of a conditional branch) that the schema's own `properties` do not list. Such a name gets an
 * empty schema there, with `additionalProperties: true` (both the defaults, so nothing changes:
 * Redocly's example check would otherwise treat a schema with `properties` as closed). Members of
 * `allOf`/`anyOf`/`oneOf` are left alone: the rule reads their parent's properties.
 */
function declareRequired(schema: unknown, member: boolean): void {
  if (Array.isArray(schema)) return schema.forEach((x) => declareRequired(x, member));
  if (!schema || typeof schema !== 'object') return;
  const s = schema as JsonSchema;
  for (const [k, v] of Object.entries(s))
    if (!DATA_KEYWORDS.has(k) && !k.startsWith('x-')) declareRequired(v, k === 'allOf' || k === 'anyOf' || k === 'oneOf');
  if (member || !Array.isArray(s.required) || s.additionalProperties !== undefined) return;
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  const missing = (s.required as string[]).filter((n) => !(n in properties));
  if (!missing.length) return;
  s.properties = { ...properties, ...Object.fromEntries(missing.map((n) => [n, {}])) };
  s.additionalProperties = true;
}

/**
 * `if`/`then`/`else` spelt as the equivalent `anyOf` (if A then B ≡ not A, or B). JSON Schema lets
 * `then: {required: [x]}` name a property its parent declares; Redocly's
 * `no-required-schema-properties-undefined` looks for `x` only in the schema itself or the schemas it
 * is an `allOf`/`anyOf`/`oneOf` member of, so the same rule written with `anyOf` passes it.
 */
function conditionalsAsAnyOf(schema: unknown): void {
  if (Array.isArray(schema)) return schema.forEach(conditionalsAsAnyOf);
  if (!schema || typeof schema !== 'object') return;
  const s = schema as JsonSchema;
  for (const [k, v] of Object.entries(s)) if (!DATA_KEYWORDS.has(k) && !k.startsWith('x-')) conditionalsAsAnyOf(v);
  if (s.if === undefined) return;
  const { if: condition, then: yes, else: no } = s;
  delete s.if;
  delete s.then;
  delete s.else;
  const branches =
    yes !== undefined && no !== undefined
      ? [{ allOf: [condition, yes] }, { allOf: [{ not: condition }, no] }]
      : yes !== undefined
        ? [{ not: condition }, yes]
        : no !== undefined
          ? [condition, no]
          : undefined;
  if (!branches) return;
  if (s.anyOf === undefined) s.anyOf = branches;
  else s.allOf = [...((s.allOf as unknown[]) ?? []), { anyOf: branches }];
}

function convertSchema(schema: unknown, baseId?: string): any {
  if (Array.isArray(schema)) return schema.map((s) => convertSchema(s, baseId));
  if (!schema || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema as JsonSchema)) {
    if (k === '$id' || k === '$defs') continue; // ids are the component names; $defs are hoisted
    if (k === '$ref') out.$ref = componentRef(v as string, baseId);
    else if (k === 'format' && v === 'rfc3339') out.format = 'date-time';
    else if (k.startsWith('x-') || DATA_KEYWORDS.has(k)) out[k] = structuredClone(v);
    else if (SCHEMA_MAPS.has(k))
      out[k] = Object.fromEntries(Object.entries(v as JsonSchema).map(([name, s]) => [name, convertSchema(s, baseId)]));
    else out[k] = convertSchema(v, baseId);
  }
  const s = schema as JsonSchema;
  if (typeof s['x-label'] === 'string' && out.title === undefined) out.title = s['x-label'];
  const notes = [s.description, s['x-note'], s['x-not-open'] && `Accepted but not open: ${s['x-not-open']}`].filter(
    (x) => typeof x === 'string' && x,
  );
  if (notes.length) out.description = notes.join('\n\n');
  if (s['x-example'] !== undefined && out.examples === undefined) out.examples = [structuredClone(s['x-example'])];
  return out;
}

/**
 * contracts/common/*.json $defs and the contracts/callbacks/ bodies as components/schemas; the control
 * API's shared defs (common/control.json) from the package when a custom contracts dir has none.
 */
function componentSchemas(contractsDir: string): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  const common = loadSchemaFiles(join(contractsDir, 'common'));
  if (!common.some((f) => f.schema.$id === 'control'))
    common.push(...loadSchemaFiles(join(DEFAULT_CONTRACTS_DIR, 'common')).filter((f) => f.schema.$id === 'control'));
  for (const { file, schema } of common) {
    const id = schema.$id as string | undefined;
    if (!id) throw new ContractError(`OpenAPI export: ${file} has no $id`);
    for (const [name, def] of Object.entries((schema.$defs ?? {}) as Record<string, JsonSchema>))
      schemas[componentName(id, name)] = toOpenApiSchema(def, id);
  }
  for (const { file, schema } of loadSchemaFiles(join(contractsDir, 'callbacks'))) {
    const id = schema.$id as string | undefined;
    if (!id) throw new ContractError(`OpenAPI export: ${file} has no $id`);
    schemas[componentName(id)] = toOpenApiSchema(schema, id);
  }
  return schemas;
}

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
const SIGNED_REPLY_HEADERS = [
  'Request-ID',
  'Wechatpay-Timestamp',
  'Wechatpay-Nonce',
  'Wechatpay-Signature',
  'Wechatpay-Serial',
  'Wechatpay-Signature-Type',
];

/** OpenAPI ignores these as header parameters: Authorization is the security scheme, the others are content negotiation. */
const NOT_PARAMETERS = new Set(['accept', 'content-type', 'authorization']);

/** The recorded request's path, query and header values, by parameter location and name. */
function exampleValues(contract: Contract, exchange: RecordedExchange | undefined): Record<string, Record<string, string>> {
  if (!exchange) return { path: {}, query: {}, header: {} };
  const url = new URL(exchange.target, 'http://example');
  const sent = url.pathname.split('/');
  const path: Record<string, string> = {};
  contract.path.split('/').forEach((segment, i) => {
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name && sent[i] !== undefined) path[name] = decodeURIComponent(sent[i]);
  });
  const header = Object.fromEntries(Object.entries(exchange.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return { path, query: Object.fromEntries(url.searchParams), header };
}

/** A parameter's text as its schema types it (`offset=0` is the integer 0), following component references. */
function typedExample(text: string, schema: JsonSchema, schemas: Record<string, JsonSchema>): unknown {
  let s: JsonSchema | undefined = schema;
  while (s && typeof s.$ref === 'string') s = schemas[s.$ref.slice(SCHEMAS.length)];
  if (s?.type === 'integer' || s?.type === 'number') return Number(text);
  if (s?.type === 'boolean') return text === 'true';
  return text;
}

/** The header parameters every WeChat Pay operation takes (none for the control API). */
const API_PARAMETERS = [{ $ref: '#/components/parameters/UserAgent' }, { $ref: '#/components/parameters/WechatpaySerial' }];

function parameters(
  contract: Contract,
  exchange: RecordedExchange | undefined,
  schemas: Record<string, JsonSchema>,
  common: unknown[] = API_PARAMETERS,
): unknown[] {
  const out: Record<string, unknown>[] = [];
  const examples = exampleValues(contract, exchange);
  for (const [location, where] of [
    ['path', 'path'],
    ['query', 'query'],
    ['headers', 'header'],
  ] as const) {
    const schema = contract.request?.[location];
    if (!schema) continue;
    const required = new Set((schema.required ?? []) as string[]);
    for (const [name, s] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
      if (where === 'header' && NOT_PARAMETERS.has(name.toLowerCase())) continue;
      const p: Record<string, unknown> = { name, in: where, required: where === 'path' || required.has(name) };
      const example = examples[where][where === 'header' ? name.toLowerCase() : name];
      // `x-json`: the value is JSON text (request-checks.ts decodeJsonQuery), which OpenAPI spells as `content`.
      if (s['x-json'] === true)
        p.content = {
          'application/json': { schema: toOpenApiSchema(s), ...(example === undefined ? {} : { example: JSON.parse(example) }) },
        };
      else {
        p.schema = toOpenApiSchema(s);
        if (example !== undefined) p.example = typedExample(example, p.schema as JsonSchema, schemas);
      }
      if (typeof s['x-label'] === 'string') p.description = s['x-label'];
      out.push(p);
    }
  }
  // A template parameter the contract does not describe is still a required path parameter.
  for (const [, name] of contract.path.matchAll(/\{(\w+)\}/g)) {
    if (!out.some((p) => p.in === 'path' && p.name === name))
      out.push({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
        ...(name in examples.path ? { example: examples.path[name] } : {}),
      });
  }
  return [...out, ...common];
}

/** Object-level rules of a path/query/header schema (conditionals, …) that per-parameter schemas cannot carry. */
function locationRules(contract: Contract): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const location of ['path', 'query', 'headers'] as const) {
    const schema = contract.request?.[location];
    if (
      schema &&
      Object.keys(schema).some((k) => !['type', 'required', 'properties', 'additionalProperties'].includes(k) && !k.startsWith('x-'))
    ) {
      out[`x-${location}-schema`] = toOpenApiSchema(schema);
    }
  }
  return out;
}

function requestBody(op: CompiledOperation, exchange: RecordedExchange | undefined): unknown {
  // The compiled body schema: closed (undeclared fields refused) exactly as the mock checks it.
  const body = op.validateBody?.schema as JsonSchema | undefined;
  if (!body) return undefined;
  if (op.contract.request.bodyEncoding === 'multipart') {
    return {
      required: true,
      description: 'Two parts: `meta` (JSON, the text the signature covers) and `file` (the image bytes).',
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['meta', 'file'],
            properties: {
              // JSON text, not an object: the signature covers its exact bytes, and tools that read multipart
              // parts as text (Prism) can check it.
              meta: {
                type: 'string',
                contentMediaType: 'application/json',
                contentSchema: toOpenApiSchema(body),
                description: 'The JSON text `{"filename","sha256"}`; the Authorization signature covers exactly these bytes.',
              },
              file: {
                type: 'string',
                contentMediaType: 'application/octet-stream',
                description: 'JPG, PNG or BMP (by content), at most 2 MiB; its SHA-256 is meta.sha256.',
              },
            },
          },
          encoding: { meta: { contentType: 'application/json' }, file: { contentType: 'image/jpeg, image/png, image/bmp' } },
        },
      },
    };
  }
  const example = exchange?.body === undefined ? {} : { example: exchange.body };
  return { required: true, content: { 'application/json': { schema: toOpenApiSchema(body), ...example } } };
}

function successResponse(contract: Contract, status: string, schema: JsonSchema, exchange: RecordedExchange | undefined): unknown {
  const example = exchange && String(exchange.status) === status ? { example: exchange.reply } : {};
  const signed = !contract.unsignedReply;
  const headers = Object.fromEntries((signed ? SIGNED_REPLY_HEADERS : ['Request-ID']).map((h) => [h, header(h)]));
  const description = signed
    ? 'Success; signed (verify Wechatpay-Signature over "timestamp\\nnonce\\nbody\\n").'
    : 'Success; a file, never signed.';
  if (status === '204') return { description, headers };
  // File replies (bill downloads) are the handler's CSV bytes (operations/favor/flows.ts), not JSON.
  if (contract.unsignedReply)
    return { description, headers, content: { 'text/csv': { schema: { ...toOpenApiSchema(schema), type: 'string' }, ...example } } };
  return { description, headers, content: { 'application/json': { schema: toOpenApiSchema(schema), ...example } } };
}

/**
 * One response per error status: the envelope, its `code` limited to the codes declared for that
 * status, and an example per declared error (its message, else one another contract gives the same
 * status and code, else the common table's).
 */
function errorResponses(contract: Contract, knownMessages: Map<string, string>, control = false): Record<string, unknown> {
  const byStatus = new Map<number, ReturnType<typeof declaredErrors>>();
  for (const e of declaredErrors(contract)) byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), e]);
  const out: Record<string, unknown> = {};
  for (const [status, errors] of [...byStatus].sort(([a], [b]) => a - b)) {
    const codes = [...new Set(errors.map((e) => e.code))];
    const examples: Record<string, unknown> = {};
    for (const e of errors) {
      const message = e.message ?? knownMessages.get(`${e.status} ${e.code}`) ?? COMMON_MESSAGES[e.code];
      if (!message) continue;
      let key = e.code;
      for (let n = 2; key in examples; n++) key = `${e.code}-${n}`;
      examples[key] = { summary: message, value: { code: e.code, message } };
    }
    out[String(status)] = {
      description: errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('\n\n'),
      ...(control ? {} : { headers: { 'Request-ID': header('Request-ID') } }),
      content: {
        'application/json': {
          // allOf, not keywords beside the $ref: tools that ignore $ref siblings (Prism's validation) would drop the codes.
          schema: { allOf: [{ $ref: ENVELOPE }, { type: 'object', properties: { code: { enum: codes } } }] },
          ...(Object.keys(examples).length ? { examples } : {}),
        },
      },
    };
  }
  return out;
}

interface DocumentInputs {
  exchanges: Record<string, RecordedExchange>;
  knownMessages: Map<string, string>;
  schemas: Record<string, JsonSchema>;
}

function operationObject(op: CompiledOperation, inputs: DocumentInputs): OperationObject {
  const c = op.contract;
  const exchange = inputs.exchanges[c.operationId];
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(c.responses ?? {})) responses[status] = successResponse(c, status, schema, exchange);
  Object.assign(responses, errorResponses(c, inputs.knownMessages));
  const family = c.operationId.split('.')[0];
  const sources = c.sources?.length ? `Sources:\n${c.sources.map((s) => `- ${s}`).join('\n')}` : undefined;
  const [summary, ...rest] = c.summary.split(' — ');
  return {
    operationId: c.operationId,
    summary,
    ...(rest.length || sources ? { description: [rest.join(' — '), sources].filter(Boolean).join('\n\n') } : {}),
    tags: [family],
    parameters: parameters(c, exchange, inputs.schemas),
    ...(requestBody(op, exchange) ? { requestBody: requestBody(op, exchange) } : {}),
    responses,
    ...locationRules(c),
    ...(c.sources ? { 'x-sources': c.sources } : {}),
    ...(c.unsignedReply ? { 'x-unsigned-reply': true } : {}),
  };
}

/**
 * A control API operation (contracts/_mock/): unsigned (`security: []`), JSON replies (the journal's
 * event stream: `replyType`), the recorded exchange as the 2xx example, another reply status (health's
 * 503) with its schema's `x-example`, and the control API's refusals (declared-errors.ts CONTROL_ERRORS).
 */
function controlOperationObject(op: CompiledOperation, inputs: DocumentInputs): OperationObject {
  const c = op.contract;
  const exchange = inputs.exchanges[c.operationId];
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(c.responses ?? {})) {
    const type = status === '200' && c.replyType ? c.replyType : 'application/json';
    const media: Record<string, unknown> = { schema: toOpenApiSchema(schema) };
    if (exchange && String(exchange.status) === status) media.example = exchange.reply;
    else {
      const example = (inputs.schemas[componentName(String(schema.$ref ?? '').replace(/#\/\$defs\//, '.'))] ?? schema)['x-example'];
      if (example !== undefined) media.examples = { [status]: { summary: `HTTP ${status}`, value: example } };
    }
    responses[status] = { description: status.startsWith('2') ? 'Success.' : `HTTP ${status}.`, content: { [type]: media } };
  }
  Object.assign(responses, errorResponses(c, inputs.knownMessages, true));
  const [summary, ...rest] = c.summary.split(' — ');
  const body = requestBody(op, exchange);
  return {
    operationId: c.operationId,
    summary,
    ...(rest.length ? { description: rest.join(' — ') } : {}),
    tags: [CONTROL_TAG],
    parameters: parameters(c, exchange, inputs.schemas, []),
    ...(body ? { requestBody: body } : {}),
    responses,
    security: [],
  };
}

function webhooks(schemas: Record<string, JsonSchema>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [event, ids] of Object.entries(WEBHOOKS)) {
    out[event] = {
      post: {
        operationId: `webhook.${event}`,
        summary: `${event} notification to the merchant's notify URL`,
        description:
          'POSTed to the notify URL set with favor.setCallback, signed like a reply (Wechatpay-* headers) and encrypted: ' +
          '`resource` decrypts (AEAD_AES_256_GCM with the APIv3 key) to the schema in `x-decrypted-resource`. ' +
          'Answer 200 or 204 within 5 s after verifying the signature; anything else is retried, 9 attempts in all.',
        parameters: ['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Serial'].map((name) => ({
          name,
          in: 'header',
          required: true,
          schema: { type: 'string' },
        })),
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: SCHEMAS + componentName(ids.notification) } } } },
        responses: {
          '200': { description: 'Verified and accepted.' },
          '204': { description: 'Verified and accepted.' },
          '4XX': { description: 'Refused (e.g. the signature does not verify); WeChat Pay retries.' },
          '5XX': { description: 'Failed; WeChat Pay retries.' },
        },
        // Inline: a component referenced only from an extension would be an unused component to tools.
        'x-decrypted-resource': structuredClone(schemas[componentName(ids.plaintext)]),
        security: [],
      },
    };
  }
  return out;
}

const SECURITY_DESCRIPTION = `Every request is signed with the merchant's API private key:
\`Authorization: ${SCHEME} mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"\`.
\`signature\` is base64 RSA-SHA256 (PKCS#1 v1.5) over "METHOD\\nREQUEST-TARGET\\nTIMESTAMP\\nNONCE\\nBODY\\n", where
REQUEST-TARGET is the path and query exactly as sent and BODY the raw body bytes (empty for GET; for the image upload,
the \`meta\` part's text). \`timestamp\` must be within ±300 s, \`serial_no\` the merchant certificate's serial.
The key is not static: generate the header per request (an SDK does). Replies (2xx) are signed by WeChat Pay in
the Wechatpay-* headers. wxpay-mock's test-only credentials: \`wxpay-mock credentials\`.`;

function components(schemas: Record<string, JsonSchema>): OpenApiDocument['components'] {
  const headerDoc = (description: string) => ({ description, schema: { type: 'string' } });
  return {
    schemas,
    securitySchemes: { [SECURITY]: { type: 'apiKey', in: 'header', name: 'Authorization', description: SECURITY_DESCRIPTION } },
    parameters: {
      UserAgent: {
        name: 'User-Agent',
        in: 'header',
        required: true,
        schema: { type: 'string', minLength: 1 },
        description: 'Required together with `Accept` (400 INVALID_REQUEST `Http头缺少Accept或User-Agent` otherwise).',
      },
      WechatpaySerial: {
        name: 'Wechatpay-Serial',
        in: 'header',
        required: false,
        schema: { type: 'string' },
        description: 'The platform certificate serial or `PUB_KEY_ID_…` the client trusts; the reply is signed with that key.',
      },
    },
    headers: {
      'Request-ID': headerDoc('Unique id of this request, for support.'),
      'Wechatpay-Timestamp': headerDoc('Unix seconds of the reply signature.'),
      'Wechatpay-Nonce': headerDoc('Random string of the reply signature.'),
      'Wechatpay-Signature': headerDoc('base64 RSA-SHA256 over "timestamp\\nnonce\\nbody\\n" with the platform key.'),
      'Wechatpay-Serial': headerDoc('Platform certificate serial or `PUB_KEY_ID_…` of the signing key.'),
      'Wechatpay-Signature-Type': headerDoc(`Always \`${SCHEME}\`.`),
    },
  };
}

/** The document without `servers`: built once per contract set, then stamped with a URL (openApiFor). */
function buildDocument(
  operations: CompiledOperation[],
  contractsDir: string,
  control: CompiledOperation[],
): Omit<OpenApiDocument, 'servers'> {
  const schemas = componentSchemas(contractsDir);
  const knownMessages = new Map<string, string>();
  for (const op of operations)
    for (const e of op.contract.errors ?? [])
      if (e.message && !knownMessages.has(`${e.status} ${e.code}`)) knownMessages.set(`${e.status} ${e.code}`, e.message);
  const inputs: DocumentInputs = { exchanges: loadExchanges(contractsDir), knownMessages, schemas };
  const paths: OpenApiDocument['paths'] = {};
  for (const op of [...operations, ...control].sort((a, b) => a.contract.path.localeCompare(b.contract.path))) {
    const object = isControlContract(op.contract) ? controlOperationObject(op, inputs) : operationObject(op, inputs);
    (paths[op.contract.path] ??= {})[op.contract.method.toLowerCase()] = object;
  }
  const hooks = webhooks(schemas);
  const parts = components(schemas);
  pruneSchemas(schemas, [paths, hooks, parts.parameters, parts.headers]);
  const families = [...new Set(operations.map((o) => o.contract.operationId.split('.')[0]))].sort();
  if (control.length) families.push(CONTROL_TAG);
  return {
    openapi: '3.1.0',
    info: {
      title: 'WeChat Pay APIv3 marketing — wxpay-mock contracts',
      version: VERSION,
      summary: 'The operations wxpay-mock emulates, generated from its contracts (contracts/**/*.json).',
      description:
        'Generated from the contracts wxpay-mock validates against. `x-label` is the field name the real API uses in messages, ' +
        '`x-messages` its exact wording per rule, `x-note` and `x-not-open` documentation. Request bodies refuse undeclared ' +
        'fields (400 PARAM_ERROR 请求中含有未在API文档中定义的参数), as the real API does. ' +
        "Tag `mock-control`: wxpay-mock's own control API (/_mock/, unsigned, loopback only), not part of WeChat Pay " +
        '(left out by `buildOpenApi({control: false})`).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: families.map((name) => (FAMILIES[name] ? { name, description: FAMILIES[name] } : { name })),
    security: [{ [SECURITY]: [] }],
    paths,
    webhooks: hooks,
    components: parts,
  };
}

/** Leaves out the component schemas nothing refers to (a shared $def no contract uses). */
function pruneSchemas(schemas: Record<string, JsonSchema>, roots: unknown[]): void {
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMAS)) {
        const name = v.slice(SCHEMAS.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(v);
    }
  };
  visit(roots);
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
}

/** A builder for one contract set: `(serverUrl) => document`, the heavy part done once, on first use. */
export function openApiFor(options: Omit<OpenApiOptions, 'serverUrl'> = {}): (serverUrl?: string) => OpenApiDocument {
  const contractsDir = options.contractsDir ?? DEFAULT_CONTRACTS_DIR;
  let text: string | undefined;
  return (serverUrl = DEFAULT_SERVER_URL) => {
    // The control API is the mock's own: always the package's contracts/_mock/ (as control/operations.ts loads it).
    const control = options.control === false ? [] : loadContracts(DEFAULT_CONTRACTS_DIR, { set: 'control', responses: 'lazy' });
    // The document needs the schemas, not reply validators: they are not compiled for it (≈0.4 s of
    // `wxpay-mock openapi`), as a start without validateResponses does not compile them.
    text ??= JSON.stringify(buildDocument(options.operations ?? loadContracts(contractsDir, { responses: 'lazy' }), contractsDir, control));
    const { openapi, info, ...rest } = JSON.parse(text) as Omit<OpenApiDocument, 'servers'>; // a fresh copy per caller: users mutate documents
    return { openapi, info, servers: [{ url: serverUrl.replace(/\/$/, ''), description: 'wxpay-mock' }], ...rest } as OpenApiDocument;
  };
}

/** The OpenAPI 3.1 document of the contracts, `servers` = `serverUrl`. */
export function buildOpenApi(options: OpenApiOptions = {}): OpenApiDocument {
  return openApiFor(options)(options.serverUrl);
}
