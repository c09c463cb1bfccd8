/**
 * The control API is described by contracts (contracts/_mock/): every contract is served at its method
 * and path, and a request whose path, query or body breaks its contract gets the one envelope
 * `{code, message, detail}` naming the field — through real HTTP, nothing changed.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContracts } from '../mock-server/contract/registry.js';
import { newMock, type TestMock } from './helpers/mock.js';

const CONTROL = loadContracts(undefined, { set: 'control', responses: 'lazy' });

describe('control API contracts', () => {
  let t: TestMock;
  beforeAll(async () => {
    t = await newMock();
  });
  const control = () => request(t.mock.listener);

  it('a bad body, query or path value → 400 PARAM_ERROR naming the field in message and detail; the state untouched', async () => {
    const before = (await control().get('/_mock/clock')).body;
    const cases: [string, string, object | undefined, object][] = [
      [
        'POST',
        '/_mock/clock/set',
        { time: '2027-01-04T10:00:00+08:00', freeze: 'yes' },
        { message: 'freeze must be a boolean', detail: { field: 'freeze', location: 'body', value: 'yes' } },
      ],
      [
        'POST',
        '/_mock/clock/advance',
        { by: '1d', surprise: 1 },
        { message: 'surprise is not a field of this operation', detail: { field: 'surprise', location: 'body', value: 1 } },
      ],
      [
        'POST',
        '/_mock/callbacks/coupon-use',
        { creator_mchid: '1900000001' },
        { message: 'coupon is required', detail: { field: 'coupon', location: 'body' } },
      ],
      [
        'POST',
        '/_mock/favor/coupons/1/use',
        { goods_detail: [{ goods_id: 'G1', quantity: 'two' }] },
        { message: 'goods_detail[0].quantity must be an integer from 1 to 2147483647', detail: { field: 'goods_detail[0].quantity' } },
      ],
      [
        'GET',
        '/_mock/callbacks?state=done',
        undefined,
        { message: 'state must be one of pending, delivered, failed', detail: { field: 'state', location: 'query', value: 'done' } },
      ],
      [
        'GET',
        '/_mock/state/deliveries?limit=0',
        undefined,
        { message: 'limit must be an integer from 1 to 1000', detail: { field: 'limit' } },
      ],
    ];
    for (const [method, path, body, expected] of cases) {
      const res = await control()[method === 'GET' ? 'get' : 'post'](path).send(body);
      expect([res.status, res.body.code], path).toEqual([400, 'PARAM_ERROR']);
      expect(res.body, path).toMatchObject(expected);
      expect(Object.keys(res.body).sort(), path).toEqual(['code', 'detail', 'message']);
    }
    expect((await control().get('/_mock/clock')).body.now_ms).toBeGreaterThanOrEqual(before.now_ms);
    expect((await control().get('/_mock/clock')).body.frozen).toBe(false);
  });

  it('a body that is not JSON, or not an object where one is declared → the same envelope', async () => {
    const notJson = await control().post('/_mock/clock/advance').set('Content-Type', 'application/json').send('{oops');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({
      code: 'PARAM_ERROR',
      message: expect.stringMatching(/^invalid JSON body: /),
      detail: { location: 'body' },
    });
    const list = await control().post('/_mock/clock/set').set('Content-Type', 'application/json').send('[1]');
    expect(list.body).toMatchObject({
      code: 'PARAM_ERROR',
      message: 'body must be an object',
      detail: { field: 'body', location: 'body' },
    });
    // A body of several forms (a rule or a list of them) says which forms, in the contract's words (x-messages).
    const rule = await control().post('/_mock/faults').set('Content-Type', 'application/json').send('"SYSTEM_ERROR"');
    expect(rule.body).toMatchObject({
      code: 'PARAM_ERROR',
      message: expect.stringMatching(/^the body must be a fault rule \(a JSON object\), a list of them/),
    });
  });

  it("every contract is served at its method and path (no contract without a route: none answers the fallback's 404)", async () => {
    for (const { contract } of CONTROL) {
      // Reads and removals only (writes are driven by the other tests); the event stream never ends.
      if ((contract.method !== 'GET' && contract.method !== 'DELETE') || contract.replyType) continue;
      const path = contract.path.replace(/\{\w+\}/g, 'nothing');
      const res = await control()[contract.method === 'GET' ? 'get' : 'delete'](path);
      expect(res.body.message, `${contract.method} ${path}`).not.toBe('no such control operation');
      expect(res.status, `${contract.method} ${path}`).not.toBe(500);
    }
    // And a path no contract has: the fallback.
    expect((await control().get('/_mock/nothing')).body).toEqual({ code: 'NOT_FOUND', message: 'no such control operation' });
  });
});
