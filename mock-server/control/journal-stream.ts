/**
 * GET /_mock/journal/stream — the journal as server-sent events, for the dashboard and `curl -N`.
 * Takes the query of GET /_mock/journal (operation_id, mchid, status, code, findings; `limit` caps the
 * backlog sent first, default 200). One `entry` event per journal entry, `id:` its seq, so a browser
 * that reconnects resumes after the last one it saw (Last-Event-ID).
 *
 * The stream looks for new entries every 250 ms rather than subscribing: the journal has no listener
 * API, and a poll over at most `journalSize` entries costs nothing next to a request.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { JournalEntry } from '../journal.js';

const POLL_MS = 250;
const KEEP_ALIVE_MS = 15_000;

export function journalStream(c: Context, entriesSince: (seq: number) => JournalEntry[]): Response {
  const resumeAt = Number(c.req.header('Last-Event-ID') ?? c.req.query('since_seq') ?? 0);
  let last = Number.isSafeInteger(resumeAt) && resumeAt > 0 ? resumeAt : 0;
  return streamSSE(c, async (stream) => {
    let quietMs = 0;
    // `aborted`: the client went away (or the server closed the connection).
    while (!stream.aborted && !stream.closed) {
      const entries = entriesSince(last);
      for (const entry of entries) {
        await stream.writeSSE({ event: 'entry', id: String(entry.seq), data: JSON.stringify(entry) });
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
