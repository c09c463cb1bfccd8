/**
 * PostgreSQL for tests: the run's one throwaway cluster (test/setup/postgres-cluster.ts starts it on
 * first use) and a fresh, empty database per test, so tests never see each other's world.
 */
import pg from 'pg';
import { inject } from 'vitest';

let counter = 0;
let admin: pg.Pool | undefined;
let clusterUrl: string | undefined;

async function control(path: string): Promise<string> {
  const res = await fetch(`${inject('postgresControl')}${path}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`PostgreSQL test cluster: ${text}`);
  return text;
}

/** The cluster's URL (database `postgres`), started if it is not yet. */
export async function postgresCluster(): Promise<string> {
  return (clusterUrl ??= await control('/url'));
}

/** A new empty database on the cluster; its URL. */
export async function freshDatabase(): Promise<string> {
  const url = new URL(await postgresCluster());
  if (!admin) {
    admin = new pg.Pool({ connectionString: url.href, max: 1 });
    // The outage test restarts the cluster: an idle admin connection is cut then, and reconnects.
    admin.on('error', () => {});
  }
  const name = `t_${process.pid}_${++counter}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 STRATEGY file_copy`);
  url.pathname = `/${name}`;
  return url.href;
}

/** Stops the cluster (fast shutdown: connections are cut), starts it again, or both. */
export const stopCluster = () => control('/stop').then(() => {});
export const startCluster = () => control('/start').then(() => {});
export const restartCluster = () => control('/restart').then(() => {});

export async function closeAdmin() {
  await admin?.end();
  admin = undefined;
}
