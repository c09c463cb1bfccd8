/**
 * The fixture world: merchants with their keys, the WeChat Pay platform certificate and public key,
 * appids, openids, brands, 商家券 stocks and goods. Static for the life of a mock; mutable state
 * (balances, stocks, coupons, ...) lives in the store and starts from `initialBalances()`.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FIXTURES_DIR } from './paths.js';
import { rfc3339 } from './time.js';

export type VerificationMode = 'certificate' | 'public_key';

export interface Merchant {
  mchid: string;
  name: string;
  role: string;
  brand_id: string;
  verification_mode: VerificationMode;
  /**
   * Opened after the switch to WeChat Pay public keys (protocol.md §2.4): no platform certificate, so
   * /v3/certificates answers 404 and every reply and callback is signed with the public key.
   */
  public_key_only?: boolean;
  /** New 代金券 stocks wait in `audit` until approved through the control API (the review is not documented). */
  stock_review?: boolean;
  /** Has not opened the 代金券 product: its 代金券 calls answer 403 REQUEST_BLOCKED 调用商户无权限 (operations/favor/product.ts). */
  no_favor_product?: boolean;
  serial_no: string;
  apiv3_key: string;
  balance: number;
  private_key_path: string;
  certificate_path: string;
}

export interface AppId {
  appid: string;
  type: string;
  name: string;
  mchids: string[];
}

export interface User {
  openid: string;
  appid: string;
  person_id: string;
  /** Flagged by the platform's risk control: sends answer 403 USER_ACCOUNT_ABNORMAL 用户非法. */
  risky?: boolean;
}

export interface Brand {
  brand_id: string;
  name: string;
}

export interface BusifavorStock {
  stock_id: string;
  owner_mchid: string;
  stock_name: string;
  available_begin_time: string;
  available_end_time: string;
  code_mode: 'WECHATPAY_MODE' | 'MERCHANT_UPLOAD' | 'MERCHANT_API';
  codes_uploaded: boolean;
  max_coupons: number;
  max_coupons_per_user: number;
  package_group: string | null;
}

export interface Goods {
  goods_id: string;
  name: string;
  price: number;
}

interface WorldFile {
  platform_certificate: { serial_no: string; certificate_path: string; private_key_path: string };
  public_key: { public_key_id: string; public_key_path: string; private_key_path: string };
  merchants: Merchant[];
  brands: Brand[];
  appids: AppId[];
  users: User[];
  busifavor_stocks: BusifavorStock[];
  goods: Goods[];
}

/** Key material resolved once at start: signing and verifying never touch the disk. */
export interface MerchantKeys {
  merchant: Merchant;
  /** Public key of the merchant API certificate: verifies request signatures. */
  verifyKey: KeyObject;
  privateKeyPem: string;
  certificatePem: string;
  privateKeyPath: string;
  certificatePath: string;
}

export interface PlatformKeys {
  certificate: {
    serial_no: string;
    pem: string;
    path: string;
    effective_time: string;
    expire_time: string;
    signKey: KeyObject;
    verifyKey: KeyObject;
  };
  publicKey: { id: string; pem: string; path: string; signKey: KeyObject; verifyKey: KeyObject };
}

export interface World {
  dir: string;
  merchants: Map<string, MerchantKeys>;
  platform: PlatformKeys;
  brands: Brand[];
  appids: Map<string, AppId>;
  users: User[];
  usersByOpenid: Map<string, User>;
  busifavorStocks: Map<string, BusifavorStock>;
  goods: Goods[];
}

export class FixtureError extends Error {}

const parsed = new Map<string, unknown>();

/**
 * Parsing the PEM keys and certificates is most of loadWorld's time; KeyObjects and certificates do
 * not change, so the worlds of one process (a test file's hundreds of createApp calls) share them,
 * by PEM text: the files are still read each time, an edited one is parsed again.
 */
function parsedOnce<T>(kind: string, pem: string, parse: (pem: string) => T): T {
  const key = `${kind}\0${pem}`;
  if (!parsed.has(key)) parsed.set(key, parse(pem));
  return parsed.get(key) as T;
}
const certificateOf = (pem: string) => parsedOnce('certificate', pem, (text) => new X509Certificate(text));
const privateKeyOf = (pem: string) => parsedOnce('private', pem, createPrivateKey);
const publicKeyOf = (pem: string) => parsedOnce('public', pem, createPublicKey);

/** Async only for `seed`: faker is loaded for it alone (see addSeededData). */
export async function loadWorld(options: { dir?: string; seed?: number } = {}): Promise<World> {
  const dir = options.dir ?? DEFAULT_FIXTURES_DIR;
  const file = join(dir, 'world.json');
  let raw: WorldFile;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as WorldFile;
  } catch (err) {
    throw new FixtureError(`cannot read fixtures ${file}: ${(err as Error).message}`);
  }
  const read = (p: string) => readFileSync(join(dir, p), 'utf8');

  const merchants = new Map<string, MerchantKeys>();
  for (const m of raw.merchants) {
    const certificatePem = read(m.certificate_path);
    merchants.set(m.mchid, {
      merchant: m,
      verifyKey: certificateOf(certificatePem).publicKey,
      privateKeyPem: read(m.private_key_path),
      certificatePem,
      privateKeyPath: join(dir, m.private_key_path),
      certificatePath: join(dir, m.certificate_path),
    });
  }

  const certPem = read(raw.platform_certificate.certificate_path);
  const x509 = certificateOf(certPem);
  const pubPem = read(raw.public_key.public_key_path);
  const platform: PlatformKeys = {
    certificate: {
      serial_no: raw.platform_certificate.serial_no,
      pem: certPem,
      path: join(dir, raw.platform_certificate.certificate_path),
      effective_time: rfc3339(new Date(x509.validFrom)),
      expire_time: rfc3339(new Date(x509.validTo)),
      signKey: privateKeyOf(read(raw.platform_certificate.private_key_path)),
      verifyKey: x509.publicKey,
    },
    publicKey: {
      id: raw.public_key.public_key_id,
      pem: pubPem,
      path: join(dir, raw.public_key.public_key_path),
      signKey: privateKeyOf(read(raw.public_key.private_key_path)),
      verifyKey: publicKeyOf(pubPem),
    },
  };

  const users = [...raw.users];
  const goods = [...raw.goods];
  if (options.seed !== undefined) await addSeededData(options.seed, raw.appids, users, goods);

  return {
    dir,
    merchants,
    platform,
    brands: raw.brands,
    appids: new Map(raw.appids.map((a) => [a.appid, a])),
    users,
    usersByOpenid: new Map(users.map((u) => [u.openid, u])),
    busifavorStocks: new Map(raw.busifavor_stocks.map((s) => [s.stock_id, s])),
    goods,
  };
}

/** `--seed N`: more users per appid and more goods, reproducibly (faker seeded with N). */
async function addSeededData(seed: number, appids: AppId[], users: User[], goods: Goods[]) {
  // Loaded only here: faker is ~0.5 MB of source, a start without --seed does not need it. The
  // English locale alone: the package root loads every locale (~300 ms).
  const { faker } = await import('@faker-js/faker/locale/en');
  faker.seed(seed);
  for (const app of appids) {
    for (let i = 0; i < 20; i++) {
      const openid = 'o' + faker.string.alphanumeric({ length: 27 });
      users.push({ openid, appid: app.appid, person_id: `seed-${seed}-${faker.string.alphanumeric(12)}` });
    }
  }
  for (let i = 0; i < 50; i++) {
    goods.push({
      goods_id: `goods-s${seed}-${faker.string.numeric(8)}`,
      name: faker.commerce.productName(),
      price: faker.number.int({ min: 100, max: 100_000 }),
    });
  }
}
