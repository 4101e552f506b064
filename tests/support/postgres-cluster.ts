/**
 * One throwaway PostgreSQL cluster per test file (throwaway-postgres.ts): started before its
 * first test, a fresh schema or database per test, removed after its last test, also when
 * tests fail.
 */
import { afterAll, beforeAll } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from './throwaway-postgres.js';

export type { PostgresCluster } from './throwaway-postgres.js';

export function usePostgresCluster(): { cluster(): PostgresCluster } {
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return {
    cluster() {
      if (cluster === undefined) throw new Error('the PostgreSQL cluster is not running');
      return cluster;
    },
  };
}
