import { afterEach, describe, expect, it } from 'vitest';
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
