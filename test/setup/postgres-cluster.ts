/**
 * A throwaway PostgreSQL cluster for the tests that need one (test/helpers/postgres.ts), started by
 * vitest's global setup ONLY when such a test asks for it: this setup serves a tiny HTTP control
 * endpoint on loopback, and the first request starts the cluster (initdb into a temp dir, a free
 * port, the socket in the temp dir) — so a run without PostgreSQL tests costs nothing. Every PG test
 * file of the run shares the one cluster (each test makes its own database); teardown stops the
 * cluster and removes the directory.
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then initdb and the server run as `nobody`
 * (setpriv), in a directory handed to that user. The binaries come from Debian's `postgresql`
 * package (/usr/lib/postgresql/<version>/bin; .ci/run installs it where missing).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { unusedPort } from '../helpers/ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the cluster control endpoint (GET /url, /stop, /start, /restart; `?cluster=NAME` for another cluster). */
    postgresControl: string;
  }
}

const run = promisify(execFile);
const NOBODY = 65534;

/** The newest Debian PostgreSQL with initdb, or a PATH-installed one. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(root, versions[0], 'bin');
  }
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    return initdb ? initdb.replace(/\/initdb$/, '') : undefined;
  } catch {
    return undefined;
  }
}

/** A throwaway cluster (also used by scripts/bench-replicas.ts, with `durable` on: fsync as in production). */
export class Cluster {
  private dir = '';
  private port = 0;
  private bin = '';
  private asRoot = process.getuid?.() === 0;

  constructor(private readonly durable = false) {}

  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** A command as the cluster's owner (nobody under root). */
  private exec(cmd: string, args: string[]) {
    const [file, argv] = this.asRoot
      ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', join(this.bin, cmd), ...args]]
      : [join(this.bin, cmd), args];
    return run(file, argv, { env: { ...process.env, LC_ALL: 'C', HOME: this.dir } });
  }

  async init() {
    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)');
    this.bin = bin;
    this.dir = mkdtempSync(join(tmpdir(), 'wxpay-mock-pg-'));
    if (this.asRoot) chownSync(this.dir, NOBODY, NOBODY);
    this.port = await unusedPort();
    await this.exec('initdb', ['-D', join(this.dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    await this.start();
  }

  start() {
    // fsync off for tests: a throwaway cluster; a restart (fast or immediate) still keeps every committed row.
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      ...(this.durable ? [] : ['-c fsync=off', '-c full_page_writes=off']),
      '-c max_connections=300',
    ].join(' ');
    return this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  }

  stop(mode = 'fast') {
    return this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
  }

  async remove() {
    if (!this.dir) return;
    await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject) {
  // Named clusters: `shared` for every test, others for tests that stop or restart theirs (an outage
  // must not reach the tests of another file running at the same time).
  const clusters = new Map<string, { cluster: Cluster; ready: Promise<void> }>();
  const server: Server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const name = url.searchParams.get('cluster') ?? 'shared';
    let entry = clusters.get(name);
    if (!entry) {
      const cluster = new Cluster();
      clusters.set(name, (entry = { cluster, ready: cluster.init() }));
    }
    const { cluster, ready } = entry;
    const answer = (work: () => Promise<unknown>) =>
      work().then(
        () => res.end(cluster.url),
        (err) => {
          res.statusCode = 500;
          res.end(String((err as Error).stack ?? err));
        },
      );
    if (url.pathname === '/url') return answer(() => ready);
    if (url.pathname === '/stop') return answer(() => ready.then(() => cluster.stop()));
    if (url.pathname === '/start') return answer(() => ready.then(() => cluster.start()));
    if (url.pathname === '/restart') return answer(() => ready.then(() => cluster.stop().then(() => cluster.start())));
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  project.provide('postgresControl', `http://127.0.0.1:${port}`);
  return async () => {
    server.close();
    for (const { cluster, ready } of clusters.values()) {
      await ready.catch(() => {});
      await cluster.remove();
    }
  };
}
