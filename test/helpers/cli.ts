/**
 * The built CLI started by a test: the base URL it prints on its first line.
 */
import type { ChildProcess } from 'node:child_process';

/** The URL of `listening on URL`; rejects, with what the CLI wrote to stderr, when it exits first. */
export function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c) => (err += c));
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the CLI exited ${code}${err ? `: ${err}` : ''}`)));
  });
}
