/**
 * Ajv findings → the real API's PARAM_ERROR wording. The phrasing copies messages seen from the real
 * server, e.g. `输入源“/body/payer/openid”映射到字段“用户标识”必填性规则校验失败，此字段为必填项`,
 * `输入源“/body/attach”映射到值字段“附加数据”字符串规则校验失败，字节数 203，大于最大值 128`,
 * `无法将传入参数“订单优惠标记”转换为string/bytes类型。` (api-reference.md §5 and public issue threads).
 */
import type { ErrorObject } from 'ajv';

export type Location = 'body' | 'query' | 'url' | 'header';

/** How the real server names the input source in its messages. */
const SOURCE: Record<Location, string> = { body: '/body', query: '/query', url: '/uri_template', header: '/header' };

export interface ParamFinding {
  location: Location;
  /** JSON pointer for body fields, the parameter name elsewhere. */
  field: string;
  value: unknown;
  issue: string;
  /** The Chinese message in the real server's style. */
  message: string;
  keyword: string;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'string/bytes',
  integer: 'int64',
  number: 'double',
  boolean: 'bool',
  object: 'object',
  array: 'array',
};

/** A key as a JSON-pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`). */
export const pointerToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The keys a JSON pointer names, unescaped (`/a~1b/0` → `a/b`, `0`). */
export const pointerKeys = (pointer: string): string[] =>
  pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));

/** The value at a JSON pointer, undefined when absent; the one lookup for findings' `value`. */
export function valueAt(root: unknown, pointer: string): unknown {
  if (!pointer) return root;
  let node: unknown = root;
  for (const key of pointerKeys(pointer)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

type Schema = Record<string, unknown>;

/** The schema written in the contract for the value at `pointer`, through properties and items (labels and x-messages sit there, beside `$ref`s). */
export function schemaAt(root: unknown, pointer: string): Schema | undefined {
  let node = root as Schema | undefined;
  for (const key of pointerKeys(pointer)) {
    if (!node) return undefined;
    const props = node.properties as Record<string, Schema> | undefined;
    node = props?.[key] ?? (node.items as Schema | undefined);
  }
  return node;
}

const annotation = <T>(key: string, ...schemas: unknown[]): T | undefined => {
  for (const s of schemas) if (s && typeof s === 'object' && (s as Schema)[key] !== undefined) return (s as Schema)[key] as T;
  return undefined;
};

/** Ajv error → finding. Requires Ajv's `verbose` option (for `parentSchema`). */
export function describe(error: ErrorObject, location: Location, data: unknown, rootSchema?: unknown): ParamFinding {
  let pointer = error.instancePath;
  let fieldSchema: unknown = error.parentSchema;
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    pointer = `${pointer}/${missing}`;
    fieldSchema = (error.parentSchema?.properties as Record<string, unknown> | undefined)?.[missing];
  }
  const name = pointer.split('/').pop() || pointer;
  // Outside the body a field is named by its parameter; inside a JSON-encoded query parameter
  // (`x-json`) by the path below it: `authorized_data/business_type`, `/query/authorized_data/business_type`.
  const field = location === 'body' ? pointer : pointer.slice(1) || name;
  const source = `${SOURCE[location]}${location === 'body' ? pointer : `/${field}`}`;
  const declared = schemaAt(rootSchema, pointer);
  // A body that is not an object at all (`[]`, `"text"`, `null`) fails at the root, which has no name.
  const fieldLabel = annotation<string>('x-label', declared, fieldSchema) ?? (name || '请求体');
  const value = valueAt(data, pointer);
  const mapped = `输入源“${source}”映射到值字段“${fieldLabel}”`;
  let message: string;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      message = `输入源“${source}”映射到字段“${fieldLabel}”必填性规则校验失败，此字段为必填项`;
      break;
    case 'type':
      message = `无法将传入参数“${fieldLabel}”转换为${TYPE_NAMES[String(p.type)] ?? String(p.type)}类型。`;
      break;
    case 'maxLength': {
      // The real server's wording counts bytes (`字节数 203，大于最大值 128`, seen for ASCII text, where
      // bytes = characters). The contracts' limits count characters (≤ 10 Chinese characters pass a
      // limit of 10), so text beyond ASCII is counted, and named, in characters: `字符数 11，大于最大值 10`,
      // not a byte count that contradicts the limit (our choice; the real wording for it is not documented).
      const text = String(value);
      const chars = [...text].length;
      const ascii = Buffer.byteLength(text, 'utf8') === text.length;
      message = `${mapped}字符串规则校验失败，${ascii ? '字节数' : '字符数'} ${chars}，大于最大值 ${p.limit}`;
      break;
    }
    case 'minLength':
      message = `${mapped}字符串规则校验失败，字符数 ${[...String(value)].length}，小于最小值 ${p.limit}`;
      break;
    case 'pattern':
      message = `${mapped}字符串规则校验失败，字符串必须匹配正则表达式“${p.pattern}”`;
      break;
    case 'format':
      message = p.format === 'date-time' ? '输入时间格式错误' : `${mapped}格式规则校验失败，应为${p.format}格式`;
      break;
    case 'enum':
    case 'const':
      message = `${mapped}枚举规则校验失败，取值不在允许范围内`;
      break;
    case 'minimum':
    case 'exclusiveMinimum':
      message = `${mapped}数值规则校验失败，取值 ${String(value)}，小于最小值 ${p.limit}`;
      break;
    case 'maximum':
    case 'exclusiveMaximum':
      message = `${mapped}数值规则校验失败，取值 ${String(value)}，大于最大值 ${p.limit}`;
      break;
    case 'maxItems':
      message = `${mapped}数组规则校验失败，元素个数大于最大值 ${p.limit}`;
      break;
    case 'minItems':
      message = `${mapped}数组规则校验失败，元素个数小于最小值 ${p.limit}`;
      break;
    case 'uniqueItems':
      message = `${mapped}数组规则校验失败，元素不能重复`;
      break;
    default:
      message = `${mapped}规则校验失败`;
  }
  // A contract can carry the exact text the real API uses for one field and rule (`x-messages`).
  const custom = annotation<Record<string, string>>('x-messages', declared, fieldSchema);
  if (custom?.[error.keyword]) message = custom[error.keyword];
  return { location, field, value: echo(value), issue: error.message ?? error.keyword, message, keyword: error.keyword };
}

/** Objects and arrays longer than this (as JSON text) are not sent back whole. */
const ECHO_LIMIT = 256;
/** Strings longer than this are echoed cut (ours: the real API's echo of a huge value is not documented). */
const STRING_ECHO_LIMIT = 1024;

/**
 * The offending value as the envelope echoes it: scalars as sent (strings up to STRING_ECHO_LIMIT); an object or array as sent while
 * short, else its JSON text cut to ECHO_LIMIT characters; null when it is nested too deep to write at
 * all (a 1 MB body of `[[[[…` would otherwise overflow JSON.stringify and turn a 400 into a 500).
 */
export function echo(value: unknown): unknown {
  if (value === undefined) return null;
  // A long string comes back cut too: a 1 MB value is not echoed whole into the reply and the journal.
  if (typeof value === 'string') return value.length <= STRING_ECHO_LIMIT ? value : `${value.slice(0, STRING_ECHO_LIMIT)}…`;
  if (value === null || typeof value !== 'object') return value;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return null;
  }
  return text.length <= ECHO_LIMIT ? value : `${text.slice(0, ECHO_LIMIT)}…`;
}

/** Most useful first, as the real server reports one problem at a time. */
const PRIORITY = ['required', 'type', 'format', 'enum', 'const', 'maxLength', 'minLength', 'pattern'];
export function firstError(errors: ErrorObject[]): ErrorObject {
  const rank = (e: ErrorObject) => {
    const i = PRIORITY.indexOf(e.keyword);
    return i === -1 ? PRIORITY.length : i;
  };
  return [...errors].sort((a, b) => rank(a) - rank(b))[0];
}
