import { describe, expect, it } from 'vitest';
import { isPapermailError } from '../../src/errors.js';
import {
  archiveLink,
  archiveListLink,
  feedLink,
  homeLink,
  paperVoteLink,
  parsePrivateFeedFile,
  privateFeedLink,
  publicCopyLinks,
  recipientLinks,
  relativeArchiveLink,
  relativeFeedLink,
  relativePrivateFeedLink,
  relativeSubscriberLink,
  relativeTokenLink,
  siteBase,
  subscriberLink,
  testCopyLinks,
  unsubscribeHelpLink,
  voteLink,
} from '../../src/links/public-links.js';
import { TOKEN_PURPOSES, verifyConfirmToken, verifyToken, verifyVoteToken, type TokenPurpose } from '../../src/subscribers/tokens.js';

const secret = 'a-test-secret-that-is-long-enough-for-hmac';
const settings = (PUBLIC_URL: string) => ({ PUBLIC_URL, secret });
const reader = { id: 7, email: 'ada@example.net' };
const ISSUE_DATE = '2025-09-30';
const now = new Date('2025-10-01T08:00:00Z');

/** The one `token` parameter of a link, after checking it is the link's only parameter. */
function tokenOf(link: string): string {
  const url = new URL(link);
  expect([...url.searchParams.keys()]).toEqual(['token']);
  return url.searchParams.get('token')!;
}

function purposesOpening(token: string): TokenPurpose[] {
  return TOKEN_PURPOSES.filter((purpose) => {
    try {
      verifyToken(secret, token, purpose, now);
      return true;
    } catch (error) {
      if (!isPapermailError(error, 'ETOKEN')) throw error;
      return false;
    }
  });
}

describe('the site base', () => {
  it.each([
    ['https://papers.example.org', 'https://papers.example.org/'],
    ['https://papers.example.org/', 'https://papers.example.org/'],
    ['https://example.org/papers', 'https://example.org/papers/'],
    ['https://example.org/papers/', 'https://example.org/papers/'],
    ['https://example.org/papers//', 'https://example.org/papers/'],
    ['https://Example.ORG:8443/a/b', 'https://example.org:8443/a/b/'],
    ['http://localhost:8080', 'http://localhost:8080/'],
  ])('makes %s the root %s, ending in one slash', (publicUrl, base) => {
    expect(siteBase(publicUrl)).toBe(base);
    expect(homeLink(publicUrl)).toBe(base);
  });

  it('drops a query and a fragment from PUBLIC_URL, which no route takes', () => {
    expect(siteBase('https://example.org/papers/?utm=x#top')).toBe('https://example.org/papers/');
  });

  it('refuses a PUBLIC_URL that is not a URL, naming the setting', () => {
    expect(() => siteBase('papers.example.org')).toThrow(expect.objectContaining({ code: 'ECONFIG', message: expect.stringMatching(/PUBLIC_URL/) }));
  });

  it('follows a change of PUBLIC_URL (the base is kept only for the same value)', () => {
    expect(archiveLink('https://a.example/', ISSUE_DATE)).toBe('https://a.example/archive/2025-09-30');
    expect(archiveLink('https://b.example/x', ISSUE_DATE)).toBe('https://b.example/x/archive/2025-09-30');
    expect(archiveLink('https://a.example/', ISSUE_DATE)).toBe('https://a.example/archive/2025-09-30');
  });
});

describe('each route', () => {
  it.each(['https://example.org/papers', 'https://example.org/papers/'])('keeps the path prefix of %s in every absolute link', (publicUrl) => {
    const links = recipientLinks(settings(publicUrl), reader, ISSUE_DATE);
    expect(links.unsubscribeUrl).toMatch(/^https:\/\/example\.org\/papers\/unsubscribe\?token=[A-Za-z0-9_.-]+$/);
    expect(links.preferencesUrl).toMatch(/^https:\/\/example\.org\/papers\/preferences\?token=[A-Za-z0-9_.-]+$/);
    expect(links.viewInBrowserUrl).toBe('https://example.org/papers/archive/2025-09-30');
    expect(unsubscribeHelpLink(publicUrl)).toBe('https://example.org/papers/unsubscribe');
    const confirm = subscriberLink(settings(publicUrl), { purpose: 'confirm', subscriber: reader, expiresAt: new Date(now.getTime() + 3_600_000), confirm: { statusVersion: 2 } });
    expect(confirm).toMatch(/^https:\/\/example\.org\/papers\/confirm\?token=[A-Za-z0-9_.-]+$/);
  });

  it('links the archive page of a day, escaping what could leave the path', () => {
    expect(archiveLink('https://example.org/papers', ISSUE_DATE)).toBe('https://example.org/papers/archive/2025-09-30');
    expect(relativeArchiveLink(ISSUE_DATE)).toBe('archive/2025-09-30');
    expect(relativeArchiveLink('../x?y#z')).toBe('archive/..%2Fx%3Fy%23z');
  });

  it('makes relative links for pages served by the app, resolving under the prefix', () => {
    const link = relativeSubscriberLink(secret, { purpose: 'preferences', subscriber: reader });
    expect(link).toMatch(/^preferences\?token=[A-Za-z0-9_.-]+$/);
    const resolved = new URL(link, 'https://example.org/papers/unsubscribe?token=old');
    expect(resolved.pathname).toBe('/papers/preferences');
    expect(verifyToken(secret, resolved.searchParams.get('token')!, 'preferences', now)).toEqual({ subscriberId: 7, email: 'ada@example.net' });
  });

  it('escapes a token so that it stays one parameter, whatever it holds', () => {
    expect(relativeTokenLink('unsubscribe', 'a&b=c#d')).toBe('unsubscribe?token=a%26b%3Dc%23d');
    expect(new URL(relativeTokenLink('unsubscribe', 'a&b=c#d'), 'https://x.example/').searchParams.get('token')).toBe('a&b=c#d');
  });
});

describe('signed links', () => {
  it('signs each subscriber link for its own purpose only', () => {
    const links = recipientLinks(settings('https://papers.example.org'), reader, ISSUE_DATE);
    expect(purposesOpening(tokenOf(links.unsubscribeUrl))).toEqual(['unsubscribe']);
    expect(purposesOpening(tokenOf(links.preferencesUrl))).toEqual(['preferences']);
    expect(verifyToken(secret, tokenOf(links.unsubscribeUrl), 'unsubscribe', now)).toEqual({ subscriberId: 7, email: 'ada@example.net' });
  });

  it('binds a confirm link to its status version and choices, and to confirming only', () => {
    const link = subscriberLink(settings('https://papers.example.org'), {
      purpose: 'confirm',
      subscriber: reader,
      expiresAt: new Date(now.getTime() + 3_600_000),
      confirm: { statusVersion: 3, choices: { name: 'Ada', topics: ['agents'] } },
    });
    const token = tokenOf(link);
    expect(verifyConfirmToken(secret, token, now)).toMatchObject({ subscriberId: 7, statusVersion: 3, choices: { name: 'Ada', topics: ['agents'] } });
    expect(purposesOpening(token)).toEqual(['confirm']);
  });

  it('names the subscriber it was made for, so another subscriber gets another token', () => {
    const config = settings('https://papers.example.org');
    const ada = recipientLinks(config, reader, ISSUE_DATE);
    const alan = recipientLinks(config, { id: 8, email: 'alan@example.net' }, ISSUE_DATE);
    expect(verifyToken(secret, tokenOf(alan.unsubscribeUrl), 'unsubscribe', now)).toEqual({ subscriberId: 8, email: 'alan@example.net' });
    expect(alan.unsubscribeUrl).not.toBe(ada.unsubscribeUrl);
  });
});

describe('feed links', () => {
  it('name the archive feeds and each topic feed under the path prefix, escaping the slug', () => {
    const site = 'https://example.org/papers/';
    expect([feedLink(site, 'rss'), feedLink(site, 'atom'), feedLink(site, 'json')]).toEqual([
      'https://example.org/papers/feed.xml',
      'https://example.org/papers/atom.xml',
      'https://example.org/papers/feed.json',
    ]);
    expect(feedLink(site, 'atom', 'agents')).toBe('https://example.org/papers/topics/agents/atom.xml');
    expect(relativeFeedLink('json', '../x?y')).toBe('topics/..%2Fx%3Fy/feed.json');
    expect(archiveListLink(site)).toBe('https://example.org/papers/archive');
  });

  it('give a subscriber a private feed whose file name is a feed token, which opens nothing else', () => {
    const link = privateFeedLink(settings('https://example.org/papers'), reader, 'rss');
    expect(link).toMatch(/^https:\/\/example\.org\/papers\/feed\/[\w.-]+\.xml$/);
    const file = parsePrivateFeedFile(link.split('/').at(-1)!);
    expect(file?.format).toBe('rss');
    expect(purposesOpening(file!.token)).toEqual(['feed']);
    // A feed token never expires: a reader keeps the address for years.
    expect(verifyToken(secret, file!.token, 'feed', new Date('2099-01-01T00:00:00Z'))).toEqual({ subscriberId: 7, email: 'ada@example.net' });
    expect(parsePrivateFeedFile(relativePrivateFeedLink(secret, reader, 'json').slice('feed/'.length))?.format).toBe('json');
  });

  it('read no format from a file name that is not a private feed', () => {
    for (const file of ['token.html', 'token', '.xml', 'token.xml.gz']) expect(parsePrivateFeedFile(file), file).toBeUndefined();
  });
});

describe('links that act on nobody', () => {
  it('gives test copies the front page for unsubscribe and preferences, with no token', () => {
    expect(testCopyLinks('https://example.org/papers', ISSUE_DATE)).toEqual({
      unsubscribeUrl: 'https://example.org/papers/',
      preferencesUrl: 'https://example.org/papers/',
      viewInBrowserUrl: 'https://example.org/papers/archive/2025-09-30',
    });
  });

  it('gives the browser version and previews the unsubscribe help page and the front page', () => {
    expect(publicCopyLinks('https://example.org/papers/', ISSUE_DATE)).toEqual({
      unsubscribeUrl: 'https://example.org/papers/unsubscribe',
      preferencesUrl: 'https://example.org/papers/',
      viewInBrowserUrl: 'https://example.org/papers/archive/2025-09-30',
    });
  });
});

describe('vote links', () => {
  it("start every reader's copy with one vote link, under the path prefix, bound to the reader and the issue", () => {
    const config = settings('https://example.org/papers/');
    const link = voteLink(config, reader, ISSUE_DATE);
    expect(link).toMatch(/^https:\/\/example\.org\/papers\/vote\?token=[^&]+$/);
    expect(recipientLinks(config, reader, ISSUE_DATE).voteUrl).toBe(link);
    const token = tokenOf(link);
    expect(verifyVoteToken(secret, token, reader)).toEqual({ subscriberId: 7, issueId: ISSUE_DATE });
    // A vote token opens no other route, and no other token opens the vote route.
    expect(purposesOpening(token)).toEqual([]);
    expect(() => verifyVoteToken(secret, tokenOf(recipientLinks(config, reader, ISSUE_DATE).preferencesUrl), reader)).toThrow(expect.objectContaining({ code: 'ETOKEN' }));
  });

  it('name the paper and the vote after the token, so each card adds only its own few bytes', () => {
    const start = voteLink(settings('https://papers.example.org'), reader, '2025-W40');
    const link = new URL(paperVoteLink(start, '2509.25541', 'down'));
    expect([...link.searchParams.entries()]).toEqual([
      ['token', tokenOf(start)],
      ['paper', '2509.25541'],
      ['vote', 'down'],
    ]);
    // Short: the 50 cards of a copy hold it a hundred times within Gmail's size budget.
    expect(start.length).toBeLessThan(80);
  });

  it('are not in copies that act on nobody', () => {
    expect(testCopyLinks('https://papers.example.org', ISSUE_DATE).voteUrl).toBeUndefined();
    expect(publicCopyLinks('https://papers.example.org', ISSUE_DATE).voteUrl).toBeUndefined();
  });
});
