/**
 * The shared scenarios (test/conformance/) on the PostgreSQL store: the same create → send → use →
 * flows → refund, 支付有礼, COUPON.USE and 委托营销 steps through wechatpay-axios-plugin, with the mock's
 * state in a database of the test cluster (test/setup/postgres-cluster.ts) instead of memory.
 */
import { afterAll } from 'vitest';
import { postgresBackend } from '../mock-server/index.js';
import { axiosClient } from './conformance/clients/axios.js';
import { runConformance } from './conformance/suite.js';
import { closeAdmin, freshDatabase } from './helpers/postgres.js';

afterAll(closeAdmin);

runConformance({
  label: 'wechatpay-axios-plugin on the PostgreSQL store (1900000001)',
  mchid: '1900000001',
  create: (mock, merchant, mode) => axiosClient(mock.url, mock.credentials, merchant, mode),
  // The backend connects when the mock starts (in the suite's beforeAll).
  mockOptions: { store: await postgresBackend(await freshDatabase()) },
});
