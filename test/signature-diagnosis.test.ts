/**
 * The journal explains a failed signature: the reply is the real server's 401 SIGN_ERROR, unchanged,
 * and the journal's `signature` finding carries a `hint` naming the client's mistake when one of the
 * known mistakes reproduces the signature (mock-server/protocol/verify-request.ts). Accepted
 * deviations (a lower-case serial) leave an `interop` finding.
 */
import { createPrivateKey, createSign } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIGN_MESSAGES } from '../mock-server/errors.js';
import type { Finding } from '../mock-server/index.js';
import { CREATOR, json, newMock, type TestMock } from './helpers/mock.js';

const CALLBACKS = '/v3/marketing/favor/callbacks';
const GET_CALLBACK = `${CALLBACKS}?mchid=${CREATOR}`;

let t: TestMock;
beforeAll(async () => {
  t = await newMock();
});
beforeEach(() => t.mock.reset());

const now = () => String(Math.floor(Date.now() / 1000));

/** An Authorization header over an arbitrary message: the way a buggy client builds one. */
function authorizationOver(message: string, o: { timestamp: string; nonce: string; mchid?: string; serial?: string; keyOf?: string }) {
  const m = t.mock.credentials.merchants.find((x) => x.mchid === (o.keyOf ?? o.mchid ?? CREATOR))!;
  const signature = createSign('RSA-SHA256').update(message).sign(createPrivateKey(m.merchant_private_key), 'base64');
  const serial = o.serial ?? t.mock.credentials.merchants.find((x) => x.mchid === (o.mchid ?? CREATOR))!.merchant_serial_no;
  return `WECHATPAY2-SHA256-RSA2048 mchid="${o.mchid ?? CREATOR}",nonce_str="${o.nonce}",timestamp="${o.timestamp}",serial_no="${serial}",signature="${signature}"`;
}

/** The one finding of the last journal entry of kind `kind`. */
function lastFinding(kind: Finding['kind']): Finding {
  const entry = t.mock.journal().at(-1)!;
  const found = entry.findings.filter((f) => f.kind === kind);
  expect(found, JSON.stringify(entry.findings)).toHaveLength(1);
  return found[0];
}

async function expectMismatch(res: Awaited<ReturnType<TestMock['call']>>) {
  expect(res.status).toBe(401);
  expect(json(res)).toMatchObject({ code: 'SIGN_ERROR', message: SIGN_MESSAGES.mismatch, detail: { detail: { issue: 'sign not match' } } });
  // The hint is the journal's: never in the reply.
  expect(JSON.stringify(json(res))).not.toContain('hint');
}

describe('signature mismatch: the journal names the mistake that reproduces the signature', () => {
  it('a body-less POST signed with 4 lines -> hint "4 lines; APIv3 requires 5 (an empty body line)"', async () => {
    const target = '/v3/marketing/paygiftactivity/activities/10028001/terminate';
    const ts = now();
    const nonce = 'k3j9x0a1b2';
    const res = await t.call('POST', target, {
      headers: { Authorization: authorizationOver(`POST\n${target}\n${ts}\n${nonce}\n`, { timestamp: ts, nonce }) },
    });
    await expectMismatch(res);
    expect(json(res).detail.sign_information.truncated_sign_message).toBe(`POST\n${target}\n${ts}\n${nonce}\n\n`);
    expect(lastFinding('signature').hint).toMatch(
      /^the signed message has 4 lines; APIv3 requires 5: a request without a body still signs an empty body line/,
    );
  });

  it('the absolute URL signed (http://host:port/…) -> hint to sign only path and query, and --real-bill-urls for downloadBill', async () => {
    const ts = now();
    const nonce = 'n0nce';
    const host = 'mock.internal:8750';
    const res = await t.call('GET', GET_CALLBACK, {
      headers: {
        Host: host,
        Authorization: authorizationOver(`GET\nhttp://${host}${GET_CALLBACK}\n${ts}\n${nonce}\n\n`, { timestamp: ts, nonce }),
      },
    });
    await expectMismatch(res);
    const hint = lastFinding('signature').hint!;
    expect(hint).toContain(
      `the signed URL line is the absolute URL "http://${host}${GET_CALLBACK}"; APIv3 signs only the path and query as sent ("${GET_CALLBACK}")`,
    );
    expect(hint).toContain('--real-bill-urls');
  });

  it('the real origin signed (https://api.mch.weixin.qq.com/…) -> hint to strip scheme and host', async () => {
    const ts = now();
    const res = await t.call('GET', GET_CALLBACK, {
      headers: {
        Authorization: authorizationOver(`GET\nhttps://api.mch.weixin.qq.com${GET_CALLBACK}\n${ts}\nabc\n\n`, {
          timestamp: ts,
          nonce: 'abc',
        }),
      },
    });
    await expectMismatch(res);
    expect(lastFinding('signature').hint).toMatch(/strip the scheme and host before signing$/);
  });

  it('the query left out of the signed URL -> hint to sign path and query', async () => {
    const ts = now();
    const res = await t.call('GET', GET_CALLBACK, {
      headers: { Authorization: authorizationOver(`GET\n${CALLBACKS}\n${ts}\nabc\n\n`, { timestamp: ts, nonce: 'abc' }) },
    });
    await expectMismatch(res);
    expect(lastFinding('signature').hint).toBe(
      `the signed URL line lacks the query string: sign "${GET_CALLBACK}", path and query exactly as sent`,
    );
  });

  it('a percent-decoded URL signed while the encoded one was sent -> hint to sign the target as sent', async () => {
    const target = '/v3/marketing/favor/users/od3htb2NrLTEtdXNlci0xX19fX19/coupons?appid=wx1a2b3c4d5e6f7001&status=SENDED&stock_id=%31%32';
    const ts = now();
    const res = await t.call('GET', target, {
      headers: { Authorization: authorizationOver(`GET\n${decodeURIComponent(target)}\n${ts}\nabc\n\n`, { timestamp: ts, nonce: 'abc' }) },
    });
    await expectMismatch(res);
    expect(lastFinding('signature').hint).toContain('the signed URL line is percent-decoded');
  });

  it('no final line feed -> hint that every line ends with \\n', async () => {
    const body = JSON.stringify({ mchid: CREATOR, notify_url: 'https://m.example.com/n' });
    const ts = now();
    const res = await t.call('POST', CALLBACKS, {
      rawBody: body,
      headers: { Authorization: authorizationOver(`POST\n${CALLBACKS}\n${ts}\nabc\n${body}`, { timestamp: ts, nonce: 'abc' }) },
    });
    await expectMismatch(res);
    expect(lastFinding('signature').hint).toMatch(/lacks the final line feed/);
  });

  it('compact JSON signed, pretty JSON sent -> hint to sign the exact bytes sent', async () => {
    const value = { mchid: CREATOR, notify_url: 'https://m.example.com/n' };
    const ts = now();
    const res = await t.call('POST', CALLBACKS, {
      rawBody: JSON.stringify(value, null, 2),
      headers: {
        Authorization: authorizationOver(`POST\n${CALLBACKS}\n${ts}\nabc\n${JSON.stringify(value)}\n`, { timestamp: ts, nonce: 'abc' }),
      },
    });
    await expectMismatch(res);
    expect(lastFinding('signature').hint).toMatch(/sign the exact bytes you send$/);
  });

  it("the right message signed with another merchant's key -> hint naming that merchant", async () => {
    const ts = now();
    const res = await t.call('GET', GET_CALLBACK, {
      headers: {
        Authorization: authorizationOver(`GET\n${GET_CALLBACK}\n${ts}\nabc\n\n`, { timestamp: ts, nonce: 'abc', keyOf: '1900000003' }),
      },
    });
    await expectMismatch(res);
    expect(lastFinding('signature').hint).toMatch(/^the message is right but it was signed with the private key of merchant 1900000003/);
  });

  it('an unknown mistake -> the generic hint pointing at sign_information', async () => {
    const ts = now();
    const res = await t.call('GET', GET_CALLBACK, {
      headers: { Authorization: authorizationOver(`GET\n/v3/other\n${ts}\nabc\n\n`, { timestamp: ts, nonce: 'abc' }) },
    });
    await expectMismatch(res);
    expect(lastFinding('signature').hint).toMatch(/^no known client mistake reproduces this signature/);
  });
});

describe('other signature failures carry a hint too', () => {
  it('format, timestamp, serial: the real message in the reply, the cause in the journal', async () => {
    const good = t.signer().authorization('GET', GET_CALLBACK);
    let res = await t.call('GET', GET_CALLBACK, { headers: { Authorization: good.replace(/",/g, '", ') } });
    expect([res.status, json(res).message]).toEqual([401, SIGN_MESSAGES.format]);
    expect(lastFinding('signature').hint).toMatch(/is not a key="value" pair/);

    res = await t.call('GET', GET_CALLBACK, {
      headers: { Authorization: t.signer().authorization('GET', GET_CALLBACK, undefined, { timestamp: Number(now()) - 900 }) },
    });
    expect([res.status, json(res).message]).toEqual([401, SIGN_MESSAGES.timestamp]);
    expect(lastFinding('signature').hint).toMatch(/^timestamp \d+ is 9\d\d s behind real time/);

    const serial = t.mock.credentials.platform_serial_no;
    res = await t.call('GET', GET_CALLBACK, { headers: { Authorization: good.replace(/serial_no="[^"]*"/, `serial_no="${serial}"`) } });
    expect([res.status, json(res).message, json(res).detail]).toEqual([401, SIGN_MESSAGES.serial, undefined]);
    expect(lastFinding('signature').hint).toContain(`serial_no ${serial} is not the serial of merchant ${CREATOR}'s API certificate`);
  });
});

describe('accepted deviations: an interop finding', () => {
  it('a lower-case serial_no is accepted (200) and journaled as interop with the upper-case serial to send', async () => {
    const m = t.mock.credentials.merchants[0];
    const body = JSON.stringify({ mchid: CREATOR, notify_url: 'https://m.example.com/n' });
    const ts = now();
    const authorization = authorizationOver(`POST\n${CALLBACKS}\n${ts}\nabc\n${body}\n`, {
      timestamp: ts,
      nonce: 'abc',
      serial: m.merchant_serial_no.toLowerCase(),
    });
    const res = await t.call('POST', CALLBACKS, { rawBody: body, headers: { Authorization: authorization } });
    expect(res.status).toBe(200);
    const note = lastFinding('interop');
    expect(note).toMatchObject({ field: 'serial_no', location: 'authorization', value: m.merchant_serial_no.toLowerCase() });
    expect(note.hint).toContain(m.merchant_serial_no);
  });

  it('the exact serial leaves no finding', async () => {
    const res = await t.call('GET', GET_CALLBACK);
    expect(res.status).toBe(404);
    expect(t.mock.journal().at(-1)!.findings).toEqual([]);
  });
});
