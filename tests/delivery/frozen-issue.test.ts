/** A frozen issue read back: the same copies as the issue compiled that day, and no MJML run for it. */
import { describe, expect, it } from 'vitest';
import { frozenContent, thawFrozenIssue } from '../../src/delivery/frozen-issue.js';
import type { FrozenIssueRecord } from '../../src/delivery/send-ledger.js';
import { isPapermailError } from '../../src/errors.js';
import { createIssueRenderer, issueOptionsFrom, joinedCopy, mjmlCompilations } from '../../src/render/index.js';
import { SAMPLE_DAYS, sampleConfig, sampleDay } from '../render/sample-days.js';

const reader = {
  name: 'Ada',
  email: 'ada@example.net',
  unsubscribeUrl: 'https://papers.example.com/u?token=t',
  preferencesUrl: 'https://papers.example.com/p?token=t',
  viewInBrowserUrl: 'https://papers.example.com/issues/d',
};

function record(content: { issueDate: string; digest: string; compiled: string }): FrozenIssueRecord {
  return { ...content, frozenAt: '2025-10-01T08:00:00.000Z', preparedAt: null };
}

describe('a frozen issue', () => {
  it.each(SAMPLE_DAYS)('gives every selection of %s the copy the compiled issue gave, without compiling MJML again', async (day) => {
    const config = sampleConfig();
    const digest = await sampleDay(day);
    const parts = await createIssueRenderer(digest, issueOptionsFrom(config)).parts();
    const stored = JSON.parse(JSON.stringify(frozenContent(digest, parts))) as ReturnType<typeof frozenContent>;
    const before = mjmlCompilations();

    const thawed = thawFrozenIssue(record(stored))!;
    const again = await thawed.renderer.parts();

    expect(mjmlCompilations()).toBe(before);
    expect(thawed.digest).toEqual(digest);
    const selections = [null, ...digest.sections.map((section) => [section.slug]), ['no-such-topic']];
    for (const topics of selections) {
      const compiled = parts.select(topics);
      const frozen = again.select(topics);
      expect(frozen === null, JSON.stringify(topics)).toBe(compiled === null);
      if (compiled && frozen) expect(joinedCopy(again.pieces, frozen.copyFor(reader))).toEqual(joinedCopy(parts.pieces, compiled.copyFor(reader)));
    }
  });

  it('is nothing to thaw for a day prepared without content', () => {
    expect(thawFrozenIssue({ issueDate: '2025-10-01', digest: null, compiled: null, frozenAt: '2025-10-01T08:00:00.000Z', preparedAt: null })).toBeUndefined();
  });

  it('reports a stored issue it cannot read as ESTORE naming the day and the field', async () => {
    const digest = await sampleDay('2025-09-30');
    const parts = await createIssueRenderer(digest, issueOptionsFrom(sampleConfig())).parts();
    const content = frozenContent(digest, parts);
    const broken = [
      { ...content, digest: '{"date": "30 September"}' },
      { ...content, compiled: '{"pieces": {"text": {}, "html": {}}, "layouts": {"text": [["head", [{"piece": 3}]]], "html": []}}' },
      { ...content, compiled: 'not json' },
    ];
    for (const stored of broken) {
      let error: unknown;
      try {
        thawFrozenIssue(record(stored));
      } catch (caught) {
        error = caught;
      }
      expect(isPapermailError(error, 'ESTORE'), stored.compiled.slice(0, 20)).toBe(true);
      expect((error as Error).message).toContain('the frozen issue of 2025-09-30');
    }
  });
});
