/**
 * Regenerates the deterministic default world under fixtures/: merchants with their API keys and
 * self-signed certificates, the WeChat Pay platform certificate, the WeChat Pay public key, appids,
 * openids, brands, 商家券 stocks, goods and balances.
 *
 * TEST-ONLY material: every key written here is public in this repository.
 *
 * Run: npm run fixtures   (needs the `openssl` command for the X.509 certificates)
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const keysDir = join(root, 'keys');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomText = (n: number) => Array.from(randomBytes(n), (b) => ALNUM[b % ALNUM.length]).join('');

/** 40 uppercase hex digits with the high bit clear, so the DER integer has no leading 00. */
function certSerial(): string {
  const bytes = randomBytes(20);
  bytes[0] = 0x10 + (bytes[0] % 0x60);
  return bytes.toString('hex').toUpperCase();
}

function writeKeyPair(dir: string, fileName: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPath = join(dir, fileName);
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { keyPath, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

function selfSign(keyPath: string, certPath: string, serial: string, subject: string, days: number) {
  const args = [
    'req',
    '-new',
    '-x509',
    '-key',
    keyPath,
    '-out',
    certPath,
    '-days',
    String(days),
    '-subj',
    subject,
    '-set_serial',
    `0x${serial}`,
    '-sha256',
  ];
  execFileSync('openssl', args, { stdio: 'pipe' });
}

rmSync(keysDir, { recursive: true, force: true });
mkdirSync(join(keysDir, 'platform'), { recursive: true });

const rel = (p: string) => p.slice(root.length + 1);

// WeChat Pay platform certificate (certificate mode) — one for the whole mock.
const platformSerial = certSerial();
const platformKey = writeKeyPair(join(keysDir, 'platform'), 'wechatpay_key.pem');
const platformCertPath = join(keysDir, 'platform', 'wechatpay_cert.pem');
selfSign(
  platformKey.keyPath,
  platformCertPath,
  platformSerial,
  '/C=CN/ST=Guangdong/L=Shenzhen/O=Tenpay.com/OU=Tenpay.com CA Center/CN=Tenpay.com Root CA',
  1826,
);

// WeChat Pay public key (public-key mode): PUB_KEY_ID_ + 34 digits.
const pubKey = writeKeyPair(join(keysDir, 'platform'), 'pub_key_private.pem');
const pubKeyPath = join(keysDir, 'platform', 'pub_key.pem');
writeFileSync(pubKeyPath, pubKey.publicPem);
const publicKeyId = 'PUB_KEY_ID_' + '0119' + Array.from(randomBytes(30), (b) => String(b % 10)).join('');

type MerchantSeed = {
  mchid: string;
  name: string;
  brand_id: string;
  verification_mode: 'certificate' | 'public_key';
  balance: number;
  role: string;
  /** Opened after the switch to WeChat Pay public keys: no platform certificate at all. */
  public_key_only?: boolean;
  /** New 代金券 stocks wait in `audit` until a control call approves them. */
  stock_review?: boolean;
  /** Has not opened the 代金券 product: its 代金券 calls answer 403 REQUEST_BLOCKED 调用商户无权限. */
  no_favor_product?: boolean;
};
const merchantSeeds: MerchantSeed[] = [
  {
    mchid: '1900000001',
    name: '示例咖啡旗舰店',
    brand_id: '120344',
    verification_mode: 'certificate',
    balance: 100_000_000,
    role: 'coupon creator (brand 120344, certificate mode)',
  },
  {
    mchid: '1900000002',
    name: '示例咖啡分店',
    brand_id: '120344',
    verification_mode: 'public_key',
    balance: 10_000_000,
    role: 'second merchant of the same brand (public-key mode)',
  },
  {
    mchid: '1900000003',
    name: '无关便利店',
    brand_id: '120999',
    verification_mode: 'certificate',
    balance: 50_000_000,
    role: 'unrelated merchant of another brand',
  },
  {
    mchid: '1900000004',
    name: '余额不足小店',
    brand_id: '120999',
    verification_mode: 'certificate',
    balance: 100,
    role: 'merchant with almost no balance (prepaid stocks fail to start)',
  },
  {
    mchid: '1900000005',
    name: '新开通小店',
    brand_id: '120555',
    verification_mode: 'public_key',
    public_key_only: true,
    balance: 10_000_000,
    role: 'merchant opened after the switch to WeChat Pay public keys: no platform certificate (/v3/certificates → 404), everything signed with the public key',
  },
  {
    mchid: '1900000006',
    name: '审核批次商户',
    brand_id: '120999',
    verification_mode: 'certificate',
    stock_review: true,
    balance: 10_000_000,
    role: 'merchant whose new 代金券 stocks wait in audit until POST /_mock/favor/stocks/{stock_id}/approve',
  },
  {
    mchid: '1900000007',
    name: '未开通代金券商户',
    brand_id: '120999',
    verification_mode: 'certificate',
    no_favor_product: true,
    balance: 10_000_000,
    role: 'merchant that has not opened the 代金券 product: its 代金券 calls answer 403 REQUEST_BLOCKED 调用商户无权限',
  },
];

const merchants = merchantSeeds.map((m) => {
  const dir = join(keysDir, m.mchid);
  mkdirSync(dir, { recursive: true });
  const serial = certSerial();
  const key = writeKeyPair(dir, 'apiclient_key.pem');
  const certPath = join(dir, 'apiclient_cert.pem');
  selfSign(key.keyPath, certPath, serial, `/C=CN/O=${m.mchid}/OU=${m.mchid}/CN=${m.mchid}`, 1826);
  return {
    mchid: m.mchid,
    name: m.name,
    role: m.role,
    brand_id: m.brand_id,
    verification_mode: m.verification_mode,
    ...(m.public_key_only ? { public_key_only: true } : {}),
    ...(m.stock_review ? { stock_review: true } : {}),
    ...(m.no_favor_product ? { no_favor_product: true } : {}),
    serial_no: serial,
    apiv3_key: randomText(32),
    balance: m.balance,
    private_key_path: rel(key.keyPath),
    certificate_path: rel(certPath),
  };
});

const appids = [
  { appid: 'wx1a2b3c4d5e6f7001', type: 'MINI_PROGRAM', name: '示例咖啡小程序', mchids: ['1900000001'] },
  { appid: 'wx1a2b3c4d5e6f7002', type: 'OFFICIAL_ACCOUNT', name: '示例咖啡公众号', mchids: ['1900000001'] },
  { appid: 'wx1a2b3c4d5e6f7003', type: 'MINI_PROGRAM', name: '示例咖啡分店小程序', mchids: ['1900000002'] },
  { appid: 'wx1a2b3c4d5e6f7004', type: 'MINI_PROGRAM', name: '无关便利店小程序', mchids: ['1900000003'] },
  { appid: 'wx1a2b3c4d5e6f7005', type: 'MINI_PROGRAM', name: '直播间小程序（未绑定商户）', mchids: [] as string[] },
  { appid: 'wx1a2b3c4d5e6f7006', type: 'MINI_PROGRAM', name: '新开通小店小程序', mchids: ['1900000005'] },
  { appid: 'wx1a2b3c4d5e6f7007', type: 'MINI_PROGRAM', name: '审核批次商户小程序', mchids: ['1900000006'] },
];

// openids look like real ones: 'o' + 27 base64url characters. person_id marks the openids of one
// natural person across appids (natural_person_limit).
const openid = (seedText: string) => 'o' + Buffer.from(seedText.padEnd(21, '_')).toString('base64url').slice(0, 27);
const users: { openid: string; appid: string; person_id: string; risky?: boolean }[] = [];
appids.forEach((a, ai) => {
  for (let u = 1; u <= 5; u++)
    users.push({ openid: openid(`wxmock-${ai + 1}-user-${u}`), appid: a.appid, person_id: `person-${ai + 1}-${u}` });
});
// The first user of the mini program and of the official account are the same natural person.
users[5].person_id = users[0].person_id;
// A user the platform's risk control flags (fraud, bots, alt accounts): sends to it answer 403
// USER_ACCOUNT_ABNORMAL 用户非法 (api-reference.md §1.3).
users.push({ openid: openid('wxmock-1-risky-1'), appid: appids[0].appid, person_id: 'person-1-risky', risky: true });

const brands = [
  { brand_id: '120344', name: '示例咖啡' },
  { brand_id: '120999', name: '无关便利' },
  { brand_id: '120555', name: '新开通小店' },
];

const busifavorStocks = [
  {
    stock_id: '1212000000000001',
    owner_mchid: '1900000001',
    stock_name: '满100减10商家券',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 100000,
    max_coupons_per_user: 5,
    package_group: null,
  },
  {
    stock_id: '1212000000000002',
    owner_mchid: '1900000001',
    stock_name: '短期商家券',
    available_begin_time: '2026-01-01T00:00:00+08:00',
    available_end_time: '2026-02-01T00:00:00+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 1000,
    max_coupons_per_user: 1,
    package_group: null,
  },
  {
    stock_id: '1212000000000003',
    owner_mchid: '1900000001',
    stock_name: '上传code未上传',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'MERCHANT_UPLOAD',
    codes_uploaded: false,
    max_coupons: 1000,
    max_coupons_per_user: 1,
    package_group: null,
  },
  {
    stock_id: '1212000000000004',
    owner_mchid: '1900000001',
    stock_name: '上传code已上传',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'MERCHANT_UPLOAD',
    codes_uploaded: true,
    max_coupons: 1000,
    max_coupons_per_user: 1,
    package_group: null,
  },
  // A gift package: same inventory, per-user limit and owner.
  {
    stock_id: '1212000000000011',
    owner_mchid: '1900000001',
    stock_name: '礼包券A',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 5000,
    max_coupons_per_user: 1,
    package_group: 'gift-1',
  },
  {
    stock_id: '1212000000000012',
    owner_mchid: '1900000001',
    stock_name: '礼包券B',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 5000,
    max_coupons_per_user: 1,
    package_group: 'gift-1',
  },
  {
    stock_id: '1212000000000013',
    owner_mchid: '1900000001',
    stock_name: '礼包券C',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 5000,
    max_coupons_per_user: 1,
    package_group: 'gift-1',
  },
  {
    stock_id: '1212000000000014',
    owner_mchid: '1900000001',
    stock_name: '礼包券D不同库存',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 3000,
    max_coupons_per_user: 2,
    package_group: null,
  },
  // Two more of the package (a package of 5), then one stock per package attribute that differs from
  // A–C alone: per-user limit, inventory, owner (same brand), validity (still covering).
  {
    stock_id: '1212000000000015',
    owner_mchid: '1900000001',
    stock_name: '礼包券E',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 5000,
    max_coupons_per_user: 1,
    package_group: 'gift-1',
  },
  {
    stock_id: '1212000000000016',
    owner_mchid: '1900000001',
    stock_name: '礼包券F',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 5000,
    max_coupons_per_user: 1,
    package_group: 'gift-1',
  },
  {
    stock_id: '1212000000000017',
    owner_mchid: '1900000001',
    stock_name: '礼包券G不同限领',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 5000,
    max_coupons_per_user: 2,
    package_group: null,
  },
  {
    stock_id: '1212000000000018',
    owner_mchid: '1900000001',
    stock_name: '礼包券H不同库存',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 3000,
    max_coupons_per_user: 1,
    package_group: null,
  },
  {
    stock_id: '1212000000000019',
    owner_mchid: '1900000002',
    stock_name: '礼包券I分店所有',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 5000,
    max_coupons_per_user: 1,
    package_group: null,
  },
  {
    stock_id: '1212000000000020',
    owner_mchid: '1900000001',
    stock_name: '礼包券J不同有效期',
    available_begin_time: '2025-06-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 5000,
    max_coupons_per_user: 1,
    package_group: null,
  },
  {
    stock_id: '1212000000000021',
    owner_mchid: '1900000002',
    stock_name: '同品牌分店商家券',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 1000,
    max_coupons_per_user: 1,
    package_group: null,
  },
  {
    stock_id: '1212000000000031',
    owner_mchid: '1900000003',
    stock_name: '无关品牌商家券',
    available_begin_time: '2025-01-01T00:00:00+08:00',
    available_end_time: '2030-12-31T23:59:59+08:00',
    code_mode: 'WECHATPAY_MODE',
    codes_uploaded: true,
    max_coupons: 1000,
    max_coupons_per_user: 1,
    package_group: null,
  },
];

const goods = Array.from({ length: 10 }, (_, i) => ({
  goods_id: `goods-${String(i + 1).padStart(4, '0')}`,
  name: `示例商品${i + 1}`,
  price: 1000 + i * 500,
}));

const world = {
  $comment: 'TEST-ONLY fixtures for wxpay-mock. Every key below is public. Regenerate with `npm run fixtures`.',
  platform_certificate: {
    serial_no: platformSerial,
    certificate_path: rel(platformCertPath),
    private_key_path: rel(platformKey.keyPath),
  },
  public_key: {
    public_key_id: publicKeyId,
    public_key_path: rel(pubKeyPath),
    private_key_path: rel(pubKey.keyPath),
  },
  merchants,
  brands,
  appids,
  users,
  busifavor_stocks: busifavorStocks,
  goods,
};

writeFileSync(join(root, 'world.json'), JSON.stringify(world, null, 2) + '\n');
console.log(`fixtures written to ${root}`);
