/**
 * PostgreSQL for tests: the run's one throwaway cluster (test/setup/postgres-cluster.ts starts it on
 * first use) and a fresh, empty database per test, so tests never see each other's world.
 */
import pg from 'pg';
import { inject } from 'vitest';

let counter = 0;
const admins = new Map<string, pg.Pool>();

async function control(path: string, cluster: string): Promise<string> {
  const res = await fetch(`${inject('postgresControl')}${path}?cluster=${cluster}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`PostgreSQL test cluster: ${text}`);
  return text;
}

/**
 * The URL (database `postgres`) of the run's shared cluster, started if it is not yet — or of a
 * cluster of its own (`cluster`: a name) for a test that stops or restarts it.
 */
export function postgresCluster(cluster = 'shared'): Promise<string> {
  return control('/url', cluster);
}

/** A new empty database on the cluster; its URL. */
export async function freshDatabase(cluster = 'shared'): Promise<string> {
  const url = new URL(await postgresCluster(cluster));
  let admin = admins.get(cluster);
  if (!admin) {
    admins.set(cluster, (admin = new pg.Pool({ connectionString: url.href, max: 1 })));
    // The outage tests restart their cluster: an idle admin connection is cut then, and reconnects.
    admin.on('error', () => {});
  }
  const name = `t_${process.pid}_${++counter}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 STRATEGY file_copy`);
  url.pathname = `/${name}`;
  return url.href;
}

/** Stops a cluster (fast shutdown: connections are cut), starts it again, or both. Never the shared one. */
export const stopCluster = (cluster: string) => control('/stop', cluster).then(() => {});
export const startCluster = (cluster: string) => control('/start', cluster).then(() => {});
export const restartCluster = (cluster: string) => control('/restart', cluster).then(() => {});

export async function closeAdmin() {
  for (const admin of admins.values()) await admin.end();
  admins.clear();
}
