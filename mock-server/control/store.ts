/**
 * Control operations on the whole state: GET /_mock/snapshot (export), PUT /_mock/snapshot (import),
 * and POST /_mock/scenario (apply a declarative scenario through the real handlers, scenario.ts).
 * A snapshot may be larger than an API request: it is read up to SNAPSHOT_BODY_LIMIT.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { jsonResponse } from '../http.js';
import { ScenarioError, type ScenarioResult } from '../scenario.js';
import { SnapshotError, type Snapshot } from '../store/snapshot.js';

/** Largest snapshot accepted by PUT /_mock/snapshot (media included, base64). */
export const SNAPSHOT_BODY_LIMIT = 256 * 1024 * 1024;

export interface StoreControl {
  snapshot(): Promise<Snapshot>;
  restore(snapshot: unknown): Promise<void>;
  apply(scenario: unknown): Promise<ScenarioResult>;
}

const refusal = (status: number, code: string, message: string) => jsonResponse(status, { code, message });

export function storeControlRoutes(store: StoreControl): Hono {
  const app = new Hono();
  app.onError((err) => {
    if (err instanceof SnapshotError) return refusal(400, 'PARAM_ERROR', `snapshot refused, nothing changed: ${err.message}`);
    if (err instanceof ScenarioError)
      return jsonResponse(400, {
        code: 'PARAM_ERROR',
        message: `scenario refused: ${err.message}`,
        ...(err.step
          ? { detail: { step: err.step, ...(err.line ? { line: err.line } : {}), ...(err.reply ? { reply: err.reply } : {}) } }
          : {}),
      });
    throw err;
  });
  app.get('/snapshot', async (c) => c.json(await store.snapshot()));
  app.put(
    '/snapshot',
    bodyLimit({
      maxSize: SNAPSHOT_BODY_LIMIT,
      onError: () => refusal(400, 'INVALID_REQUEST', `a snapshot may be at most ${SNAPSHOT_BODY_LIMIT} bytes`),
    }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch (err) {
        return refusal(400, 'PARAM_ERROR', `snapshot refused, nothing changed: invalid JSON (${(err as Error).message})`);
      }
      await store.restore(body);
      return c.json({ status: 'restored' });
    },
  );
  app.post('/scenario', async (c) => c.json(await store.apply(await c.req.json())));
  return app;
}
