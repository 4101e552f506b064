/**
 * Child processes for the bench and the soak: entry points run by this same Node, TypeScript
 * ones through tsx and JavaScript ones (on the compiled dist/) as they are, with an IPC
 * channel for structured results. tsx is named by its full path, so
 * a child may run in any working directory (the soak runs the CLI in a scratch folder, where
 * no developer's .env can change its settings).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './workspace.js';

export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface ScriptOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Left out of this process's environment (e.g. every papermail setting, so only `env` counts). */
  withoutVariables?: readonly string[];
  /** What happens to the child's stdout and stderr: shown here ('inherit'), captured ('pipe') or dropped ('ignore'). */
  output?: 'inherit' | 'pipe' | 'ignore';
  nodeOptions?: string[];
  /** The child's working directory; the repository by default. */
  cwd?: string;
}

export function spawnScript(script: string, args: string[] = [], options: ScriptOptions = {}): ChildProcess {
  const output = options.output ?? 'inherit';
  const stdio: StdioOptions = ['ignore', output, output, 'ipc'];
  const loader = script.endsWith('.ts') ? ['--import', TSX_LOADER] : [];
  return spawn(process.execPath, [...(options.nodeOptions ?? []), ...loader, script, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...withoutVariables(process.env, options.withoutVariables ?? []), ...options.env },
    stdio,
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Runs a script that sends one { type: 'result' } message before exiting, and returns that result. */
export async function runForResult<Result>(script: string, args: string[], options: ScriptOptions = {}): Promise<Result> {
  const child = spawnScript(script, args, options);
  let result: Result | undefined;
  child.on('message', (message: { type?: string; result?: Result }) => {
    if (message.type === 'result') result = message.result;
  });
  const exit = await exitOf(child);
  if (result === undefined || exit.code !== 0) {
    throw new Error(`${script} ${args.join(' ')} ended with ${exit.signal ?? `exit code ${exit.code}`} and ${result === undefined ? 'no result' : 'a result'}`);
  }
  return result;
}

function withoutVariables(environment: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const kept = { ...environment };
  for (const name of names) delete kept[name];
  return kept;
}
