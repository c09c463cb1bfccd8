/**
 * Scenarios: a declarative JSON file that sets up a world through the real API — every step is a
 * signed request that goes through the whole pipeline (signature, contract, handler, rules), or a
 * control step (clock, use / refund a coupon). A refused step stops the scenario and names its
 * index and its line in the file; the steps before it stay done (each was an ordinary request).
 *
 *   { "scenario": "wxpay-mock-scenario", "version": 1, "as": "1900000001",
 *     "steps": [
 *       { "clock": { "freeze": "2026-03-02T10:00:00+08:00" } },
 *       { "op": "favor.setCallback", "body": { "mchid": "1900000001", "notify_url": "http://127.0.0.1:9000/notify" } },
 *       { "op": "favor.createStock", "body": { … }, "save": "stock" },
 *       { "op": "favor.startStock", "params": { "stock_id": "${stock.stock_id}" }, "body": { "stock_creator_mchid": "1900000001" } },
 *       { "op": "favor.sendCoupon", "params": { "openid": "…" }, "body": { "stock_id": "${stock.stock_id}", … }, "save": "coupon" },
 *       { "use_coupon": "${coupon.coupon_id}" } ] }
 *
 * `${name.path}` is replaced by a saved reply's field (a string that is only the reference keeps the
 * value's type); `${unique}` by a fresh token (for out_request_no and the like). `as` picks the
 * calling merchant (per step, or for the whole scenario). `expect` names another status than 2xx.
 * docs/guides/scenarios.md documents the format; fixtures/scenarios/ has examples.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSigner, type Signer } from './client/signer.js';
import type { CompiledOperation } from './contract/registry.js';
import type { World } from './world.js';
import { idText } from './id-text.js';

export const SCENARIO_FORMAT = 'wxpay-mock-scenario';

const UPLOAD_PATH = '/v3/marketing/favor/media/image-upload';
/** A 1×1 PNG: the image an `upload_image` step sends unless it gives its own. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

/** A scenario that cannot be read or whose step was refused: the message names the step and its line. */
export class ScenarioError extends Error {
  constructor(
    message: string,
    readonly step?: number,
    readonly line?: number,
    readonly reply?: { status: number; body: unknown },
  ) {
    super(message);
  }
}

export interface ScenarioStepResult {
  step: number;
  line?: number;
  kind: string;
  status?: number;
  saved?: string;
}

export interface ScenarioResult {
  steps: ScenarioStepResult[];
  /** What `save` kept, by name. */
  saved: Record<string, unknown>;
}

export interface ScenarioHost {
  world: World;
  operations: CompiledOperation[];
  request(path: string, init: RequestInit): Promise<Response>;
  clock: {
    freeze(at?: string | number): Promise<void>;
    set(at: string | number): Promise<void>;
    advance(by: string | number): Promise<void>;
    unfreeze(): Promise<void>;
  };
  useCoupon(couponId: string, options?: Record<string, unknown>): Promise<{ coupon: unknown }>;
  refundCoupon(couponId: string, options?: Record<string, unknown>): Promise<{ coupon: unknown; refund: unknown }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Line (1-based) where each element of the top-level `steps` array starts, by a scan of the JSON text. */
export function stepLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let lastKey = '';
  let key = '';
  let stepsDepth = -1;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      else key += ch;
      continue;
    }
    if (ch === '"') {
      if (depth === stepsDepth + 1 && stepsDepth >= 0 && expectElement) {
        lines.push(line);
        expectElement = false;
      }
      inString = true;
      key = '';
      continue;
    }
    if (ch === ':') lastKey = key;
    if (/\s/.test(ch)) continue;
    if (stepsDepth >= 0 && depth === stepsDepth + 1 && expectElement && ch !== ']' && ch !== ',') {
      lines.push(line);
      expectElement = false;
    }
    if (ch === '{' || ch === '[') {
      depth++;
      if (ch === '[' && depth === 2 && lastKey === 'steps' && stepsDepth < 0) {
        stepsDepth = depth - 1;
        expectElement = true;
      }
    } else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === stepsDepth) stepsDepth = -2;
    } else if (ch === ',' && stepsDepth >= 0 && depth === stepsDepth + 1) expectElement = true;
  }
  return lines;
}

/** Reads a scenario from its JSON text (a file) or a parsed value (the control API, mock.apply). */
export function readScenario(input: string | unknown): { steps: Record<string, unknown>[]; as?: string; lines: number[] } {
  let value: unknown = input;
  let lines: number[] = [];
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new ScenarioError(`a scenario is JSON: ${(err as Error).message}`);
    }
    lines = stepLines(input);
  }
  if (!isObject(value) || value.scenario !== SCENARIO_FORMAT)
    throw new ScenarioError(`not a wxpay-mock scenario ("scenario": "${SCENARIO_FORMAT}" is missing)`);
  if (value.version !== 1) throw new ScenarioError(`scenario version ${JSON.stringify(value.version)} is not supported (1 is)`);
  if (!Array.isArray(value.steps) || !value.steps.every(isObject)) throw new ScenarioError('"steps" must be an array of objects');
  if (value.as !== undefined && typeof value.as !== 'string') throw new ScenarioError('"as" must be a merchant id');
  return { steps: value.steps as Record<string, unknown>[], as: value.as as string | undefined, lines };
}

/** `${name.path}` and `${unique}` in every string of `value`. */
function resolve(value: unknown, saved: Record<string, unknown>, where: () => string): unknown {
  if (typeof value === 'string') {
    const lookup = (ref: string) => {
      if (ref === 'unique') return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
      let node: unknown = saved;
      for (const part of ref.split('.')) {
        node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
        if (node === undefined) throw new ScenarioError(`${where()}: \${${ref}} names nothing saved before it`);
      }
      return node;
    };
    const whole = /^\$\{([\w.]+)\}$/.exec(value);
    if (whole) return lookup(whole[1]);
    return value.replace(/\$\{([\w.]+)\}/g, (_m, ref: string) => String(lookup(ref)));
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, saved, where));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, saved, where)]));
  return value;
}

export async function applyScenario(host: ScenarioHost, input: string | unknown): Promise<ScenarioResult> {
  const scenario = readScenario(input);
  const saved: Record<string, unknown> = {};
  const results: ScenarioStepResult[] = [];
  const signers = new Map<string, Signer>();
  const signer = (mchid: string, where: string) => {
    const m = host.world.merchants.get(mchid);
    if (!m) throw new ScenarioError(`${where}: no merchant ${idText(mchid)} in the fixture world`);
    if (!signers.has(mchid))
      signers.set(
        mchid,
        createSigner({ mchid, serialNo: m.merchant.serial_no, privateKey: m.privateKeyPem, userAgent: 'wxpay-mock-scenario' }),
      );
    return signers.get(mchid)!;
  };
  const byId = new Map(host.operations.map((o) => [o.contract.operationId, o]));

  for (const [i, raw] of scenario.steps.entries()) {
    const line = scenario.lines[i];
    const where = () => `step ${i + 1}${line ? ` (line ${line})` : ''}`;
    const step = resolve(raw, saved, where) as Record<string, unknown>;
    const result: ScenarioStepResult = { step: i + 1, ...(line ? { line } : {}), kind: '' };
    let reply: unknown;
    if (typeof step.op === 'string') {
      const op = byId.get(step.op);
      if (!op) throw new ScenarioError(`${where()}: no operation ${step.op}`, i + 1, line);
      result.kind = step.op;
      const mchid = (step.as as string | undefined) ?? scenario.as ?? [...host.world.merchants.keys()][0];
      const params = isObject(step.params) ? step.params : {};
      let path = op.contract.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        if (params[name] === undefined) throw new ScenarioError(`${where()}: ${step.op} needs params.${name}`, i + 1, line);
        return encodeURIComponent(String(params[name]));
      });
      if (isObject(step.query)) {
        const query = Object.entries(step.query).map(
          ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`,
        );
        if (query.length) path += `?${query.join('&')}`;
      }
      const body = step.body === undefined ? undefined : JSON.stringify(step.body);
      const headers: Record<string, string> = {
        ...signer(mchid, where()).headers(op.contract.method, path, body),
        ...(isObject(step.headers) ? (step.headers as Record<string, string>) : {}),
      };
      const res = await host.request(path, { method: op.contract.method, headers, body });
      const text = await res.text();
      reply = text ? JSON.parse(text) : null;
      result.status = res.status;
      const expected = typeof step.expect === 'number' ? step.expect : undefined;
      const ok = expected === undefined ? res.status >= 200 && res.status < 300 : res.status === expected;
      if (!ok) {
        const what = isObject(reply) && typeof reply.code === 'string' ? `${reply.code} ${String(reply.message)}` : text.slice(0, 200);
        throw new ScenarioError(`${where()}: ${step.op} answered ${res.status} ${what}`, i + 1, line, { status: res.status, body: reply });
      }
    } else if (isObject(step.clock)) {
      result.kind = 'clock';
      const c = step.clock;
      try {
        if (c.freeze !== undefined) await host.clock.freeze(c.freeze === true ? undefined : (c.freeze as string | number));
        if (c.set !== undefined) await host.clock.set(c.set as string | number);
        if (c.advance !== undefined) await host.clock.advance(c.advance as string | number);
        if (c.unfreeze === true) await host.clock.unfreeze();
      } catch (err) {
        throw new ScenarioError(`${where()}: clock: ${(err as Error).message}`, i + 1, line);
      }
    } else if (isObject(step.upload_image)) {
      // A marketing image (multipart, the signature over `meta`): media URLs that stocks and activities may name.
      result.kind = 'upload_image';
      const mchid = (step.as as string | undefined) ?? scenario.as ?? [...host.world.merchants.keys()][0];
      const file = typeof step.upload_image.png_base64 === 'string' ? Buffer.from(step.upload_image.png_base64, 'base64') : TINY_PNG;
      const filename = typeof step.upload_image.filename === 'string' ? step.upload_image.filename : 'image.png';
      const meta = JSON.stringify({ filename, sha256: createHash('sha256').update(file).digest('hex') });
      const boundary = `scenario${randomBytes(8).toString('hex')}`;
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n${meta}\r\n`),
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        file,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const headers = {
        ...signer(mchid, where()).headers('POST', UPLOAD_PATH, meta),
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
      };
      const res = await host.request(UPLOAD_PATH, { method: 'POST', headers, body });
      const text = await res.text();
      reply = text ? JSON.parse(text) : null;
      result.status = res.status;
      if (res.status !== 200) throw new ScenarioError(`${where()}: upload_image answered ${res.status} ${text.slice(0, 200)}`, i + 1, line);
    } else if (typeof step.use_coupon === 'string' || typeof step.refund_coupon === 'string') {
      const use = typeof step.use_coupon === 'string';
      result.kind = use ? 'use_coupon' : 'refund_coupon';
      const options = isObject(step.options) ? step.options : {};
      try {
        reply = use
          ? await host.useCoupon(step.use_coupon as string, options)
          : await host.refundCoupon(step.refund_coupon as string, options);
      } catch (err) {
        throw new ScenarioError(`${where()}: ${result.kind}: ${(err as Error).message}`, i + 1, line);
      }
      if (isObject(reply)) reply = { coupon: reply.coupon, ...(reply.refund ? { refund: reply.refund } : {}) };
    } else {
      throw new ScenarioError(`${where()}: a step is one of "op", "clock", "upload_image", "use_coupon", "refund_coupon"`, i + 1, line);
    }
    if (typeof step.save === 'string') {
      saved[step.save] = reply;
      result.saved = step.save;
    }
    results.push(result);
  }
  return { steps: results, saved };
}
