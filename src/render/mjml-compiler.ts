/**
 * MJML compiles in a child process, so mjml (about 45 MB resident once loaded) never sits in
 * a process that sends or serves. The child starts on the first compile, serves every compile
 * that follows closely (a day's issue compiles once or twice, plus its browser version), and
 * is let go once idle, so a long send carries none of it. It runs the compiled JavaScript next
 * to this module (dist/ in production), or the TypeScript through tsx in tests and development.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { PapermailError, type ErrorCode } from '../errors.js';

export interface CompileRequest {
  id: number;
  source: string;
  templateName: string;
}

export type CompileAnswer = { id: number; html: string } | { id: number; error: { code: ErrorCode; message: string } };

/** How long an idle compiler process is kept for the next compile before it is let go. */
const IDLE_MS = 500;

interface Compiler {
  child: ChildProcess;
  pending: Map<number, { resolve: (html: string) => void; reject: (error: unknown) => void }>;
  idle?: NodeJS.Timeout;
}

let compiler: Compiler | undefined;
let nextId = 0;

export function compileInChildProcess(source: string, templateName: string): Promise<string> {
  const current = compiler ?? (compiler = startCompiler());
  clearTimeout(current.idle);
  current.child.channel?.ref();
  const id = (nextId += 1);
  return new Promise((resolve, reject) => {
    current.pending.set(id, { resolve, reject });
    current.child.send({ id, source, templateName } satisfies CompileRequest);
  });
}

function startCompiler(): Compiler {
  const runsTypeScript = import.meta.url.endsWith('.ts');
  const entry = new URL(`./mjml-process.${runsTypeScript ? 'ts' : 'js'}`, import.meta.url);
  const execArgv = runsTypeScript ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  const child = fork(entry, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const started: Compiler = { child, pending: new Map() };
  // The compiler never keeps this process alive: only a compile waiting for its answer does.
  child.unref();
  child.on('message', (answer: CompileAnswer) => {
    const waiting = started.pending.get(answer.id);
    if (!waiting) return;
    started.pending.delete(answer.id);
    if ('html' in answer) waiting.resolve(answer.html);
    else waiting.reject(new PapermailError(answer.error.code, answer.error.message));
    if (started.pending.size === 0) {
      child.channel?.unref();
      started.idle = setTimeout(() => letGo(started), IDLE_MS).unref();
    }
  });
  const failAll = (reason: string) => {
    if (compiler === started) compiler = undefined;
    for (const waiting of started.pending.values()) {
      waiting.reject(new PapermailError('ETEMPLATE', `the MJML compiler process ${reason} before answering`));
    }
    started.pending.clear();
  };
  child.on('error', (error) => failAll(`failed (${error.message})`));
  child.on('exit', (code, signal) => failAll(`ended with ${signal ?? `exit code ${code}`}`));
  return started;
}

/** Disconnecting ends the child (mjml-process.ts exits on disconnect); the next compile starts a fresh one. */
function letGo(idle: Compiler): void {
  if (compiler === idle) compiler = undefined;
  if (idle.child.connected) idle.child.disconnect();
}
