/**
 * What the validating proxy holds a forwarded exchange to, as findings in the journal's own shape:
 * the request against its operation's request schemas (the registry's compiled validators, through
 * the pipeline's own checks, so a finding reads exactly as the mock's would), and the upstream's reply
 * against the response schemas, the error envelope and the contract's declared errors
 * (`response-contract`). Nothing here changes a byte of what is forwarded.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { join } from 'node:path';
import { declaredErrors } from '../contract/declared-errors.js';
import { echo, valueAt } from '../contract/messages.js';
import { newAjv, loadSchemaFiles, type CompiledOperation } from '../contract/registry.js';
import type { Match } from '../contract/routes.js';
import { ApiError } from '../errors.js';
import type { Finding } from '../journal.js';
import { parseAuthorization } from '../protocol/authorization.js';
import { decodeMeta, readUpload } from '../protocol/multipart.js';
import { checkRequest, decodeJson, headersProblem, targetProblem } from '../request-checks.js';

export interface ForwardedRequest {
  method: string;
  /** Path and query exactly as the client sent them. */
  target: string;
  headers: Headers;
  body: Buffer;
}

const protocol = (issue: string, detail?: unknown): Finding => ({ kind: 'protocol', issue, ...(detail === undefined ? {} : { detail }) });

/** The calling merchant, from the Authorization header (not verified: the upstream does that). */
export function mchidOf(authorization: string | undefined): string | null {
  const parsed = parseAuthorization(authorization);
  return parsed.ok ? parsed.fields.mchid : null;
}

/**
 * The request's findings, in the pipeline's order: headers, body decoding, then the mock's own
 * contract checks (request-checks.ts checkRequest: path, query, headers, body, x-not-open fields). Unlike
 * the mock, which stops at the first refusal, every location is checked, so one pass reports
 * everything the real API could refuse.
 */
export function requestFindings(match: Match, req: ForwardedRequest): Finding[] {
  const findings: Finding[] = [];
  const problem = targetProblem(req.target);
  if (problem) findings.push(protocol(problem));
  if (!match.op) return [...findings, protocol(match.issue)];
  const op = match.op;
  const missing = headersProblem((name) => req.headers.get(name));
  if (missing) findings.push(protocol(missing));
  if (!parseAuthorization(req.headers.get('authorization')).ok)
    findings.push(protocol('Authorization is not a WECHATPAY2-SHA256-RSA2048 header'));

  let body: unknown;
  let bodyRead = false;
  try {
    if (op.contract.request.bodyEncoding === 'multipart') {
      const upload = readUpload(req.body, req.headers.get('content-type'));
      if (!upload.ok) throw upload.error;
      if (upload.notes) findings.push(...upload.notes); // e.g. no boundary parameter (read from the body)
      body = decodeMeta(upload.upload);
    } else if (op.contract.request.body) body = decodeJson(req.body, req.headers.get('content-type'));
    bodyRead = true;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // A missing `meta` part is a PARAM_ERROR (a required field); framing and encoding are the request's form.
    findings.push(
      err.code === 'PARAM_ERROR'
        ? { kind: 'contract', location: 'body', issue: err.message, message: err.message, detail: err.detail }
        : protocol(err.message, err.detail),
    );
  }
  // Every location is checked (`all`): each refusal is a finding, none stops the others.
  const contract = checkRequest(
    op,
    { target: req.target, params: match.params, header: (name) => req.headers.get(name), body: bodyRead ? { value: body } : undefined },
    false,
    true,
  );
  findings.push(...contract.findings);
  return findings;
}

export interface UpstreamReply {
  status: number;
  headers: Headers;
  /** The reply bytes; undefined when over the validation limit (forwarded, not checked). */
  body: Buffer | undefined;
}

export interface ReplyVerdict {
  findings: Finding[];
  code: string | null;
  message: string | null;
}

/** Findings per reply are capped: a reply of another shape altogether would flood the journal. */
const MAX_REPLY_FINDINGS = 20;
const SIGNATURE_HEADERS = ['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-signature', 'wechatpay-serial'];

const drift = (issue: string, more: Partial<Finding> = {}): Finding => ({ kind: 'response-contract', issue, ...more });

function schemaDrift(errors: ErrorObject[] | null | undefined, data: unknown): Finding[] {
  const all = errors ?? [];
  const out = all.slice(0, MAX_REPLY_FINDINGS).map((e) => {
    const field =
      e.keyword === 'additionalProperties'
        ? `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`
        : e.keyword === 'required'
          ? `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`
          : e.instancePath || '/';
    return drift(`${field} ${e.message}`, {
      location: 'body',
      field,
      value: echo(valueAt(data, field)),
      detail: { keyword: e.keyword, params: e.params, schemaPath: e.schemaPath },
    });
  });
  if (all.length > MAX_REPLY_FINDINGS) out.push(drift(`… and ${all.length - MAX_REPLY_FINDINGS} more schema errors in this reply`));
  return out;
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The checks of upstream replies: per-operation schemas from the registry, plus the shared error envelope. */
export class ReplyInspector {
  private readonly envelope: ValidateFunction;

  constructor(contractsDir: string) {
    // The envelope (common#/$defs/error) compiled by the registry's own Ajv set-up, strict JSON as for replies.
    const ajv = newAjv(false);
    for (const { schema } of loadSchemaFiles(join(contractsDir, 'common'))) ajv.addSchema(schema);
    const envelope = ajv.getSchema('common#/$defs/error');
    if (!envelope) throw new Error(`wxpay-mock proxy: ${contractsDir}/common has no $defs/error (the error envelope)`);
    this.envelope = envelope;
  }

  inspect(op: CompiledOperation | undefined, reply: UpstreamReply): ReplyVerdict {
    const { status, headers, body } = reply;
    const parsed = body && body.length ? parseJson(body) : undefined;
    const envelope =
      status >= 400 && parsed?.ok && this.envelope(parsed.value)
        ? (parsed.value as { code: string; message: string; detail?: unknown })
        : undefined;
    const verdict: ReplyVerdict = { findings: [], code: envelope?.code ?? null, message: envelope?.message ?? null };
    const f = verdict.findings;
    // A refused signature: the upstream's diagnosis (detail.sign_information) is what the client needs.
    if (status === 401 && envelope?.code === 'SIGN_ERROR') f.push({ kind: 'signature', issue: envelope.message, detail: envelope.detail });
    if (!op) return verdict;
    const contract = op.contract;

    if (status >= 200 && status < 300) {
      const validate = op.validateResponse.get(status);
      if (!validate)
        f.push(
          drift(
            `reply status ${status} is not declared by the contract (declared: ${[...op.validateResponse.keys()].join(', ') || 'none'})`,
            { value: status },
          ),
        );
      const missing = SIGNATURE_HEADERS.filter((h) => !headers.get(h));
      if (!contract.unsignedReply && missing.length)
        f.push(drift(`2xx reply is not signed: no ${missing.join(', ')}`, { location: 'header' }));
      if (!validate || contract.unsignedReply) return verdict; // files (bill downloads) are not JSON
      if (body === undefined) return verdict;
      if (status === 204) {
        if (body.length) f.push(drift(`204 reply has a body of ${body.length} bytes`, { location: 'body' }));
        return verdict;
      }
      if (!/^application\/json\b/i.test(headers.get('content-type') ?? ''))
        f.push(
          drift(`reply Content-Type is ${headers.get('content-type') ?? 'missing'}, not application/json`, {
            location: 'header',
            field: 'Content-Type',
          }),
        );
      if (!parsed?.ok) return (f.push(drift(`reply body is not JSON: ${parsed ? parsed.error : 'empty'}`, { location: 'body' })), verdict);
      if (!validate(parsed.value)) f.push(...schemaDrift(validate.errors, parsed.value));
      return verdict;
    }

    if (status >= 400) {
      if (body === undefined) return verdict;
      if (!envelope) {
        const why = !parsed ? 'empty body' : !parsed.ok ? `not JSON (${parsed.error})` : 'not {code, message, detail?}';
        f.push(
          drift(`error reply is not the error envelope: ${why}`, {
            location: 'body',
            value: parsed?.ok ? echo(parsed.value) : undefined,
            detail: parsed?.ok ? this.envelope.errors : undefined,
          }),
        );
        return verdict;
      }
      const declared = declaredErrors(contract);
      if (!declared.some((e) => e.status === status && e.code === envelope.code)) {
        const elsewhere = declared.filter((e) => e.code === envelope.code).map((e) => e.status);
        const issue = elsewhere.length
          ? `error code ${envelope.code} is declared with status ${[...new Set(elsewhere)].join('/')}, not ${status}`
          : `error code ${envelope.code} (status ${status}) is not declared for ${contract.operationId}`;
        f.push(drift(issue, { location: 'body', field: '/code', value: envelope.code, message: envelope.message }));
      }
      return verdict;
    }
    f.push(drift(`unexpected status ${status}`, { value: status }));
    return verdict;
  }
}
