/**
 * 委托营销 state types and rules (reading and writing the records is repository.ts's alone), kept under the authorizing merchant (`MerchantState.partnerships`): its partnerships
 * and the Idempotency-Key records of build and terminate. A merchant only ever reads and changes its
 * own, so another merchant's partnerships are invisible by construction.
 *
 * One record per (stock, partner): terminating keeps it (state TERMINATED, terminate_time), building
 * it again re-establishes the same record — create_time stays, build_time and update_time move. That
 * is our reading of the reply's three times (api-reference.md §4.1, samples/partnerships/*.json).
 */
import type { IdempotentReply } from '../../store/idempotency.js';
import type { MockData } from '../../store/state.js';
import { findPartnership, partnershipsOf } from './repository.js';

declare module '../../store/state.js' {
  interface MerchantState {
    /** 委托营销 partnerships this merchant built, and its build/terminate Idempotency-Key records. */
    partnerships?: PartnershipsState;
  }
}

export type PartnerType = 'APPID' | 'MERCHANT';
export type BusinessType = 'FAVOR_STOCK' | 'BUSIFAVOR_STOCK';
export type PartnershipStateName = 'ESTABLISHED' | 'TERMINATED';

export interface Partner {
  type: PartnerType;
  appid?: string;
  merchant_id?: string;
}

export interface AuthorizedData {
  business_type: BusinessType;
  stock_id: string;
}

export interface Partnership {
  /** As the build request sent it (both ids when both were sent and they match). */
  partner: Partner;
  authorized_data: AuthorizedData;
  state: PartnershipStateName;
  create_time: string;
  build_time: string;
  update_time: string;
  /** Set while TERMINATED; cleared when built again. */
  terminate_time?: string;
}

export interface PartnershipsState {
  /** partnershipKey → partnership, in creation order (the list's order). */
  relations: Record<string, Partnership>;
  /** Idempotency-Key → the first reply, per operation (ours: the docs define the key per merchant only). */
  build_requests: Record<string, IdempotentReply>;
  terminate_requests: Record<string, IdempotentReply>;
}

/** The id that names the partner: its appid for APPID, its merchant id for MERCHANT. */
export const partnerId = (partner: Partner): string | undefined => (partner.type === 'APPID' ? partner.appid : partner.merchant_id);

/** Is there an ESTABLISHED partnership of `owner` on this stock for this partner? */
export function isEstablished(data: MockData, owner: string, authorized: AuthorizedData, partner: Partner): boolean {
  return findPartnership(data, owner, authorized, partner)?.state === 'ESTABLISHED';
}

/** Every ESTABLISHED partnership of `owner`. */
export function establishedOf(data: MockData, owner: string): Partnership[] {
  return partnershipsOf(data, owner).filter((p) => p.state === 'ESTABLISHED');
}

// Replies list the fields in the documentation's order (§4.1), whatever order the request sent them in.
const partnerView = ({ type, appid, merchant_id }: Partner) => ({
  type,
  ...(appid !== undefined ? { appid } : {}),
  ...(merchant_id !== undefined ? { merchant_id } : {}),
});
const authorizedView = ({ business_type, stock_id }: AuthorizedData) => ({ business_type, stock_id });

/** A list row (§4.2): no `state`, `terminate_time` while terminated. */
export function partnershipRow(p: Partnership): Record<string, unknown> {
  return {
    partner: partnerView(p.partner),
    authorized_data: authorizedView(p.authorized_data),
    build_time: p.build_time,
    ...(p.terminate_time ? { terminate_time: p.terminate_time } : {}),
    create_time: p.create_time,
    update_time: p.update_time,
  };
}

/** The build reply (§4.1). */
export function buildReply(p: Partnership): Record<string, unknown> {
  return {
    partner: partnerView(p.partner),
    authorized_data: authorizedView(p.authorized_data),
    state: p.state,
    build_time: p.build_time,
    create_time: p.create_time,
    update_time: p.update_time,
  };
}
