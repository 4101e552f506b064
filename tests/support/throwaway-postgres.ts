/**
 * A throwaway PostgreSQL cluster: Debian's `postgresql` binaries, `initdb` in a temporary
 * folder, `pg_ctl start` on a free loopback port (as the `postgres` user when running as
 * root, which initdb requires), fresh databases or schemas on demand, and `pg_ctl stop -m
 * immediate` plus the folder removed afterwards (also when the process exits without
 * stopping it). Without the binaries it fails, saying how to install them: CI does.
 * Free of vitest, so the bench and the soak start their clusters with it too; the test
 * files' hooks are in postgres-cluster.ts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'papermail';

export interface PostgresCluster {
  /** A URL for a new, empty database in the cluster. */
  newDatabase(): Promise<string>;
  /** A URL for a new database made as a copy of this cluster's database at `url` (which must have no open connection). */
  copyDatabase(url: string): Promise<string>;
  /**
   * A URL for a new, empty schema in one shared database: its connections see only that
   * schema (search_path), which is as good as a fresh database and much cheaper to make.
   */
  newSchema(): Promise<string>;
  /** Runs SQL as the superuser in the `postgres` database (ALTER DATABASE, pg_terminate_backend …). */
  admin(sql: string): Promise<void>;
  /** The server's process id (the postmaster, parent of every backend). */
  serverPid(): Promise<number>;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder; throws when there is none. */
export async function postgresBinaries(): Promise<string> {
  const versions = existsSync(POSTGRES_ROOT) ? await readdir(POSTGRES_ROOT) : [];
  const found = versions
    .filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (found.length === 0) {
    throw new Error(
      `PostgreSQL is not installed: no ${POSTGRES_ROOT}/*/bin/initdb. The store contract tests need it ` +
        '(Debian: apt-get install -y --no-install-recommends postgresql; .ci/run does this).',
    );
  }
  return join(POSTGRES_ROOT, found[0]!, 'bin');
}

export interface ClusterOptions {
  /**
   * Keep PostgreSQL's crash safety (fsync, full-page writes) for figures worth quoting; only
   * commits are not waited for on disk (synchronous_commit=off, like SQLite's WAL with
   * synchronous=NORMAL). Tests leave it off: durability is not what they check.
   */
  durable?: boolean;
  /** Passed as -c max_connections=…; PostgreSQL's default (100) when not given. */
  maxConnections?: number;
}

export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = await postgresBinaries();
  const directory = await mkdtemp(join(tmpdir(), 'papermail-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) await chown(directory, uidOf('postgres'), gidOf('postgres'));
  const data = join(directory, 'data');
  const port = await freePort();
  // initdb refuses to run as root: run the cluster as `postgres` then.
  const command = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);

  let started = false;
  const stopNow = () => {
    if (!started) return;
    started = false;
    const args = ['-D', data, '-m', 'immediate', 'stop'];
    try {
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args], { stdio: 'ignore' });
      else execFileSync(join(bin, 'pg_ctl'), args, { stdio: 'ignore' });
    } catch {
      // Already stopped.
    }
  };
  // A test process that exits without afterAll (a crash, a timeout) still stops its cluster.
  process.once('exit', stopNow);

  try {
    await command('initdb', ['-D', data, '-A', 'trust', '-U', SUPERUSER, '-E', 'UTF8', '--locale=C', '--no-sync']);
    // Durability is not what tests check: no fsync keeps a database per test cheap.
    const durability = options.durable ? '-c synchronous_commit=off' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
    const connections = options.maxConnections === undefined ? '' : ` -c max_connections=${options.maxConnections}`;
    const settings = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 ${durability}${connections}`;
    await command('pg_ctl', ['-D', data, '-o', settings, '-l', join(directory, 'log'), '-w', 'start']);
    started = true;
  } catch (error) {
    const log = await readFile(join(directory, 'log'), 'utf8').catch(() => '');
    await rm(directory, { recursive: true, force: true });
    throw new Error(`could not start a PostgreSQL cluster in ${directory}: ${(error as Error).message}\n${log}`);
  }

  const urlFor = (database: string) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  let databases = 0;
  let schemas = 0;
  let shared: Promise<string> | undefined;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  const newDatabase = async () => {
    databases += 1;
    const name = `test_${databases}`;
    await admin(`CREATE DATABASE ${name}`);
    return urlFor(name);
  };

  return {
    newDatabase,
    async copyDatabase(url) {
      const template = new URL(url).pathname.slice(1);
      databases += 1;
      const name = `copy_${databases}`;
      await admin(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      return urlFor(name);
    },
    async newSchema() {
      shared ??= newDatabase();
      const database = await shared;
      schemas += 1;
      const name = `test_schema_${schemas}`;
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${name}`);
      } finally {
        await client.end();
      }
      return `${database}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
    },
    admin,
    async serverPid() {
      return Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    },
    async stop() {
      stopNow();
      process.removeListener('exit', stopNow);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user]).toString().trim());
}
