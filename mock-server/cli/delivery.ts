/**
 * A COUPON.USE delivery as the CLI prints and judges it (use-coupon, trigger). Kept apart from the
 * dispatcher so that these commands, which only call a running mock over HTTP, load none of it (the
 * scheduler, for MAX_ATTEMPTS, loads only time.ts).
 */
import { MAX_ATTEMPTS } from '../callbacks/scheduler.js';
import type { DeliveryRecord } from '../callbacks/types.js';

/** The outcome, each attempt, the next one. */
export function describeDelivery(d: DeliveryRecord): string[] {
  const lines = [`COUPON.USE ${d.id} → ${d.url}: ${d.state}`];
  for (const a of d.attempts) {
    const what = a.status === null ? a.error : `HTTP ${a.status}${a.error ? ` (${a.error})` : ''}`;
    lines.push(
      `  ${a.probe ? 'probe' : `attempt ${a.n}/${MAX_ATTEMPTS}`}${a.round > 1 ? ` (replay ${a.round - 1})` : ''} at ${a.virtual_time}: ${what}, ${a.latency_ms} ms`,
    );
  }
  if (d.state === 'pending') lines.push(`  next attempt at ${d.next_attempt_at} (virtual time)`);
  return lines;
}

/** Whether a delivery as waited for counts as delivered (the exit status of trigger and use-coupon). */
export function deliveryFailed(delivery: DeliveryRecord, timedOut: boolean): boolean {
  if (timedOut || delivery.state === 'failed') return true;
  const last = [...delivery.attempts].reverse().find((a) => !a.probe);
  return delivery.state !== 'delivered' && last?.outcome === 'failed';
}
