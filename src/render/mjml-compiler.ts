/**
 * MJML compiles in a child process, so mjml (about 45 MB resident once loaded) never sits in
 * a process that sends or serves. The child starts on the first compile, serves every compile
 * that follows closely (a day's issue compiles once or twice, plus its browser version), and
 * is let go once idle, so a long send carries none of it.
 *
 * The child is a few lines of plain JavaScript run with `node -e`: the same in production,
 * development and tests, and never through tsx (which would add about 30 MB and seconds of
 * start-up to every compiler process). It only runs mjml2html and hands back what mjml
 * returned or threw; checking the result and reporting errors stay in mjml.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { PapermailError } from '../errors.js';

/** What mjml2html gave for one source: its result, or what it threw (`errors` when it was a strict-validation failure). */
export type MjmlOutcome<ValidationError> =
  | { html: string; errors: ValidationError[] }
  | { thrown: { message: string; errors?: ValidationError[] } };

interface CompileRequest {
  id: number;
  source: string;
  options: object;
}

type CompileAnswer<ValidationError> = { id: number; outcome: MjmlOutcome<ValidationError> };

/** How long an idle compiler process is kept for the next compile before it is let go. */
const IDLE_MS = 2_000;

const CHILD_SOURCE = `
const { default: mjml2html } = await import(process.argv[1]);
process.on('disconnect', () => process.exit(0));
process.on('message', async ({ id, source, options }) => {
  let outcome;
  try {
    outcome = await mjml2html(source, options);
    outcome = { html: outcome.html, errors: outcome.errors };
  } catch (error) {
    outcome = { thrown: { message: String(error && error.message), errors: Array.isArray(error && error.errors) ? error.errors : undefined } };
  }
  process.send({ id, outcome });
});
`;

interface Compiler {
  child: ChildProcess;
  pending: Map<number, (outcome: MjmlOutcome<never>) => void>;
  failures: Map<number, (error: unknown) => void>;
  idle?: NodeJS.Timeout;
}

let compiler: Compiler | undefined;
let nextId = 0;

/** Runs mjml2html(source, options) in the compiler process. */
export function mjml2htmlInChildProcess<ValidationError>(source: string, options: object): Promise<MjmlOutcome<ValidationError>> {
  const current = compiler ?? (compiler = startCompiler());
  clearTimeout(current.idle);
  current.child.channel?.ref();
  const id = (nextId += 1);
  return new Promise((resolve, reject) => {
    current.pending.set(id, resolve as (outcome: MjmlOutcome<never>) => void);
    current.failures.set(id, reject);
    current.child.send({ id, source, options } satisfies CompileRequest);
  });
}

function startCompiler(): Compiler {
  const mjmlEntry = pathToFileURL(createRequire(import.meta.url).resolve('mjml')).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SOURCE, mjmlEntry], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const started: Compiler = { child, pending: new Map(), failures: new Map() };
  // The compiler never keeps this process alive: only a compile waiting for its answer does.
  child.unref();
  child.on('message', ({ id, outcome }: CompileAnswer<never>) => {
    const resolve = started.pending.get(id);
    if (!resolve) return;
    started.pending.delete(id);
    started.failures.delete(id);
    resolve(outcome);
    if (started.pending.size === 0) {
      child.channel?.unref();
      started.idle = setTimeout(() => letGo(started), IDLE_MS).unref();
    }
  });
  const failAll = (reason: string) => {
    if (compiler === started) compiler = undefined;
    for (const reject of started.failures.values()) reject(new PapermailError('ETEMPLATE', `the MJML compiler process ${reason} before answering`));
    started.pending.clear();
    started.failures.clear();
  };
  child.on('error', (error) => failAll(`failed (${error.message})`));
  child.on('exit', (code, signal) => failAll(`ended with ${signal ?? `exit code ${code}`}`));
  return started;
}

/** Disconnecting ends the child (it exits on disconnect); the next compile starts a fresh one. */
function letGo(idle: Compiler): void {
  if (compiler === idle) compiler = undefined;
  if (idle.child.connected) idle.child.disconnect();
}
