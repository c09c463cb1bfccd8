/** The JSON body of a control request: `{}` when empty; a SyntaxError when it is not a JSON object. */
import type { Context } from 'hono';

export async function controlBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  const parsed = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SyntaxError('body must be a JSON object');
  return parsed as Record<string, unknown>;
}
