/**
 * The real SpamAssassin (Debian's `spamassassin`, local tests only: `-L`) on the message each
 * sample day makes, built the way `send` builds it: the compiled issue, one subscriber's links
 * and headers, written by the outbox transport. No rule may fire because of papermail's markup.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIssue } from '../../src/delivery/encoded-issue.js';
import { assembleIssueMessage } from '../../src/delivery/message.js';
import { createTransport } from '../../src/delivery/transport.js';
import { recipientLinks } from '../../src/links/public-links.js';
import { createIssueRenderer, issueOptionsFrom } from '../../src/render/index.js';
import { SAMPLE_DAYS, sampleConfig, sampleDay } from './sample-days.js';

const run = promisify(execFile);

/**
 * Rules that may fire, each for a reason outside our markup. Anything else fails the test.
 * - NO_RECEIVED, NO_RELAYS: the message is checked straight from the outbox, never relayed (0 points).
 * - HTML_MESSAGE: the message has an HTML part, as every newsletter does (0 points).
 * - MAILING_LIST_MULTI: the List-Id / List-Unsubscribe / Precedence headers (negative points).
 * - LONGWORDS: long academic words in the papers' abstracts ("Instruction-Tuned Vision-Language-Action…"): content.
 */
const ALLOWED_RULES = new Set(['NO_RECEIVED', 'NO_RELAYS', 'HTML_MESSAGE', 'MAILING_LIST_MULTI', 'LONGWORDS']);

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'papermail-spamassassin-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** One subscriber's copy of the day's issue, as the outbox transport wrote it. */
async function builtMessage(day: string): Promise<string> {
  const outbox = await mkdtemp(path.join(folder, 'outbox-'));
  const config = sampleConfig({ OUTBOX_DIR: outbox });
  const digest = await sampleDay(day);
  const parts = await createIssueRenderer(digest, issueOptionsFrom(config)).parts();
  const subscriber = { id: 42, email: 'reader@example.net', name: 'Ada Reader' };
  const links = recipientLinks(config, subscriber, day);
  const transport = createTransport(config);
  try {
    await transport.send(
      assembleIssueMessage({
        issue: encodeIssue(parts.pieces),
        copy: parts.select(null)!.copyFor({ name: subscriber.name, email: subscriber.email, ...links }),
        recipient: subscriber,
        config,
        issueDate: day,
        unsubscribeUrl: links.unsubscribeUrl,
      }),
    );
  } finally {
    transport.close();
  }
  const [file] = await readdir(path.join(outbox, day));
  return readFile(path.join(outbox, day, file!), 'utf8');
}

/** The names of the rules SpamAssassin's X-Spam-Status header lists for a message. */
async function firedRules(message: string): Promise<string[]> {
  const pending = run('spamassassin', ['-L', '-t'], { maxBuffer: 16 * 1024 * 1024 });
  pending.child.stdin!.end(message);
  let stdout: string;
  try {
    ({ stdout } = await pending);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('spamassassin is not installed: apt-get install -y spamassassin (.ci/run does)');
    }
    throw error;
  }
  const status = /^X-Spam-Status: ([^\n]*(?:\n[ \t][^\n]*)*)/m.exec(stdout.replace(/\r\n/g, '\n'))?.[1];
  if (!status) throw new Error(`spamassassin printed no X-Spam-Status header:\n${stdout.slice(0, 500)}`);
  const tests = /tests=([\s\S]*?)\s+autolearn=/.exec(status)?.[1] ?? '';
  return tests.replace(/\s+/g, '').split(',').filter((name) => name !== '' && name !== 'none');
}

describe('SpamAssassin on the issue', () => {
  it.each(SAMPLE_DAYS)('fires no rule because of our markup on %s', async (day) => {
    const rules = await firedRules(await builtMessage(day));
    expect(rules).toContain('HTML_MESSAGE');
    expect(rules.filter((rule) => !ALLOWED_RULES.has(rule))).toEqual([]);
  }, 120_000);

  it('does catch hidden white-on-white text, as MJML preheaders have (the check works)', async () => {
    const message = await builtMessage('2024-05-27');
    const hidden = message.replace(
      /<body\b[^>]*>/i,
      (body) => `${body}<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;opacity:0;overflow:hidden;">Hidden preview text</div>`,
    );
    expect(hidden).not.toBe(message);
    expect(await firedRules(hidden)).toContain('HTML_FONT_LOW_CONTRAST');
  }, 120_000);
});
