#!/usr/bin/env node
/**
 * The papermail command line. Thin on purpose: each command parses its arguments,
 * calls the core, and prints; every typed error becomes one line and a non-zero exit.
 *
 * Start-up is kept short: only the module of the command being run is loaded (with its
 * dependencies: zod, MJML, Nodemailer, SQLite …). `--help` and `--version` load none.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isPapermailError } from '../errors.js';

interface CommandModule {
  /** The top-level commands the module registers, with the one-line summary `--help` lists. */
  commands: Record<string, string>;
  register(program: Command): Promise<void>;
}

const COMMAND_MODULES: CommandModule[] = [
  {
    commands: {
      digest: "rank and group a day's papers (--weekly: the week's best) and print the digest",
      preview: 'render the issue (--weekly: the week\'s) to an HTML file and a .txt beside it',
    },
    register: async (program) => (await import('./commands/digest.js')).registerDigestCommands(program),
  },
  {
    commands: {
      send: "send the day's issue to every confirmed subscriber who has not had it yet",
      worker: "join the sending of the day's issue beside other workers, until no row is left",
      demo: 'the quick start: import the sample subscribers and send the sample day (--weekly: preview the sample week)',
    },
    register: async (program) => (await import('./commands/send.js')).registerSendCommands(program),
  },
  {
    commands: { subscribers: 'manage the subscriber list (add, remove, list, import, export)' },
    register: async (program) => (await import('./commands/subscribers.js')).registerSubscriberCommands(program),
  },
  {
    commands: { serve: 'run the web server and the daily schedule' },
    register: async (program) => (await import('./commands/serve.js')).registerServeCommand(program),
  },
  {
    commands: { db: 'move the store: db copy --to postgres://… copies the SQLite store into PostgreSQL' },
    register: async (program) => (await import('./commands/db.js')).registerDbCommands(program),
  },
  {
    commands: { report: 'show what happened to each issue after sending: delivered, bounced, complained, and the rates' },
    register: async (program) => (await import('./commands/report.js')).registerReportCommand(program),
  },
  {
    commands: { bounces: 'read exported bounce and complaint mail: bounces scan <file.eml | folder | mbox> [--record]' },
    register: async (program) => (await import('./commands/bounces.js')).registerBouncesCommands(program),
  },
  {
    commands: { status: 'show the settings, the store, the last issues and where mail goes' },
    register: async (program) => (await import('./commands/status.js')).registerStatusCommand(program),
  },
];

/**
 * The program for these arguments: the named command in full, every other one as a summary
 * only (enough for `--help`, the "unknown command" message and its suggestions).
 */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('papermail')
    .description('A self-hosted daily newsletter of the Hugging Face Daily Papers')
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'papermail: ')) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const wanted = commandNameIn(argv.slice(2));
  for (const module of COMMAND_MODULES) {
    if (wanted !== undefined && wanted in module.commands) {
      await module.register(program);
      continue;
    }
    for (const [name, summary] of Object.entries(module.commands)) program.command(name).summary(summary);
  }
  return program;
}

/** The first word that is not an option (`papermail help send` asks about `send`). */
function commandNameIn(args: string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    return exitCodeFor(error);
  }
}

/** Exit codes: 0 done, 1 an error papermail describes, 2 a bad argument, 70 a bug (EX_SOFTWARE). */
function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help/version text). Its failures are
    // all usage errors (unknown command or option, missing argument): exit 2, as documented.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isPapermailError(error)) {
    process.stderr.write(`papermail: ${error.message}\n`);
    return error.code === 'EUSAGE' ? 2 : 1;
  }
  // Not a failure papermail knows how to describe: a bug. One line; the stack with LOG_LEVEL=debug.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`papermail: unexpected error (a bug; please report it with the command you ran): ${message}\n`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  return 70;
}

process.exitCode = await main(process.argv);
