/**
 * An id as a message shows it: as is when it is a plain token, quoted when it is empty, blank or
 * holds spaces — `no merchant "" in the fixture world`, never `no merchant  in the fixture world`.
 */
export function idText(value: unknown): string {
  const text = String(value);
  return /^[^\s"]+$/.test(text) ? text : JSON.stringify(text);
}
