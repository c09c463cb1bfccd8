/**
 * GET /_mock/journal/stream — the journal as server-sent events, for the dashboard and `curl -N`.
 * Takes the query of GET /_mock/journal (operation_id, mchid, status, code, findings; `limit` caps the
 * backlog sent first, default 200). One `entry` event per journal entry; its id is `<run>:<seq>`, so a
 * browser that reconnects (Last-Event-ID) resumes after the last entry it saw — and, when the mock was
 * restarted meanwhile (another run, seq from 1 again), starts over rather than waiting for seq to catch
 * up. `since_seq` (or a plain seq as Last-Event-ID) resumes after that seq.
 *
 * The stream looks for new entries every 250 ms rather than subscribing: the journal has no listener
 * API, and a poll over at most `journalSize` entries costs nothing next to a request.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import type { Journal, JournalEntry } from '../journal.js';

const POLL_MS = 250;
const KEEP_ALIVE_MS = 15_000;

/** One id per journal, i.e. per mock run. */
const runs = new WeakMap<Journal, string>();
function runOf(journal: Journal): string {
  let run = runs.get(journal);
  if (!run) runs.set(journal, (run = randomBytes(4).toString('hex')));
  return run;
}

/** The seq to resume after: from `<run>:<seq>` of this run, a plain seq, or `since_seq`; 0 for the whole backlog. */
function resumeAfter(c: Context, run: string): number {
  const last = c.req.header('Last-Event-ID');
  const ours = last ? /^(?:([0-9a-f]+):)?(\d{1,15})$/.exec(last.trim()) : null;
  const seq = ours ? (ours[1] === undefined || ours[1] === run ? Number(ours[2]) : 0) : Number(c.req.query('since_seq') ?? 0);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

export async function journalStream(c: Context, journal: Journal, entriesSince: (seq: number) => JournalEntry[]): Promise<Response> {
  // Hono's streaming helpers (six modules) are loaded by the first stream, not at every start.
  const { streamSSE } = await import('hono/streaming');
  const run = runOf(journal);
  let last = resumeAfter(c, run);
  return streamSSE(c, async (stream) => {
    let quietMs = 0;
    // `aborted`: the client went away (or the server closed the connection).
    while (!stream.aborted && !stream.closed) {
      const entries = entriesSince(last);
      for (const entry of entries) {
        await stream.writeSSE({ event: 'entry', id: `${run}:${entry.seq}`, data: JSON.stringify(entry) });
        last = entry.seq;
      }
      quietMs = entries.length ? 0 : quietMs + POLL_MS;
      // A comment line now and then, so proxies and idle timeouts keep the connection.
      if (quietMs >= KEEP_ALIVE_MS) {
        quietMs = 0;
        await stream.write(': keep-alive\n\n');
      }
      await stream.sleep(POLL_MS);
    }
  });
}
