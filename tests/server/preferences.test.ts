import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import type { SubscriberStatus } from '../../src/subscribers/store.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { form, SECRET, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

async function subscriberWith(status: SubscriberStatus, topics: string[] | null = null) {
  const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', topics, status });
  return subscriber;
}

function preferencesPath(subscriber: { id: number; email: string }): string {
  const token = createToken(SECRET, { purpose: 'preferences', subscriberId: subscriber.id, email: subscriber.email });
  return `/preferences?token=${token}`;
}

function save(path: string, fields: Record<string, string | string[]>): Promise<Response> {
  return fetch(`${harness.url}${path}`, { method: 'POST', body: form(fields) });
}

function checkedTopics(page: string): string[] {
  return [...page.matchAll(/name="topics" value="([^"]+)" checked/g)].map((match) => match[1]!);
}

/** Which radio button is selected: "all" (All topics) or "only" (Only these). */
function topicsChoice(page: string): string | undefined {
  return /name="topics_choice" value="(all|only)"[^>]* checked/.exec(page)?.[1];
}

describe('preferences', () => {
  it('shows the subscriber’s address, name, "Only these" and their stored topics ticked', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed', ['agents', 'code']);

    const response = await fetch(`${harness.url}${preferencesPath(subscriber)}`);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(page).toContain('ada@example.org');
    expect(page).toContain('value="Ada"');
    expect(topicsChoice(page)).toBe('only');
    expect(checkedTopics(page)).toEqual(['agents', 'code']);
  });

  it('selects "All topics" with no box ticked for a subscriber who has every topic (topics null)', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed', null);

    const page = await (await fetch(`${harness.url}${preferencesPath(subscriber)}`)).text();

    expect(topicsChoice(page)).toBe('all');
    expect(checkedTopics(page)).toEqual([]);
  });

  it('saves "Only these" with the ticked topics and the name, and keeps the status', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');

    const response = await save(preferencesPath(subscriber), { name: 'Ada L.', topics_choice: 'only', topics: ['robotics', 'safety'] });

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Saved.');
    expect(await harness.store.findById(subscriber.id)).toMatchObject({ name: 'Ada L.', topics: ['robotics', 'safety'], status: 'confirmed' });
  });

  it('shows the stored cadence selected, and saves a change to weekly and back', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');
    const cadenceChoice = (page: string) => /name="cadence" value="(daily|weekly)"[^>]* checked/.exec(page)?.[1];
    expect(cadenceChoice(await (await fetch(`${harness.url}${preferencesPath(subscriber)}`)).text())).toBe('daily');

    const saved = await save(preferencesPath(subscriber), { topics_choice: 'all', cadence: 'weekly' });
    expect(saved.status).toBe(200);
    expect(cadenceChoice(await saved.text())).toBe('weekly');
    expect(await harness.store.findById(subscriber.id)).toMatchObject({ cadence: 'weekly', status: 'confirmed' });

    await save(preferencesPath(subscriber), { topics_choice: 'all', cadence: 'daily' });
    expect((await harness.store.findById(subscriber.id))?.cadence).toBe('daily');
  });

  it('keeps the cadence when a post has no cadence field, and refuses one that is neither daily nor weekly', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');
    await harness.store.setCadence(subscriber.id, 'weekly');

    await save(preferencesPath(subscriber), { topics_choice: 'all' });
    expect((await harness.store.findById(subscriber.id))?.cadence).toBe('weekly');

    const refused = await save(preferencesPath(subscriber), { topics_choice: 'all', cadence: 'monthly' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<p class="notice error" id="cadence-error" role="alert">Pick Daily or Weekly.</p>');
    expect((await harness.store.findById(subscriber.id))?.cadence).toBe('weekly');
  });

  it('stores every topic checked as "all topics", so topics added later are included', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed', ['code']);

    await save(preferencesPath(subscriber), { topics_choice: 'only', topics: harness.topics.map((topic) => topic.slug) });

    expect((await harness.store.findById(subscriber.id))?.topics).toBeNull();
  });

  it('saves "All topics" as every topic, whatever boxes are still ticked', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed', ['code']);

    const response = await save(preferencesPath(subscriber), { topics_choice: 'all', topics: ['code'] });

    expect(response.status).toBe(200);
    expect(topicsChoice(await response.text())).toBe('all');
    expect((await harness.store.findById(subscriber.id))?.topics).toBeNull();
  });

  it('refuses a topic that is not on the list with 400 and a sentence next to the topics, and changes nothing', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed', ['code']);

    const response = await save(preferencesPath(subscriber), { topics_choice: 'only', topics: ['code', 'astrology'] });
    const page = await response.text();

    expect(response.status).toBe(400);
    expect(page).toContain(
      '<p class="notice error" id="topics-error" role="alert">One of the chosen topics is not on the list any more; choose again from the topics below.</p>',
    );
    expect((await harness.store.findById(subscriber.id))?.topics).toEqual(['code']);
  });

  it('refuses "Only these" with nothing ticked with a friendly sentence, keeps "Only these" selected and changes nothing', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed', ['code']);

    const response = await save(preferencesPath(subscriber), { name: 'Ada', topics_choice: 'only' });
    const page = await response.text();

    expect(response.status).toBe(400);
    expect(page).toContain('<p class="notice error" id="topics-error" role="alert">Choose at least one topic, or pick All topics.</p>');
    expect(topicsChoice(page)).toBe('only');
    expect((await harness.store.findById(subscriber.id))?.topics).toEqual(['code']);
  });

  it('refuses a post with neither the choice nor a topic instead of reading it as "everything"', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed', ['code']);

    const response = await save(preferencesPath(subscriber), { name: 'Ada' });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Choose at least one topic, or pick All topics.');
    expect((await harness.store.findById(subscriber.id))?.topics).toEqual(['code']);
  });

  it('links to an unsubscribe page that works for this subscriber', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');

    const page = await (await fetch(`${harness.url}${preferencesPath(subscriber)}`)).text();
    const unsubscribeHref = /href="(unsubscribe\?token=[^"]+)"/.exec(page)?.[1];
    const unsubscribePage = await fetch(`${harness.url}/${unsubscribeHref}`);

    expect(unsubscribePage.status).toBe(200);
    expect(await unsubscribePage.text()).toContain('Unsubscribe?');
  });

  it('offers nothing to change for an unsubscribed address, and saving does not re-subscribe it', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('unsubscribed');

    const shown = await (await fetch(`${harness.url}${preferencesPath(subscriber)}`)).text();
    const saved = await save(preferencesPath(subscriber), { topics: ['code'] });

    expect(shown).toContain('You are not subscribed');
    expect(await saved.text()).toContain('You are not subscribed');
    expect(await harness.store.findById(subscriber.id)).toMatchObject({ status: 'unsubscribed', topics: null });
  });

  it('refuses an unsubscribe token on the preferences page', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed', ['code']);
    const token = createToken(SECRET, { purpose: 'unsubscribe', subscriberId: subscriber.id, email: subscriber.email });

    const response = await save(`/preferences?token=${token}`, { topics: ['robotics'] });

    expect(response.status).toBe(400);
    expect((await harness.store.findById(subscriber.id))?.topics).toEqual(['code']);
  });
});

describe('preferences: interests and votes (the reader’s "For you" signals)', () => {
  /** The app with a SignalsChanged that notes whom it ran for, and Ada's preferences path. */
  async function start() {
    harness = await startHarness();
    const retrained: number[] = [];
    const app = createApp({ ...harness.deps, signalsChanged: async (id) => void retrained.push(id) });
    const subscriber = await subscriberWith('confirmed');
    const path = preferencesPath(subscriber);
    const post = (fields: Record<string, string | string[]>) => app.request(path, { method: 'POST', body: form(fields) });
    const retrainedFor = async () => {
      await harness.background.settled();
      return retrained;
    };
    return { app, subscriber, path, post, retrainedFor };
  }

  const textareaValue = (page: string, id: string) => new RegExp(`<textarea id="${id}"[^>]*>([^<]*)</textarea>`).exec(page)?.[1];

  it('saves free-text interests and comma- or line-separated keyword lists with the topics, shows them again, and asks for retraining once', async () => {
    const { subscriber, post, retrainedFor } = await start();
    const fields = {
      topics_choice: 'all',
      interests: 'speculative decoding, KV cache',
      include: 'KV cache,  speculative decoding\nMoE',
      exclude: 'robotics',
      follow: 'DeepSeek\nTsinghua University',
    };

    const response = await post(fields);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(page).toContain('Saved.');
    expect((await harness.store.readerSignals(subscriber.id)).interests).toEqual({
      text: 'speculative decoding, KV cache',
      include: ['KV cache', 'speculative decoding', 'MoE'],
      exclude: ['robotics'],
      follow: ['DeepSeek', 'Tsinghua University'],
    });
    expect(textareaValue(page, 'include')).toBe('KV cache, speculative decoding, MoE');
    expect(textareaValue(page, 'follow')).toBe('DeepSeek, Tsinghua University');
    // Saving the same again changes nothing, so nothing is retrained.
    await post(fields);
    expect(await retrainedFor()).toEqual([subscriber.id]);
  });

  it('keeps stored interests when a post has no interest fields (an older page), and clears them when they are emptied', async () => {
    const { subscriber, post } = await start();
    await harness.store.setInterests(subscriber.id, { text: 'agents', include: ['tool use'], exclude: [], follow: [] });

    await post({ topics_choice: 'all', name: 'Ada' });
    expect((await harness.store.readerSignals(subscriber.id)).interests.include).toEqual(['tool use']);

    await post({ topics_choice: 'all', interests: '', include: '', exclude: '', follow: '' });
    expect((await harness.store.readerSignals(subscriber.id)).interests).toEqual({ text: '', include: [], exclude: [], follow: [] });
  });

  it('refuses an entry that is too long with 400 and a sentence naming the field and entry, keeps what was typed, and changes nothing', async () => {
    const { subscriber, post, retrainedFor } = await start();
    const response = await post({ topics_choice: 'all', name: 'Ada B.', interests: 'agents', follow: `DeepSeek, ${'x'.repeat(101)}` });
    const page = await response.text();

    expect(response.status).toBe(400);
    expect(page).toContain(
      '<p class="notice error" id="follow-error" role="alert">Authors and organisations you follow (entry 2): must be at most 100 characters.</p>',
    );
    expect(page).toContain('aria-invalid="true"');
    expect(textareaValue(page, 'interests')).toBe('agents');
    expect(await harness.store.findById(subscriber.id)).toMatchObject({ name: 'Ada' });
    expect((await harness.store.readerSignals(subscriber.id)).interests.text).toBe('');
    expect(await retrainedFor()).toEqual([]);
  });

  it('lists the reader’s votes newest first with their title (escaped), 👍/👎 and issue', async () => {
    const { app, subscriber, path } = await start();
    await harness.store.recordVote(subscriber.id, { paperId: '2509.00001', vote: 'up', issueId: '2025-09-30', title: 'Older <b>paper</b>' });
    harness.clock.advanceHours(1);
    await harness.store.recordVote(subscriber.id, { paperId: '2509.00002', vote: 'down', issueId: '2025-W40', title: 'Newer paper' });

    const page = await (await app.request(path)).text();
    const votes = /<ul class="plain" id="votes">([\s\S]*?)<\/ul>/.exec(page)?.[1] ?? '';

    expect(votes.indexOf('Newer paper')).toBeLessThan(votes.indexOf('Older &lt;b&gt;paper&lt;/b&gt;'));
    expect(votes).toContain('<span aria-label="disliked">👎</span> Newer paper <small>(the week 2025-W40)</small>');
    expect(votes).toContain('<span aria-label="liked">👍</span> Older &lt;b&gt;paper&lt;/b&gt; <small>(30 September 2025)</small>');
    expect(votes.match(/name="action" value="remove-vote"/g)).toHaveLength(2);
    expect(page).toContain('name="action" value="clear-votes"');
  });

  it('removes one vote with its button, and clears all with "Clear all votes", asking for retraining only when something went', async () => {
    const { subscriber, post, retrainedFor } = await start();
    for (const paperId of ['2509.00001', '2509.00002', '2509.00003']) {
      await harness.store.recordVote(subscriber.id, { paperId, vote: 'up', issueId: '2025-09-30', title: `Paper ${paperId}` });
    }

    const removed = await (await post({ action: 'remove-vote', paper: '2509.00002' })).text();
    expect(removed).toContain('Removed your vote on “Paper 2509.00002”.');
    expect((await post({ action: 'remove-vote', paper: '2509.00002' })).status).toBe(200);
    expect((await harness.store.readerSignals(subscriber.id)).votes.map((vote) => vote.paperId).sort()).toEqual(['2509.00001', '2509.00003']);

    const cleared = await (await post({ action: 'clear-votes' })).text();
    expect(cleared).toContain('Cleared your 2 votes.');
    expect(cleared).toContain('No votes yet.');
    expect(await (await post({ action: 'clear-votes' })).text()).toContain('You had no votes to clear.');
    expect((await harness.store.readerSignals(subscriber.id)).votes).toEqual([]);
    expect(await retrainedFor()).toEqual([subscriber.id, subscriber.id]);
  });

  it('refuses a vote form that is not the page’s with 400 and changes nothing', async () => {
    const { subscriber, post } = await start();
    await harness.store.recordVote(subscriber.id, { paperId: '2509.00001', vote: 'up', issueId: '2025-09-30', title: 'Kept' });
    for (const fields of [{ action: 'remove-vote' }, { action: 'drop-table' }]) {
      const response = await post(fields);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('The preferences form is not valid');
    }
    expect((await harness.store.readerSignals(subscriber.id)).votes).toHaveLength(1);
  });

  it('changes no vote with a token for another purpose or another reader', async () => {
    const { app, subscriber } = await start();
    await harness.store.recordVote(subscriber.id, { paperId: '2509.00001', vote: 'up', issueId: '2025-09-30', title: 'Kept' });
    const unsubscribeToken = createToken(SECRET, { purpose: 'unsubscribe', subscriberId: subscriber.id, email: subscriber.email });
    const elsewhere = createToken(SECRET, { purpose: 'preferences', subscriberId: subscriber.id, email: 'mallory@example.org' });
    for (const token of [unsubscribeToken, elsewhere]) {
      const response = await app.request(`/preferences?token=${token}`, { method: 'POST', body: form({ action: 'clear-votes' }) });
      expect(response.status).toBe(400);
    }
    expect((await harness.store.readerSignals(subscriber.id)).votes).toHaveLength(1);
  });
});
