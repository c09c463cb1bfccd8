/** The proxy's CLI-facing rules, apart so the CLI can check `--upstream` without loading the proxy. */

export const DEFAULT_PROXY_PORT = 8751;

/** `scheme://host[:port]` only: the signature covers the request target, so no path prefix. */
export function parseUpstream(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`upstream must be an absolute http(s) URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`upstream must be http or https, got "${text}"`);
  // The signature covers the request target: a path prefix would change what the upstream sees.
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username)
    throw new Error(`upstream must be scheme://host[:port] only, got "${text}"`);
  return url;
}
