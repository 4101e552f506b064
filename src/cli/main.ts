#!/usr/bin/env node
/**
 * The papermail command line. Thin on purpose: each command parses its arguments,
 * calls the core, and prints; every typed error becomes one line and a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { isPapermailError } from '../errors.js';
import { registerDigestCommands } from './commands/digest.js';
import { registerSendCommands } from './commands/send.js';
import { registerSubscriberCommands } from './commands/subscribers.js';
import { registerServeCommand } from './commands/serve.js';

export function buildProgram(): Command {
  const program = new Command('papermail')
    .description('A self-hosted daily newsletter of the Hugging Face Daily Papers')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDigestCommands(program);
  registerSendCommands(program);
  registerSubscriberCommands(program);
  registerServeCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    return exitCodeFor(error);
  }
}

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
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`papermail: unexpected error, please report it:\n${detail}\n`);
  return 70;
}

process.exitCode = await main(process.argv);
