import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadDailyDigest } from '../../digest/daily-digest.js';
import { parseIssueDay } from '../../digest/dates.js';
import { digestToJson } from '../../digest/digest-json.js';
import type { Digest } from '../../digest/paper.js';
import { PapermailError } from '../../errors.js';
import { writeTextFiles } from '../../file-errors.js';
import { publicCopyLinks } from '../../links/public-links.js';
import { createIssueRenderer, issueOptionsFrom } from '../../render/index.js';
import { plural } from '../../render/text.js';
import { htmlFileArgument, sourceArgument } from '../arguments.js';
import { loadCliContext } from '../context.js';
import { terminalJson, terminalText } from '../terminal.js';

interface DigestOptions {
  source?: string;
  date?: string;
  json?: boolean;
}

interface PreviewOptions {
  source?: string;
  date?: string;
  out?: string;
}

export function registerDigestCommands(program: Command): void {
  withSourceOptions(program.command('digest').description("rank and group a day's papers and print the digest"))
    .option('--json', 'print the digest as JSON')
    .action(async (options: DigestOptions) => {
      const { config, logger } = loadCliContext();
      const { digest, warnings } = await loadDailyDigest({ ...sourceRequest(options), config, logger });
      for (const warning of warnings) logger.warn(warning);
      process.stdout.write(options.json ? terminalJson(digestToJson(digest)) + '\n' : terminalText(describeDigest(digest)));
    });

  withSourceOptions(
    program
      .command('preview')
      .description('render the issue a subscriber would receive to an HTML file, and its text part to a .txt file beside it'),
  )
    .requiredOption('-o, --out <file.html>', 'where to write the HTML (must end in .html); the text goes to <file>.txt', htmlFileArgument)
    .action(async (options: PreviewOptions) => {
      const { config, logger } = loadCliContext();
      const { digest, warnings } = await loadDailyDigest({ ...sourceRequest(options), config, logger });
      for (const warning of warnings) logger.warn(warning);
      const issue = await createIssueRenderer(digest, issueOptionsFrom(config)).forTopics(null);
      if (!issue) throw new PapermailError('ESOURCE', `no papers to preview for ${digest.date}`);
      const rendered = issue.personalise({ name: null, email: 'reader@example.com', ...publicCopyLinks(config.PUBLIC_URL, digest.date) });
      const htmlPath = resolve(options.out!);
      const textPath = htmlPath.replace(/\.html$/i, '.txt');
      await writeTextFiles(
        [
          { path: htmlPath, content: rendered.html },
          { path: textPath, content: rendered.text },
        ],
        'EINPUT',
      );
      const kilobytes = (Buffer.byteLength(rendered.html) / 1024).toFixed(1);
      process.stdout.write(terminalText(`wrote ${htmlPath} (${kilobytes} KB) and ${textPath}\nsubject: ${rendered.subject}\n`));
    });
}

/** `--source` and `--date`, shared by every command that works on one day's issue. */
export function withSourceOptions(command: Command): Command {
  return command
    .option('-s, --source <file|url>', 'saved API JSON, copied page text, or an http(s) API URL (default: the Hugging Face API)', sourceArgument)
    .option('-d, --date <YYYY-MM-DD>', 'the issue day (default: from the source, else yesterday in TZ)', (value) => parseIssueDay(value));
}

export function sourceRequest(options: { source?: string; date?: string }): { source?: string; day?: string } {
  return {
    ...(options.source ? { source: options.source } : {}),
    ...(options.date ? { day: options.date } : {}),
  };
}

function describeDigest(digest: Digest): string {
  const lines = [`${digest.date}: ${plural(digest.total, 'paper')} in ${plural(digest.sections.length, 'topic')} (${digest.listed} listed)`];
  for (const section of digest.sections) {
    lines.push('', `${section.topic} (${plural(section.papers.length, 'paper')}, ${plural(section.upvotes, 'upvote')})`);
    for (const paper of section.papers) lines.push(`  ▲ ${String(paper.upvotes).padStart(4)}  ${paper.title}`);
  }
  return lines.join('\n') + '\n';
}
