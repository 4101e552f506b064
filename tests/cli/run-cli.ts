/**
 * Runs the real papermail CLI as a child process, the way a user does, inside a sandbox: its own
 * temporary database, outbox and cache, no papermail setting inherited from the caller, and an API
 * URL nobody listens on, so nothing ever reaches the network.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';
import { EnvSchema } from '../../src/config/config.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const CLI_ENTRY = join(REPO_ROOT, 'src/cli/main.ts');
// Absolute rather than the bare `tsx`, so the CLI also starts from a directory outside the repository.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
// Port 9 (discard) on loopback: connections are refused at once.
const UNREACHABLE_API = 'http://127.0.0.1:9/';
const SETTING_NAMES = Object.keys(EnvSchema.shape);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Variables for one run; `undefined` removes a variable from the sandbox's environment. */
export type EnvironmentChanges = Record<string, string | undefined>;

export interface RunOptions {
  env?: EnvironmentChanges;
  cwd?: string;
}

export interface ServingCli {
  /** http://127.0.0.1:<port> */
  url: string;
  /** What the server has written to stderr (its log) so far. */
  stderr(): string;
  /** SIGTERM, then the exit, as `run` reports it. */
  stop(): Promise<CliResult>;
}

export interface CliSandbox {
  readonly directory: string;
  readonly outboxDirectory: string;
  /** A path inside the sandbox directory. */
  path(...segments: string[]): string;
  /** `papermail <args>` with the repository as working directory unless `cwd` says otherwise. */
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  /** `node <script> <args>` in the same sandbox: the compiled CLI (bin/papermail.js) rather than the TypeScript. */
  runScript(script: string, args: string[], options?: RunOptions): Promise<CliResult>;
  /** `papermail serve <args>` on a free port, once it listens; stop() ends it with SIGTERM. */
  serve(args?: string[], options?: RunOptions): Promise<ServingCli>;
  /** Every .eml file under the outbox, sorted; none when the outbox does not exist. */
  outboxFiles(): Promise<string[]>;
}

/** Sandboxes for one test file, each in a fresh temporary directory deleted after the file's tests. */
export function useCliSandboxes(): { create(): Promise<CliSandbox> } {
  const directories: string[] = [];
  afterAll(async () => {
    await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
  });
  return {
    async create() {
      const directory = await mkdtemp(join(tmpdir(), 'papermail-cli-'));
      directories.push(directory);
      return sandboxIn(directory);
    },
  };
}

function sandboxIn(directory: string): CliSandbox {
  const outboxDirectory = join(directory, 'outbox');
  const environment = {
    ...environmentWithoutSettings(),
    DATABASE_PATH: join(directory, 'papermail.db'),
    OUTBOX_DIR: outboxDirectory,
    CACHE_DIR: join(directory, 'cache'),
    HF_API_URL: UNREACHABLE_API,
    FETCH_RETRIES: '0',
  };
  return {
    directory,
    outboxDirectory,
    path: (...segments) => join(directory, ...segments),
    run: (args, options = {}) => runCli(args, { cwd: options.cwd ?? REPO_ROOT, env: applyChanges(environment, options.env ?? {}) }),
    runScript: (script, args, options = {}) =>
      runProcess(process.execPath, [script, ...args], { cwd: options.cwd ?? REPO_ROOT, env: applyChanges(environment, options.env ?? {}) }),
    serve: (args = [], options = {}) =>
      serveCli(args, { cwd: options.cwd ?? REPO_ROOT, env: applyChanges(environment, { HOST: '127.0.0.1', PORT: '0', ...options.env }) }),
    outboxFiles: () => filesEndingWith(outboxDirectory, '.eml'),
  };
}

/**
 * The caller's environment with every papermail setting blank. Blank rather than absent: papermail
 * reads a blank setting as its default, and dotenv never overrides a variable that is present, so a
 * developer's own `.env` in the repository (say, with a real SMTP_URL) cannot leak into these runs.
 */
function environmentWithoutSettings(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) environment[name] = value;
  }
  for (const name of SETTING_NAMES) environment[name] = '';
  return environment;
}

function applyChanges(environment: Record<string, string>, changes: EnvironmentChanges): Record<string, string> {
  const changed = { ...environment };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete changed[name];
    else changed[name] = value;
  }
  return changed;
}

export function runCli(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  return runProcess(process.execPath, ['--import', TSX_LOADER, CLI_ENTRY, ...args], options);
}

/** Runs a program to its end and collects what it printed. */
export function runProcess(program: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `serve` and resolves once its log says where it listens; rejects if it exits first. */
function serveCli(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<ServingCli> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI_ENTRY, 'serve', ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const url = /server: listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url !== undefined) {
        resolve({
          url,
          stderr: () => stderr,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((result) => reject(new Error(`serve exited (${result.code}) before listening:\n${result.stderr}`)), reject);
  });
}

/** The non-empty lines of an output stream. */
export function linesOf(output: string): string[] {
  return output.split('\n').filter((line) => line.trim() !== '');
}

/** The note papermail prints once, on stderr, when it creates a new subscriber store. */
export const STORE_CREATED = /^created a new subscriber store at (.+)$/;

/** The lines of stderr other than that note: what a command says about its own work. */
export function errorLines(stderr: string): string[] {
  return linesOf(stderr).filter((line) => !STORE_CREATED.test(line));
}

/** True when an output shows a stack trace or a source location instead of a one-line message. */
export function showsStackTrace(output: string): boolean {
  return /^\s+at /m.test(output) || output.includes('.ts:');
}

async function filesEndingWith(directory: string, suffix: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.endsWith(suffix))
    .map((entry) => join(directory, entry))
    .sort();
}
