import { stat, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { usePostgresCluster } from '../support/postgres-cluster.js';
import { STORE_CREATED, linesOf, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();
const postgres = usePostgresCluster();

describe('papermail status before anything was stored', () => {
  let status: CliResult;
  let databasePath: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    databasePath = sandbox.path('papermail.db');
    status = await sandbox.run(['status']);
  });

  it('says the store does not exist yet, and does not create it', async () => {
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`store:    SQLite ${databasePath} does not exist yet`);
    await expect(stat(databasePath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('says mail goes to the outbox and DKIM is not configured', () => {
    expect(status.stdout).toMatch(/^mail: +no SMTP_URL: \.eml files in /m);
    expect(status.stdout).toMatch(/^DKIM: +not configured$/m);
  });
});

describe('papermail status after an import and a send', () => {
  const password = 'pa55-word-never-shown';
  const secret = 'a-secret-of-forty-characters-never-shown';
  let created: CliResult;
  let secondCommand: CliResult;
  let status: CliResult;
  let databasePath: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    databasePath = sandbox.path('papermail.db');
    const csv = sandbox.path('list.csv');
    await writeFile(csv, 'email,name,status,topics\nada@example.com,Ada,confirmed,\nbob@example.com,Bob,pending,\n');
    created = await sandbox.run(['subscribers', 'import', csv]);
    secondCommand = await sandbox.run(['send', '--source', 'samples/2025-09-30.json']);
    status = await sandbox.run(['status'], {
      env: {
        SMTP_URL: `smtp://mailer:${password}@mail.example.org:587`,
        APP_SECRET: secret,
        DKIM_DOMAIN: 'example.org',
        DKIM_SELECTOR: 'papermail',
        DKIM_PRIVATE_KEY_FILE: sandbox.path('dkim.pem'),
      },
    });
  });

  it('says once, on stderr, where it created the new store', () => {
    expect(linesOf(created.stderr).filter((line) => STORE_CREATED.test(line))).toEqual([`created a new subscriber store at ${databasePath}`]);
    expect(created.stdout).not.toMatch(STORE_CREATED);
    expect(secondCommand.code).toBe(0);
    expect(secondCommand.stderr).not.toMatch(/created a new subscriber store/);
  });

  it('prints which store (SQLite and its path) and its subscribers by status', () => {
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`store:    SQLite ${databasePath}\n`);
    expect(status.stdout).toMatch(/^subscribers: 2 \(1 pending, 1 confirmed, 0 unsubscribed, 0 bounced\)$/m);
  });

  it('prints the last issue with its ledger counts', () => {
    expect(status.stdout).toMatch(/^ {2}2025-09-30 {2}0 pending, 0 sending, 1 sent, 0 deferred, 0 failed, 0 skipped {2}\S/m);
  });

  it('says SMTP and DKIM are configured, without the password', () => {
    expect(status.stdout).toMatch(/^mail: +SMTP smtp:\/\/mailer@mail\.example\.org:587$/m);
    expect(status.stdout).toMatch(/^DKIM: +signing as papermail\._domainkey\.example\.org$/m);
  });

  it('lists every setting in use with secrets hidden', () => {
    expect(status.stdout).toMatch(/^ {2}TOP_N=50$/m);
    expect(status.stdout).toContain(`  DATABASE_PATH=${databasePath}\n`);
    expect(status.stdout).toMatch(/^ {2}APP_SECRET=\(set, hidden\)$/m);
    expect(status.stdout).toMatch(/^ {2}SMTP_URL=\(set, hidden\)$/m);
    expect(status.stdout).toMatch(/^ {2}ADMIN_TOKEN=\(unset\)$/m);
    expect(status.stdout).not.toContain(password);
    expect(status.stdout).not.toContain(secret);
  });
});

describe('papermail status with DATABASE_URL', () => {
  const password = 'db-pa55word-never-shown';
  let imported: CliResult;
  let status: CliResult;
  let url: string;
  let databasePath: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    databasePath = sandbox.path('papermail.db');
    url = await postgres.cluster().newDatabase();
    await postgres.cluster().admin(`ALTER USER papermail PASSWORD '${password}'`);
    const env = { DATABASE_URL: url.replace('papermail@', `papermail:${password}@`) };
    const csv = sandbox.path('list.csv');
    await writeFile(csv, 'email,name,status,topics\nada@example.com,Ada,confirmed,\nbob@example.com,Bob,pending,\n');
    imported = await sandbox.run(['subscribers', 'import', csv], { env });
    status = await sandbox.run(['status'], { env });
  });

  it('keeps subscribers in PostgreSQL, not in a SQLite file', async () => {
    expect(imported.code).toBe(0);
    expect(imported.stderr).not.toMatch(STORE_CREATED);
    await expect(stat(databasePath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('names the PostgreSQL store without its password, with its subscribers by status', () => {
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`store:    PostgreSQL ${url}\n`);
    expect(status.stdout).toMatch(/^subscribers: 2 \(1 pending, 1 confirmed, 0 unsubscribed, 0 bounced\)$/m);
    expect(status.stdout).toMatch(/^ {2}DATABASE_URL=\(set, hidden\)$/m);
    expect(status.stdout).not.toContain(password);
  });
});
