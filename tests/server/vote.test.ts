/**
 * The 👍/👎 links: one vote token per copy, the paper and the vote as plain parameters. A GET
 * (what a mail scanner does) shows one button and records nothing; the POST records, replays
 * store the vote once, Undo removes it; anything forged, altered, expired, for another
 * purpose, for a paper outside the token's issue, or malformed is a 4xx page that records nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { paperVoteLink, voteLink } from '../../src/links/public-links.js';
import { createApp } from '../../src/server/app.js';
import { VOTE_POSTS_PER_HOUR } from '../../src/server/routes/vote.js';
import type { SubscriberStatus } from '../../src/subscribers/store.js';
import { createToken, createVoteToken } from '../../src/subscribers/tokens.js';
import { digestOf, paper } from '../builders.js';
import { form, SECRET, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

const ISSUE = '2025-10-01';
const liked = paper({ id: '2510.00001v2', title: 'Speculative <Decoding> & KV caches' });
const other = paper({ id: '2510.00002', title: 'Diffusion distillation' });
/** A paper of another day: no link of ISSUE may vote on it. */
const elsewhere = paper({ id: '2510.09999', title: 'Not in this issue' });

/** The app with a SignalsChanged that notes whom it ran for. */
async function start(status: SubscriberStatus = 'confirmed') {
  harness = await startHarness();
  const retrained: number[] = [];
  const app = createApp({ ...harness.deps, signalsChanged: async (id) => void retrained.push(id) });
  await harness.store.freezeIssue({ issueDate: ISSUE, digest: JSON.stringify(digestOf([liked, other], { date: ISSUE })), compiled: '{}' });
  await harness.store.freezeIssue({ issueDate: '2025-10-02', digest: JSON.stringify(digestOf([elsewhere], { date: '2025-10-02' })), compiled: '{}' });
  const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', status });
  const token = voteTokenOf(subscriber, ISSUE);
  const settledRetraining = async () => {
    await harness.background.settled();
    return retrained;
  };
  return { app, subscriber, token, settledRetraining };
}

function voteTokenOf(subscriber: { id: number; email: string }, issueId: string, secret = SECRET): string {
  return createVoteToken(secret, { subscriberId: subscriber.id, email: subscriber.email, issueId });
}

function linkPath(token: string, paperId: string, vote: 'up' | 'down'): string {
  return `/vote?token=${encodeURIComponent(token)}&paper=${encodeURIComponent(paperId)}&vote=${vote}`;
}

function press(app: ReturnType<typeof createApp>, token: string, fields: Record<string, string>) {
  return app.request(`/vote?token=${encodeURIComponent(token)}`, { method: 'POST', body: form(fields) });
}

/** The hidden fields of the page's one form: what its button posts. */
function buttonFields(page: string): Record<string, string> {
  expect(page.match(/<form method="post"/g)).toHaveLength(1);
  return Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [match[1]!, match[2]!]));
}

const votesOf = async (id: number) => (await harness.store.readerSignals(id)).votes;

describe('a vote link opened (GET): what every mail scanner does', () => {
  it('names the paper (escaped) and the vote, with one button that posts, and records nothing', async () => {
    const { app, subscriber, token, settledRetraining } = await start();

    const response = await app.request(linkPath(token, '2510.00001', 'up'));
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(page).toContain('Speculative &lt;Decoding&gt; &amp; KV caches');
    expect(page).toContain('👍');
    expect(buttonFields(page)).toEqual({ action: 'record', paper: '2510.00001', vote: 'up' });
    expect(page).toMatch(/preferences\?token=/);
    expect(await votesOf(subscriber.id)).toEqual([]);
    expect(await settledRetraining()).toEqual([]);
  });

  it('records nothing however often it is fetched, by GET or HEAD', async () => {
    const { app, subscriber, token } = await start();
    for (const method of ['GET', 'HEAD', 'GET']) expect((await app.request(linkPath(token, '2510.00002', 'down'), { method })).status).toBe(200);
    expect(await votesOf(subscriber.id)).toEqual([]);
  });

  it('opens from the links the email side builds: one link per copy, the paper and vote added per card (versions dropped)', async () => {
    const { app, subscriber } = await start();
    const base = voteLink(harness.config, subscriber, ISSUE);
    const link = new URL(paperVoteLink(base, liked.id, 'down'));
    expect([...link.searchParams.keys()]).toEqual(['token', 'paper', 'vote']);
    expect(link.searchParams.get('paper')).toBe('2510.00001');

    const page = await (await app.request(link.pathname + link.search)).text();
    expect(page).toContain('👎');
    expect(page).toContain('Speculative &lt;Decoding&gt;');
  });
});

describe('the vote button (POST)', () => {
  it('records the vote with the paper’s title and issue, says so, offers Undo and the preferences page, and asks for retraining', async () => {
    const { app, subscriber, token, settledRetraining } = await start();

    const response = await press(app, token, { action: 'record', paper: '2510.00001', vote: 'up' });
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(page).toContain('Vote recorded');
    expect(page).toContain('Speculative &lt;Decoding&gt; &amp; KV caches');
    expect(page).toContain('name="action" value="undo"');
    expect(page).toMatch(/<a href="preferences\?token=[^"]+">See or clear your votes<\/a>/);
    expect(await votesOf(subscriber.id)).toEqual([
      { paperId: '2510.00001', vote: 'up', issueId: ISSUE, title: 'Speculative <Decoding> & KV caches', at: '2025-10-01T08:00:00.000Z' },
    ]);
    expect(await settledRetraining()).toEqual([subscriber.id]);
  });

  it("trains the reader's model after the vote, as the server is wired (serve's own runtime), and undoing every vote leaves no model", async () => {
    const { subscriber, token } = await start();
    const app = harness.app;
    await press(app, token, { action: 'record', paper: '2510.00001', vote: 'up' });
    await harness.background.settled();
    const trained = (await harness.store.readerModels([subscriber.id])).get(subscriber.id);
    expect(trained).toBeDefined();
    expect(JSON.parse(trained!.json)).not.toBeNull();

    await press(app, token, { action: 'undo', paper: '2510.00001', vote: 'up' });
    await harness.background.settled();
    expect(JSON.parse((await harness.store.readerModels([subscriber.id])).get(subscriber.id)!.json)).toBeNull();
  });

  it('stores a replayed POST once, and a later 👎 on the same paper replaces the 👍', async () => {
    const { app, subscriber, token } = await start();
    const up = { action: 'record', paper: '2510.00001', vote: 'up' };
    const first = await (await press(app, token, up)).text();
    const replay = await (await press(app, token, up)).text();
    expect(replay).toBe(first);
    expect((await votesOf(subscriber.id)).map((vote) => vote.vote)).toEqual(['up']);

    await press(app, token, { ...up, vote: 'down' });
    expect((await votesOf(subscriber.id)).map((vote) => vote.vote)).toEqual(['down']);
  });

  it('undoes the vote with the Undo button, and an undo pressed twice changes nothing more', async () => {
    const { app, subscriber, token, settledRetraining } = await start();
    const recorded = await (await press(app, token, buttonFields(await (await app.request(linkPath(token, '2510.00002', 'down'))).text()))).text();
    await press(app, token, { action: 'record', paper: '2510.00001', vote: 'up' });
    const undo = buttonFields(recorded);
    expect(undo).toEqual({ action: 'undo', paper: '2510.00002', vote: 'down' });

    const page = await (await press(app, token, undo)).text();
    await press(app, token, undo);

    expect(page).toContain('Vote removed');
    expect(buttonFields(page)).toEqual({ action: 'record', paper: '2510.00002', vote: 'down' });
    expect((await votesOf(subscriber.id)).map((vote) => vote.paperId)).toEqual(['2510.00001']);
    // Two votes and one undo that removed something: the second undo asked for nothing.
    expect(await settledRetraining()).toEqual([subscriber.id, subscriber.id, subscriber.id]);
  });

  it('refuses a body that is not the page’s form with a 400 page, no stack trace, and records nothing', async () => {
    const { app, subscriber, token } = await start();
    const bodies: Array<Record<string, string>> = [
      { action: 'record', paper: '2510.00001', vote: 'sideways' },
      { action: 'record', vote: 'up' },
      { action: 'delete-everything', paper: '2510.00001', vote: 'up' },
      { action: 'record', paper: '../../etc/passwd?', vote: 'up' },
    ];
    for (const fields of bodies) {
      const response = await press(app, token, fields);
      const page = await response.text();
      expect(response.status).toBe(400);
      expect(page).toContain('The vote form is not valid');
      expect(page).not.toMatch(/at .*\.(ts|js):\d+/);
    }
    expect(await votesOf(subscriber.id)).toEqual([]);
  });
});

describe('vote links that open nothing', () => {
  it('refuses a forged, altered, other-reader, other-purpose or other-server token with the invalid-link page, and records nothing', async () => {
    const { app, subscriber, token } = await start();
    const [id, issue, mac] = token.split('.');
    const refused = [
      // Someone else's id, or another issue, under this copy's MAC.
      `${(subscriber.id + 1).toString(36)}.${issue}.${mac}`,
      `${id}.2025-10-02.${mac}`,
      `${id}.${issue}.${mac!.startsWith('A') ? 'B' : 'A'}${mac!.slice(1)}`,
      // A subscriber who does not exist, with a well-formed token.
      voteTokenOf({ id: subscriber.id + 100, email: subscriber.email }, ISSUE),
      createToken(SECRET, { purpose: 'preferences', subscriberId: subscriber.id, email: subscriber.email }),
      voteTokenOf(subscriber, ISSUE, 'another-server-secret-that-is-long-enough'),
      '',
    ];
    for (const bad of refused) {
      for (const response of [await app.request(linkPath(bad, '2510.00001', 'up')), await press(app, bad, { action: 'record', paper: '2510.00001', vote: 'up' })]) {
        expect(response.status).toBe(400);
        expect(await response.text()).toContain('This link is invalid or has expired');
      }
    }
    expect(await votesOf(subscriber.id)).toEqual([]);
  });

  it('refuses a paper that is not in the token’s issue (another day’s, an unknown one) with a 404 page', async () => {
    const { app, subscriber, token } = await start();
    for (const paperId of ['2510.09999', '2510.77777']) {
      const shown = await app.request(linkPath(token, paperId, 'up'));
      expect(shown.status).toBe(404);
      expect(await shown.text()).toContain('names a paper that is not in the issue it came with');
      expect((await press(app, token, { action: 'record', paper: paperId, vote: 'up' })).status).toBe(404);
    }
    const unkept = voteTokenOf(subscriber, '2025-09-01');
    expect((await press(app, unkept, { action: 'record', paper: '2510.00001', vote: 'up' })).status).toBe(404);
    expect(await votesOf(subscriber.id)).toEqual([]);
  });

  it('refuses a link cut short or altered in its paper or vote with a 400 page naming the part', async () => {
    const { app, token } = await start();
    const cut = await app.request(`/vote?token=${encodeURIComponent(token)}&paper=2510.00001`);
    expect(cut.status).toBe(400);
    expect(await cut.text()).toContain('its vote is missing');
    const twice = await app.request(`${linkPath(token, '2510.00001', 'up')}&vote=down`);
    expect(twice.status).toBe(400);
  });

  it('records nothing for a reader who unsubscribed, and says they are not subscribed', async () => {
    const { app, subscriber, token } = await start();
    await harness.store.setStatus(subscriber.id, 'unsubscribed');
    const page = await (await press(app, token, { action: 'record', paper: '2510.00001', vote: 'up' })).text();
    expect(page).toContain('You are not subscribed');
    expect(await votesOf(subscriber.id)).toEqual([]);
  });

  it('answers 429 once a client network has pressed vote buttons more than the hourly limit', async () => {
    const { app, token } = await start();
    const fields = { action: 'record', paper: '2510.00001', vote: 'up' };
    for (let press_ = 0; press_ < VOTE_POSTS_PER_HOUR; press_ += 1) expect((await press(app, token, fields)).status).toBe(200);
    const refused = await press(app, token, fields);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('Retry-After')).toBe('3600');
    expect(await refused.text()).toContain('Too many votes came from here.');
  });
});
