/**
 * What the shared scenarios need besides the client: per merchant, the fixture facts that make a
 * scenario valid for it (fixtures/world.json), and the mock's control API over plain HTTP — the same
 * calls a Go, Java or PHP suite would make.
 */
export interface MerchantProfile {
  mchid: string;
  /** The key that signs this merchant's replies and callbacks: certificate serial or public key id. */
  mode: 'certificate' | 'public_key';
  /** An appid bound to the merchant, and a user of it (代金券 send). */
  appid: string;
  openid: string;
  /** The merchant's own 商家券 stock (支付有礼 award) and mini program. */
  awardStock: string;
  miniApp: string;
  /** Another merchant of the same brand, and one of another brand. */
  sameBrand: string;
  otherBrand: string;
  /** The 委托营销 partner (a certificate-mode merchant) with an appid of its own and a user of it. */
  partner: { mchid: string; appid: string; openid: string };
}

export const PROFILES: Record<string, MerchantProfile> = {
  '1900000001': {
    mchid: '1900000001',
    mode: 'certificate',
    appid: 'wx1a2b3c4d5e6f7001',
    openid: 'od3htb2NrLTEtdXNlci0xX19fX19',
    awardStock: '1212000000000001',
    miniApp: 'wx1a2b3c4d5e6f7001',
    sameBrand: '1900000002',
    otherBrand: '1900000003',
    partner: { mchid: '1900000003', appid: 'wx1a2b3c4d5e6f7004', openid: 'od3htb2NrLTQtdXNlci0xX19fX19' },
  },
  '1900000002': {
    mchid: '1900000002',
    mode: 'public_key',
    appid: 'wx1a2b3c4d5e6f7003',
    openid: 'od3htb2NrLTMtdXNlci0xX19fX19',
    awardStock: '1212000000000021',
    miniApp: 'wx1a2b3c4d5e6f7003',
    sameBrand: '1900000001',
    otherBrand: '1900000003',
    partner: { mchid: '1900000001', appid: 'wx1a2b3c4d5e6f7001', openid: 'od3htb2NrLTEtdXNlci0yX19fX19' },
  },
};

/** The mock's control API (/_mock/, unsigned, loopback). Throws on anything but 2xx. */
export function control(baseUrl: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}/_mock${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    /** Business time `time` (RFC 3339), frozen there. */
    setClock: (time: string) => call('POST', '/clock/set', { time, freeze: true }),
    useCoupon: (couponId: string, body: Record<string, unknown> = {}) => call('POST', `/favor/coupons/${couponId}/use`, body),
    refundCoupon: (couponId: string, body: Record<string, unknown> = {}) => call('POST', `/favor/coupons/${couponId}/refund`, body),
    deliveries: (query: string) => call('GET', `/callbacks?${query}`),
    delivery: (id: string, wait?: 'attempt' | 'settled') => call('GET', `/callbacks/${id}${wait ? `?wait=${wait}` : ''}`),
    replay: (id: string, body: Record<string, unknown>) => call('POST', `/callbacks/${id}/replay`, body),
    journal: (query = '') => call('GET', `/journal${query ? `?${query}` : ''}`),
  };
}

export type Control = ReturnType<typeof control>;

/** A request number unique in this process (one definition for every test). */
export { requestNo } from '../helpers/favor.js';
