/**
 * The compiled CLI, as `npm ci` leaves it: a copy of the project built with `npm run build` in a
 * temporary folder, run through bin/papermail.js with plain node (no tsx).
 */
import { cp, mkdir, mkdtemp, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, linesOf, runProcess, useCliSandboxes, type CliResult, type CliSandbox } from './run-cli.js';

const sandboxes = useCliSandboxes();
const PROJECT_FILES = ['src', 'templates', 'samples', 'bin', 'topics.json', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

describe('the compiled CLI (npm run build, then bin/papermail.js)', () => {
  let project: string;
  let sandbox: CliSandbox;
  let bin: string;
  let beforeBuild: CliResult;
  let build: CliResult;
  let version: CliResult;
  let preview: CliResult;
  let addedFromElsewhere: CliResult;
  let listedFromElsewhere: CliResult;
  let stale: CliResult;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'papermail-dist-'));
    for (const name of PROJECT_FILES) await cp(join(REPO_ROOT, name), join(project, name), { recursive: true });
    await symlink(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'));
    await mkdir(join(project, 'subscribers'));
    // A relative store path in the project's .env, used from folders that have no .env of their own.
    await writeFile(join(project, '.env'), 'DATABASE_PATH=subscribers/from-env.db\n');
    sandbox = await sandboxes.create();
    bin = join(project, 'bin/papermail.js');

    beforeBuild = await sandbox.runScript(bin, ['--version']);
    build = await runProcess('npm', ['run', '-s', 'build'], { cwd: project, env: { ...process.env } as Record<string, string> });
    version = await sandbox.runScript(bin, ['--version']);
    preview = await sandbox.runScript(bin, ['preview', '--source', join(project, 'samples/2025-09-30.json'), '--out', sandbox.path('x.html')], {
      cwd: sandbox.directory,
    });
    const fromEnv = { DATABASE_PATH: undefined };
    addedFromElsewhere = await sandbox.runScript(bin, ['subscribers', 'add', 'ada@example.com'], { cwd: sandbox.directory, env: fromEnv });
    listedFromElsewhere = await sandbox.runScript(bin, ['subscribers', 'list'], { cwd: tmpdir(), env: fromEnv });
    // An edit after the build: the old JavaScript must not run as if it were current.
    const later = new Date(Date.now() + 60_000);
    await utimes(join(project, 'src/logger.ts'), later, later);
    stale = await sandbox.runScript(bin, ['--version']);
  }, 180_000);

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('refuses to start before the build, saying which command builds it', () => {
    expect(beforeBuild.code).toBe(1);
    expect(linesOf(beforeBuild.stderr)).toHaveLength(1);
    expect(beforeBuild.stderr).toMatch(/^papermail: the compiled CLI \(dist\/\) is missing: run `npm run build`/);
  });

  it('builds dist/ with tsc', async () => {
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect((await stat(join(project, 'dist/cli/main.js'))).isFile()).toBe(true);
  });

  it('runs from dist: --version prints the package version', () => {
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('finds the templates and topics from dist/, run from another folder', async () => {
    expect(preview.stderr).toBe('');
    expect(preview.code).toBe(0);
    expect((await stat(sandbox.path('x.html'))).size).toBeGreaterThan(10_000);
  });

  it('resolves a relative DATABASE_PATH against the folder of the .env it read, wherever it runs from', () => {
    expect(addedFromElsewhere.code).toBe(0);
    expect(addedFromElsewhere.stderr).toContain(`created a new subscriber store at ${join(project, 'subscribers/from-env.db')}`);
    expect(listedFromElsewhere.code).toBe(0);
    expect(listedFromElsewhere.stdout).toMatch(/^ada@example\.com\tpending/m);
    expect(listedFromElsewhere.stderr).toBe('');
  });

  it('refuses to run a build older than src/, saying which command rebuilds it', () => {
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^papermail: the compiled CLI \(dist\/\) is older than src\/: run `npm run build`/);
  });
});
