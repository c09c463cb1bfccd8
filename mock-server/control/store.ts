/**
 * Control operations on the whole state: GET /_mock/snapshot (export), PUT /_mock/snapshot (import),
 * and POST /_mock/scenario (apply a declarative scenario through the real handlers, scenario.ts).
 * A snapshot may be larger than an API request: it is read up to SNAPSHOT_BODY_LIMIT.
 */
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors.js';
import type { ScenarioResult } from '../scenario.js';
import type { Snapshot } from '../store/snapshot.js';
import type { ControlRouter } from './operations.js';

/** Largest snapshot accepted by PUT /_mock/snapshot (media included, base64). */
export const SNAPSHOT_BODY_LIMIT = 256 * 1024 * 1024;

export interface StoreControl {
  snapshot(): Promise<Snapshot>;
  restore(snapshot: unknown): Promise<void>;
  apply(scenario: unknown): Promise<ScenarioResult>;
}

export function storeControlRoutes(router: ControlRouter, store: StoreControl): void {
  // SnapshotError and ScenarioError become 400 PARAM_ERROR `snapshot refused, nothing changed: …` /
  // `scenario refused: …` (with detail {step, line, reply}) in the control API's envelope (operations.ts).
  router.on('control.snapshotExport', () => store.snapshot());
  router.on(
    'control.snapshotImport',
    async ({ body }) => {
      await store.restore(body);
      return { status: 'restored' };
    },
    {
      middleware: [
        bodyLimit({
          maxSize: SNAPSHOT_BODY_LIMIT,
          onError: () => {
            throw new ApiError('INVALID_REQUEST', `a snapshot may be at most ${SNAPSHOT_BODY_LIMIT} bytes`);
          },
        }),
      ],
      invalidJson: 'snapshot refused, nothing changed: invalid JSON',
    },
  );
  router.on('control.scenario', ({ body }) => store.apply(body));
}
