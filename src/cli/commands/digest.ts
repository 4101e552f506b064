import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadDailyDigest } from '../../digest/daily-digest.js';
import { parseIssueDay } from '../../digest/dates.js';
import { digestToJson } from '../../digest/digest-json.js';
import { decideTopics, type TopicDecision } from '../../digest/classify.js';
import { contributionPhrase } from '../../digest/contribution.js';
import { arxivIdWithoutVersion, issueIdOf, type Digest, type Paper } from '../../digest/paper.js';
import { loadTaxonomy, type Taxonomy } from '../../digest/taxonomy.js';
import { parseIsoWeek } from '../../digest/week.js';
import { loadWeeklyDigest } from '../../digest/weekly-digest.js';
import type { Config } from '../../config/config.js';
import type { Logger } from '../../logger.js';
import { dayAndMonth } from '../../render/format.js';
import { PapermailError } from '../../errors.js';
import { writeTextFiles } from '../../file-errors.js';
import { publicCopyLinks } from '../../links/public-links.js';
import { createIssueRenderer, issueOptionsFrom } from '../../render/index.js';
import { plural } from '../../render/text.js';
import { htmlFileArgument, sourceArgument } from '../arguments.js';
import { loadCliContext } from '../context.js';
import { terminalJson, terminalText } from '../terminal.js';

interface WeeklyOptions {
  source?: string;
  date?: string;
  weekly?: boolean;
  week?: string;
}

interface DigestOptions extends WeeklyOptions {
  json?: boolean;
  why?: string;
}

interface PreviewOptions extends WeeklyOptions {
  out?: string;
}

export function registerDigestCommands(program: Command): void {
  withWeeklyOptions(withSourceOptions(program.command('digest').description("rank and group a day's papers (or a week's best) and print the digest")))
    .option('--json', 'print the digest as JSON')
    .option('--why <paper id>', "print why one of the issue's papers went to its topic: every topic's score and the rules that matched")
    .action(async (options: DigestOptions) => {
      const { config, logger } = loadCliContext();
      const digest = await loadIssueDigest(options, config, logger);
      if (options.why !== undefined) {
        const paper = paperOfDigest(digest, options.why);
        const taxonomy = await loadTaxonomy(config.TOPICS_FILE);
        process.stdout.write(options.json ? terminalJson(decisionToJson(paper, decideTopics(paper, taxonomy))) + '\n' : terminalText(describeDecision(paper, decideTopics(paper, taxonomy), taxonomy)));
        return;
      }
      process.stdout.write(options.json ? terminalJson(digestToJson(digest)) + '\n' : terminalText(describeDigest(digest)));
    });

  withWeeklyOptions(
    withSourceOptions(
      program
        .command('preview')
        .description('render the issue a subscriber would receive to an HTML file, and its text part to a .txt file beside it'),
    ),
  )
    .requiredOption('-o, --out <file.html>', 'where to write the HTML (must end in .html); the text goes to <file>.txt', htmlFileArgument)
    .action(async (options: PreviewOptions) => {
      const { config, logger } = loadCliContext();
      await writePreview(await loadIssueDigest(options, config, logger), options.out!, config);
    });
}

/** `--weekly` and `--week`, for the commands that can build a weekly issue (digest, preview, send, worker). */
export function withWeeklyOptions(command: Command): Command {
  return command
    .option('--weekly', "the week's best instead of a day: its top WEEKLY_TOP_N papers, upvotes read again now; --source is then a folder of YYYY-MM-DD.json files or an API URL")
    .option('--week <YYYY-Www>', 'the ISO week of --weekly, e.g. 2025-W40 (default: from the source folder, else the week that ended before today in TZ)', (value) =>
      parseIsoWeek(value).id,
    );
}

/** `--week` goes with `--weekly`, and `--date` does not: EUSAGE saying which. */
export function checkWeeklyOptions(options: WeeklyOptions): void {
  if (!options.weekly && options.week !== undefined) throw new PapermailError('EUSAGE', '--week goes with --weekly (e.g. --weekly --week 2025-W40)');
  if (options.weekly && options.date !== undefined) throw new PapermailError('EUSAGE', '--date is for a daily issue; a weekly issue takes --week (e.g. --week 2025-W40)');
}

/** The day's digest, or with --weekly the week's; warnings of the sources are logged. */
async function loadIssueDigest(options: WeeklyOptions, config: Config, logger: Logger): Promise<Digest> {
  checkWeeklyOptions(options);
  if (!options.weekly) {
    const { digest, warnings } = await loadDailyDigest({ ...sourceRequest(options), config, logger });
    for (const warning of warnings) logger.warn(warning);
    return digest;
  }
  const { digest, warnings } = await loadWeeklyDigest({
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(options.week !== undefined ? { week: options.week } : {}),
    config,
    logger,
  });
  for (const warning of warnings) logger.warn(warning);
  return digest;
}

/** Renders the issue as a reader with every topic gets it, to `out` and the .txt beside it; says what it wrote. */
export async function writePreview(digest: Digest, out: string, config: Config): Promise<void> {
  const issue = await createIssueRenderer(digest, issueOptionsFrom(config)).forTopics(null);
  if (!issue) throw new PapermailError('ESOURCE', `no papers to preview for ${issueIdOf(digest)}`);
  const rendered = issue.personalise({ name: null, email: 'reader@example.com', ...publicCopyLinks(config.PUBLIC_URL, issueIdOf(digest)) });
  const htmlPath = resolve(out);
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

/** The issue's paper with that arXiv id (a version suffix on either side is ignored), or EUSAGE naming the issue. */
function paperOfDigest(digest: Digest, id: string): Paper {
  const wanted = arxivIdWithoutVersion(id.trim());
  for (const section of digest.sections) for (const paper of section.papers) if (arxivIdWithoutVersion(paper.id) === wanted) return paper;
  throw new PapermailError('EUSAGE', `--why ${id}: no such paper in the issue of ${issueIdOf(digest)} (${plural(digest.total, 'paper')}; see papermail digest)`);
}

/**
 * Every topic's score for the paper, best first, with the rules that matched, where, and what
 * each added: what an operator editing topics.json needs to see why a paper went where it did.
 */
function describeDecision(paper: Paper, decision: TopicDecision, taxonomy: Taxonomy): string {
  const [best, second] = decision.scores;
  const weights = taxonomy.fieldWeights;
  const lines = [`${paper.id}  ${paper.title}`, `section: ${decision.primary.name} (${decision.primary.slug})${best === undefined || best.score < taxonomy.minimumScore ? `: no topic reached the minimum score ${taxonomy.minimumScore}` : `, score ${points(best.score)}`}`];
  if (decision.secondary !== undefined) {
    lines.push(`secondary: ${decision.secondary.name} (${decision.secondary.slug}), score ${points(second!.score)}: at least ${taxonomy.secondaryShare} × the best score, so its readers get the paper too`);
  } else if (second !== undefined && second.score > 0 && decision.primary.slug !== taxonomy.fallback.slug) {
    lines.push(`secondary: none (the runner-up, ${second.topic.slug} at ${points(second.score)}, is under ${taxonomy.secondaryShare} × ${points(best!.score)})`);
  }
  lines.push(`field weights: title ${weights.title}, keywords ${weights.keywords}, abstract ${weights.abstract}, contribution ${weights.contribution}; minimum score ${taxonomy.minimumScore}`);
  if (weights.contribution > 0) lines.push(`contribution: ${quotedPhrase(contributionPhrase(paper.abstract))}`);
  lines.push('');
  const scored = decision.scores.filter((entry) => entry.matched.length > 0);
  const width = Math.max(...scored.map((entry) => entry.topic.slug.length), 0);
  for (const entry of scored) {
    const rules = [...entry.matched].sort((a, b) => b.points - a.points).map((rule) => `${rule.match} ${rule.points >= 0 ? '+' : ''}${points(rule.points)} (${rule.fields.join(', ')})`);
    lines.push(`  ${entry.topic.slug.padEnd(width)}  ${points(entry.score).padStart(6)}  ${rules.join('; ')}`);
  }
  const unscored = decision.scores.length - scored.length;
  if (unscored > 0) lines.push(`  ${plural(unscored, 'more topic')} matched no rule`);
  return lines.join('\n') + '\n';
}

/** The contribution phrase as --why shows it: quoted, or why there is none. */
function quotedPhrase(phrase: string): string {
  return phrase === '' ? '(none: the abstract has no "we introduce/propose/present ..." naming the paper)' : `"${phrase}"`;
}

function decisionToJson(paper: Paper, decision: TopicDecision) {
  return {
    id: paper.id,
    title: paper.title,
    contribution: contributionPhrase(paper.abstract),
    topic: decision.primary.slug,
    secondaryTopic: decision.secondary?.slug ?? null,
    scores: decision.scores.map((entry) => ({ topic: entry.topic.slug, score: entry.score, matched: entry.matched })),
  };
}

/** 4.5 → "4.5", 6 → "6": scores are sums of whole weights times field weights. */
function points(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function describeDigest(digest: Digest): string {
  const { period } = digest;
  const issue = period === undefined ? digest.date : `${period.week} (${period.from} to ${period.to})`;
  const lines = [`${issue}: ${plural(digest.total, 'paper')} in ${plural(digest.sections.length, 'topic')} (${digest.listed} listed)`];
  for (const section of digest.sections) {
    lines.push('', `${section.topic} (${plural(section.papers.length, 'paper')}, ${plural(section.upvotes, 'upvote')})`);
    // A week's papers come from several days: each says its own.
    for (const paper of section.papers) lines.push(`  ▲ ${String(paper.upvotes).padStart(4)}  ${period === undefined ? '' : `${dayAndMonth(paper.day).padEnd(6)}  `}${paper.title}`);
  }
  return lines.join('\n') + '\n';
}
