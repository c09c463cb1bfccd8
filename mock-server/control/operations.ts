/**
 * The control API's operations as contracts (contracts/_mock/, loaded by the same loader as the WeChat
 * Pay operations, registry.ts, set `control`): each route is registered from its contract's method and
 * path, its path, query and body checked by the contract's validators (the same Ajv instances and
 * precompiled code), and every refusal is one envelope `{code, message, detail?}` rendered by
 * controlErrorResponse — contract findings, the domain modules' refusals and bugs alike.
 *
 * The control API is ours, not the real API's: its messages are English and name the field
 * (`limit must be an integer from 1 to 1000`); `detail` says where: `{field, location, value, issue}`,
 * the shape of the API's PARAM_ERROR detail. A contract can give its own text for a field and rule
 * with `x-messages` (`{"pattern": "…"}`, or `"*"` for any rule), as the WeChat Pay contracts do.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { ClockInputError } from '../clock-input.js';
import { echo, firstError, pointerKeys, schemaAt, valueAt } from '../contract/messages.js';
import { loadContracts, type CompiledOperation } from '../contract/registry.js';
import type { ControlOperations } from '../contract/generated/operations.js';
import type { JsonSchema } from '../contract/types.js';
import { CallbackError } from '../callbacks/errors.js';
import { ApiError, type ErrorCode } from '../errors.js';
import { FaultRuleError } from '../faults/rules.js';
import { jsonResponse } from '../http.js';
import type { Logger } from '../log.js';
import { FavorControlError } from '../operations/favor/redemption.js';
import { PaygiftControlError } from '../operations/paygift/control.js';
import { DEFAULT_CONTRACTS_DIR } from '../paths.js';
import { ScenarioError } from '../scenario.js';
import { SnapshotError } from '../store/snapshot.js';

/** Where the control API is mounted; contract paths start with it. */
export const CONTROL_PREFIX = '/_mock';

let loaded: Map<string, CompiledOperation> | undefined;

/**
 * The control contracts by operation id. Always the package's own (contracts/_mock/): the control API
 * is the mock's, not something a custom `contractsDir` describes. Loaded once per process; reply
 * validators compile on first use (the self-check and the tests use them).
 */
export function controlOperations(): Map<string, CompiledOperation> {
  return (loaded ??= new Map(
    loadContracts(DEFAULT_CONTRACTS_DIR, { set: 'control', responses: 'lazy' }).map((op) => [op.contract.operationId, op]),
  ));
}

export type ControlOperationId = keyof ControlOperations;

/**
 * A control request as its contract checked it, typed from the contract (`npm run types`,
 * contract/generated/operations.ts): query values coerced to the declared types, the body parsed.
 */
export interface ControlInput<K extends ControlOperationId> {
  params: ControlOperations[K]['params'];
  query: ControlOperations[K]['query'];
  /** The JSON body (`{}` when empty); undefined when the contract declares none (it is not read). */
  body: ControlOperations[K]['body'];
  c: Context;
}

/** A handler answers a value (sent as 200 JSON) or a Response of its own (another status, another type). */
export type ControlHandler<K extends ControlOperationId> = (input: ControlInput<K>) => unknown;

export interface RouteOptions {
  /** Before the body is read (PUT /_mock/snapshot: its own body limit). */
  middleware?: MiddlewareHandler[];
  /** How a body that is not JSON is refused (default `invalid JSON body`). */
  invalidJson?: string;
}

/** Registers control operations on a Hono app mounted at CONTROL_PREFIX, each at its contract's method and path. */
export class ControlRouter {
  private readonly registered = new Set<string>();

  constructor(
    readonly app: Hono,
    private readonly operations = controlOperations(),
  ) {}

  on<K extends ControlOperationId>(operationId: K, handler: ControlHandler<K>, options: RouteOptions = {}): this {
    const op = this.operations.get(operationId);
    if (!op) throw new Error(`no control contract ${operationId} (contracts/_mock/)`);
    if (this.registered.has(operationId)) throw new Error(`control operation ${operationId} registered twice`);
    this.registered.add(operationId);
    const path = op.contract.path.slice(CONTROL_PREFIX.length).replace(/\{(\w+)\}/g, ':$1') || '/';
    const route: MiddlewareHandler = async (c) => {
      const result = await handler((await controlInput(op, c, options.invalidJson)) as ControlInput<K>);
      return result instanceof Response ? result : c.json(result as object);
    };
    this.app.on([op.contract.method], [path], ...(options.middleware ?? []), route);
    return this;
  }
}

async function controlInput(op: CompiledOperation, c: Context, invalidJson = 'invalid JSON body') {
  const params = { ...c.req.param() } as Record<string, string>;
  refuse(op.validatePath, params, 'url');
  const query: Record<string, unknown> = { ...c.req.query() };
  refuse(op.validateQuery, query, 'query');
  let body: unknown;
  if (op.validateBody) {
    const text = await c.req.text();
    try {
      body = text.trim() ? JSON.parse(text) : {};
    } catch (err) {
      const issue = (err as Error).message;
      throw new ApiError('PARAM_ERROR', `${invalidJson}: ${issue}`, { field: '', location: 'body', value: null, issue });
    }
    refuse(op.validateBody, body, 'body');
  }
  return { params, query, body, c };
}

/** A query checked by a control contract outside the router (the validating proxy's /_mock/journal): the refusal, if any. */
export function controlQueryRefusal(operationId: ControlOperationId, query: Record<string, unknown>): ApiError | undefined {
  try {
    refuse(controlOperations().get(operationId)?.validateQuery, query, 'query');
    return undefined;
  } catch (err) {
    return err as ApiError;
  }
}

type Location = 'url' | 'query' | 'body';

/** A contract finding → 400 PARAM_ERROR naming the field; nothing when the part passes. */
function refuse(validate: ValidateFunction | undefined, data: unknown, location: Location): void {
  if (!validate || validate(data)) return;
  const errors = validate.errors ?? [];
  // A choice of forms (anyOf/oneOf) with a text of its own says that, not the first form's complaint.
  const choice = errors.find((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && xMessages(e.parentSchema)?.[e.keyword]);
  const error = choice ?? firstError(errors);
  throw new ApiError('PARAM_ERROR', ...describe(error, location, data, validate.schema as JsonSchema));
}

/** `/goods_detail/0/price` → `goods_detail[0].price`; the body itself is `body`. */
function fieldName(pointer: string, location: Location): string {
  const name = pointerKeys(pointer)
    .map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i ? `.${k}` : k))
    .join('');
  return name || (location === 'body' ? 'body' : location);
}

const xMessages = (schema: unknown) => (schema as JsonSchema | undefined)?.['x-messages'] as Record<string, string> | undefined;

const A: Record<string, string> = { object: 'an object', array: 'an array', integer: 'an integer' };
const article = (type: unknown) => (Array.isArray(type) ? type : [type]).map((t) => A[String(t)] ?? `a ${String(t)}`).join(' or ');

function describe(error: ErrorObject, location: Location, data: unknown, root: JsonSchema): [string, Record<string, unknown>] {
  let pointer = error.instancePath;
  if (error.keyword === 'required') pointer += `/${(error.params as { missingProperty: string }).missingProperty}`;
  if (error.keyword === 'additionalProperties') pointer += `/${(error.params as { additionalProperty: string }).additionalProperty}`;
  const field = fieldName(pointer, location);
  const declared = schemaAt(root, pointer) ?? (error.parentSchema as JsonSchema | undefined);
  const p = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as JsonSchema;
  let message: string;
  switch (error.keyword) {
    case 'required':
      message = `${field} is required`;
      break;
    case 'additionalProperties':
      message = `${field} is not a field of this operation`;
      break;
    case 'enum':
      message = `${field} must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
      break;
    case 'type':
    case 'minimum':
    case 'maximum':
      // An integer with bounds says them whatever the rule broken: `must be an integer from 1 to 1000`.
      if (parent.type === 'integer' && (parent.minimum !== undefined || parent.maximum !== undefined)) {
        message = `${field} must be an integer from ${parent.minimum ?? '-∞'}${parent.maximum !== undefined ? ` to ${parent.maximum}` : ''}`;
        break;
      }
      message = error.keyword === 'type' ? `${field} must be ${article(p.type)}` : `${field} ${error.message}`;
      break;
    default:
      message = `${field} ${error.message ?? 'is not valid'}`;
  }
  const custom = xMessages(error.keyword === 'anyOf' || error.keyword === 'oneOf' ? parent : declared);
  message = custom?.[error.keyword] ?? custom?.['*'] ?? message;
  const value =
    error.keyword === 'additionalProperties' || error.keyword === 'required' ? valueAt(data, pointer) : valueAt(data, error.instancePath);
  return [message, { field, location, value: echo(value), issue: error.message ?? error.keyword }];
}

/**
 * Every refusal of the control API as the one envelope. The domain modules keep their own error types
 * (the programmatic API throws them too: `useCoupon`, `clock.set`, `faults.add`, `restore`, `apply`);
 * this is the one place they become HTTP answers.
 */
export function controlError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  // Codes and statuses the domain chose (control/favor, control/paygift, callbacks).
  if (err instanceof FavorControlError || err instanceof PaygiftControlError || err instanceof CallbackError)
    return new ApiError(err.code as ErrorCode, err.message, undefined, err.status);
  if (err instanceof ClockInputError) return new ApiError('PARAM_ERROR', err.message, { field: err.field, location: 'body' });
  if (err instanceof FaultRuleError) return new ApiError('PARAM_ERROR', err.message);
  if (err instanceof SnapshotError) return new ApiError('PARAM_ERROR', `snapshot refused, nothing changed: ${err.message}`);
  if (err instanceof ScenarioError) {
    const detail = err.step
      ? { step: err.step, ...(err.line ? { line: err.line } : {}), ...(err.reply ? { reply: err.reply } : {}) }
      : undefined;
    return new ApiError('PARAM_ERROR', `scenario refused: ${err.message}`, detail);
  }
  return undefined;
}

/** The control API's onError: the envelope, or — a bug — 500 系统错误 with nothing internal, the details in the log. */
export function controlErrorResponse(err: unknown, logger?: Logger): Response {
  const known = controlError(err);
  if (known) return jsonResponse(known.status, known.toEnvelope());
  logger?.error('the control API', err);
  return jsonResponse(500, { code: 'SYSTEM_ERROR', message: '系统错误' });
}

/** 404 for a control operation this mock does not offer (an optional part left out, an unknown path). */
export const noSuchControlOperation = () => new ApiError('NOT_FOUND', 'no such control operation');
