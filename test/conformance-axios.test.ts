/**
 * The shared scenarios (test/conformance/) through wechatpay-axios-plugin, unmodified, automatic
 * reply verification on: merchant 1900000001 trusting the platform certificate, merchant 1900000002
 * trusting the WeChat Pay public key (PUB_KEY_ID_…).
 */
import { axiosClient } from './conformance/clients/axios.js';
import { runConformance } from './conformance/suite.js';

runConformance({
  label: 'wechatpay-axios-plugin, certificate mode (1900000001)',
  mchid: '1900000001',
  create: (mock, merchant, mode) => axiosClient(mock.url, mock.credentials, merchant, mode),
});

runConformance({
  label: 'wechatpay-axios-plugin, public-key mode (1900000002)',
  mchid: '1900000002',
  create: (mock, merchant, mode) => axiosClient(mock.url, mock.credentials, merchant, mode),
});
