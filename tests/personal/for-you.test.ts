/**
 * The "For you" block and a reader's exclusions (src/personal/for-you.ts), on the real day
 * 2025-09-30 read with the archive's vocabulary, for readers trained on the other sample days.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Paper } from '../../src/digest/paper.js';
import { dayFeatures, FOR_YOU_BAR, personalChoice, type DayFeatures } from '../../src/personal/for-you.js';
import { FOR_YOU_ENTRIES, rankedPapers } from '../../src/render/issue-view.js';
import { sampleDay } from '../render/sample-days.js';
import { modelOf, sampleArchive, videoVotes, vote, type Archive } from './fixtures.js';

let archive: Archive;
let today: Paper[];
let day: DayFeatures;
const paper = (id: string) => archive.byId.get(id)!;
const titleAt = (position: number) => today[position]!.title;
const isVideo = (position: number) => /video/i.test([today[position]!.title, ...today[position]!.aiKeywords].join(' '));

beforeAll(async () => {
  archive = await sampleArchive();
  today = rankedPapers(await sampleDay('2025-09-30'));
  day = dayFeatures(today, archive.vectoriser);
});

const videoReader = () => modelOf(archive, videoVotes(archive))!;

describe('the "For you" block', () => {
  it("holds at most five of the day's papers, those most like what the reader 👍", () => {
    const { forYou } = personalChoice(day, videoReader());
    expect(forYou.length).toBeGreaterThanOrEqual(3);
    expect(forYou.length).toBeLessThanOrEqual(FOR_YOU_ENTRIES);
    expect(forYou.filter((entry) => isVideo(entry.position)).length, forYou.map((entry) => titleAt(entry.position)).join(' / ')).toBeGreaterThanOrEqual(3);
    expect(forYou.every((entry) => entry.reason === 'like papers you 👍')).toBe(true);
  });

  it('is empty on a day where no paper clears the bar', () => {
    const model = videoReader();
    // The same reader on a day of papers that share none of their words.
    const quiet = dayFeatures(today.filter((_, position) => !isVideo(position) && !/diffusion|image|visual|vision/i.test(today[position]!.title + today[position]!.abstract)), archive.vectoriser);
    expect(personalChoice(quiet, model).forYou).toEqual([]);
    expect(FOR_YOU_BAR).toBeGreaterThan(0);
  });

  it('names the interest phrase a chosen paper matches', () => {
    const model = modelOf(archive, [vote(paper('2405.15223'), 'up'), vote(paper('2608.19880'), 'down')], { text: 'video generation, world models' })!;
    const reasons = personalChoice(day, model).forYou.map((entry) => entry.reason);
    expect(reasons).toContain('matches: video generation');
  });

  it('never offers a paper the reader was sent before', () => {
    const model = videoReader();
    const first = personalChoice(day, model).forYou[0]!.position;
    const sentBefore = today.map((_, position) => position === first);
    expect(personalChoice(day, model, sentBefore).forYou.map((entry) => entry.position)).not.toContain(first);
  });
});

describe("a reader's rules", () => {
  it('leave every paper matching a must-exclude phrase out of the copy, and out of the block', () => {
    const model = modelOf(archive, [vote(paper('2405.15223'), 'up')], { exclude: ['video'] })!;
    const { excluded, forYou } = personalChoice(day, model);
    const matching = today.flatMap((_, position) => (isVideo(position) ? [position] : []));
    expect(excluded).toEqual(expect.arrayContaining(matching));
    expect(forYou.some((entry) => excluded.includes(entry.position))).toBe(false);
  });

  it('match whole words after the topic rules\' folding: "agents" matches "agent", "agen" matches nothing, "agen*" matches both', () => {
    const excludedBy = (phrase: string) => personalChoice(day, modelOf(archive, [], { exclude: [phrase] })!).excluded;
    expect(excludedBy('agents').length).toBeGreaterThan(0);
    expect(excludedBy('agents')).toEqual(excludedBy('Agent'));
    expect(excludedBy('agen')).toEqual([]);
    expect(excludedBy('agen*')).toEqual(expect.arrayContaining(excludedBy('agent')));
  });

  it('bring a paper matching a must-include phrase into the block even when the model would not', () => {
    // SLA, the day's top paper, is no video paper; the phrase is in its keywords.
    const model = modelOf(archive, [vote(paper('2405.15223'), 'up')], { include: ['attention latency'] })!;
    const { forYou } = personalChoice(day, model);
    expect(forYou[0]).toEqual({ position: 0, reason: 'matches: attention latency' });
  });

  it("bring a followed author's or organisation's papers into the block, never matching across two authors' names", () => {
    const byOrganisation = personalChoice(day, modelOf(archive, [], { follow: ['NVIDIA'] })!).forYou;
    expect(byOrganisation.map((entry) => today[entry.position]!.organization)).toEqual(['NVIDIA', 'NVIDIA']);
    expect(byOrganisation[0]!.reason).toBe('you follow NVIDIA');
    // "Jintao Zhang, Haoxu Wang": "Zhang Haoxu" spans two names.
    expect(personalChoice(day, modelOf(archive, [], { follow: ['Zhang Haoxu'] })!).forYou).toEqual([]);
    expect(personalChoice(day, modelOf(archive, [], { follow: ['Haoxu Wang'] })!).forYou.map((entry) => entry.position)).toEqual([0]);
  });

  it('exclude before they include: a paper matching both stays out', () => {
    const { excluded, forYou } = personalChoice(day, modelOf(archive, [], { include: ['NVIDIA'], follow: ['NVIDIA'], exclude: ['video'] })!);
    expect(forYou.every((entry) => !excluded.includes(entry.position))).toBe(true);
    expect(forYou.map((entry) => titleAt(entry.position)).join(' ')).not.toMatch(/video/i);
  });
});
