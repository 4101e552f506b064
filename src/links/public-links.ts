/**
 * Every link papermail hands out to the public site, in emails and on pages. PUBLIC_URL is
 * the site as readers see it and may carry a path prefix (https://example.org/papers): every
 * absolute link is that base, ending in one slash, followed by the link relative to the site
 * root ("archive/2025-09-30", "unsubscribe?token=…"). Pages served by the app use the
 * relative form, so they work wherever the site is mounted.
 *
 * Each kind of token opens the route of the same name: /confirm, /unsubscribe, /preferences,
 * /vote, and /feed/<token>.xml (the private feed: the token is the file name, because feed
 * readers and some proxies drop or mangle a query string). Tokens themselves are made and
 * checked in src/subscribers/tokens.ts.
 *
 * Vote links are built in two parts, so a copy costs one token however many papers it
 * shows: voteLink once per copy (the one HMAC), then paperVoteLink per paper and vote (a string
 * join whose added part is the same in every copy, so an issue encodes it once).
 *
 * recipientLinks runs per recipient in the send loop: the base is worked out once per
 * PUBLIC_URL and the links are joined as strings, with no URL object per message.
 */
import type { Config } from '../config/config.js';
import { PapermailError } from '../errors.js';
import { arxivIdWithoutVersion } from '../digest/paper.js';
import { FEED_FILES, type FeedFormat } from '../feeds/formats.js';
import type { VoteKind } from '../personal/reader-signals.js';
import type { RecipientFields } from '../render/types.js';
import type { Subscriber } from '../subscribers/store.js';
import { createToken, createVoteToken, type ConfirmClaims, type TokenPurpose } from '../subscribers/tokens.js';

export type LinkSettings = Pick<Config, 'PUBLIC_URL' | 'secret'>;

/** The links an issue's copy carries in its footer and header, and the start of its vote links (none in a copy that acts on nobody). */
export type RecipientLinks = Pick<RecipientFields, 'unsubscribeUrl' | 'preferencesUrl' | 'viewInBrowserUrl' | 'voteUrl'>;

export interface SubscriberLinkRequest {
  purpose: TokenPurpose;
  subscriber: Pick<Subscriber, 'id' | 'email'>;
  expiresAt?: Date;
  /** Confirm links only: the status version they are bound to and the choices they apply. */
  confirm?: ConfirmClaims;
}

// A process has one PUBLIC_URL: its base is kept, and worked out again only if it changes.
let lastBase = { publicUrl: '', base: '' };

/**
 * PUBLIC_URL as the root of every absolute link: normalised by the URL parser (host in lower
 * case), query and fragment dropped, the path ending in exactly one slash.
 */
export function siteBase(publicUrl: string): string {
  if (publicUrl !== lastBase.publicUrl) {
    // The config schema has checked it already; this guards callers that pass options of their own.
    if (!URL.canParse(publicUrl)) throw new PapermailError('ECONFIG', `PUBLIC_URL must be an http:// or https:// URL (got ${JSON.stringify(publicUrl)})`);
    const url = new URL(publicUrl);
    url.search = '';
    url.hash = '';
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/`;
    lastBase = { publicUrl, base: url.href };
  }
  return lastBase.base;
}

/** The front page, which is the subscribe form. */
export function homeLink(publicUrl: string): string {
  return siteBase(publicUrl);
}

/** The browser version of an issue: `<base>archive/<date>`. */
export function archiveLink(publicUrl: string, issueDate: string): string {
  return siteBase(publicUrl) + relativeArchiveLink(issueDate);
}

/** The list of past issues: what the feeds are feeds of. */
export function archiveListLink(publicUrl: string): string {
  return `${siteBase(publicUrl)}archive`;
}

/** `/unsubscribe` without a token: a page explaining that the real link is in the email. */
export function unsubscribeHelpLink(publicUrl: string): string {
  return `${siteBase(publicUrl)}unsubscribe`;
}

/** A signed link for one subscriber, absolute, for emails. */
export function subscriberLink(config: LinkSettings, request: SubscriberLinkRequest): string {
  return siteBase(config.PUBLIC_URL) + relativeSubscriberLink(config.secret, request);
}

/** A signed link for one subscriber, relative to the site root, for pages served by the app. */
export function relativeSubscriberLink(secret: string, { purpose, subscriber, expiresAt, confirm }: SubscriberLinkRequest): string {
  const token = createToken(secret, {
    purpose,
    subscriberId: subscriber.id,
    email: subscriber.email,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(confirm === undefined ? {} : { confirm }),
  });
  return relativeTokenLink(purpose, token);
}

/** The route of a token's purpose with that token, relative ("preferences?token=…"): a form posting back the token it came with. */
export function relativeTokenLink(purpose: TokenPurpose, token: string): string {
  // Tokens are base64url, which needs no escaping; encoded anyway, so a link is never more than one parameter.
  return `${purpose}?token=${encodeURIComponent(token)}`;
}

export function relativeArchiveLink(issueDate: string): string {
  return `archive/${encodeURIComponent(issueDate)}`;
}

/** The links a subscriber's copy carries; tokens carry id and email, so they open nothing else. */
export function recipientLinks(config: LinkSettings, subscriber: Pick<Subscriber, 'id' | 'email'>, issueDate: string): RecipientLinks {
  const base = siteBase(config.PUBLIC_URL);
  const claims = { subscriberId: subscriber.id, email: subscriber.email };
  return {
    unsubscribeUrl: base + relativeTokenLink('unsubscribe', createToken(config.secret, { purpose: 'unsubscribe', ...claims })),
    preferencesUrl: base + relativeTokenLink('preferences', createToken(config.secret, { purpose: 'preferences', ...claims })),
    viewInBrowserUrl: base + relativeArchiveLink(issueDate),
    voteUrl: voteLink(config, subscriber, issueDate),
  };
}

/**
 * A copy's vote link without its paper: `<base>vote?token=<t>`, the token bound to the
 * subscriber and the issue (createVoteToken). Every paper card of the copy appends its own
 * `&paper=<arXiv id>&vote=up|down` (paperVoteLink), so a copy carries one token, however many cards.
 */
export function voteLink(config: LinkSettings, subscriber: Pick<Subscriber, 'id' | 'email'>, issueId: string): string {
  return siteBase(config.PUBLIC_URL) + relativeVoteLink(createVoteToken(config.secret, { subscriberId: subscriber.id, email: subscriber.email, issueId }));
}

/** `vote?token=<t>`, relative to the site root. */
export function relativeVoteLink(token: string): string {
  return `vote?token=${encodeURIComponent(token)}`;
}

/** One card's vote: a copy's vote link (voteLink) with the paper and the vote, as the issue templates write it. */
export function paperVoteLink(voteUrl: string, paperId: string, vote: VoteKind): string {
  return `${voteUrl}&paper=${encodeURIComponent(arxivIdWithoutVersion(paperId))}&vote=${vote}`;
}

/**
 * Links for a test copy sent to an arbitrary address: they must not act on any subscriber,
 * so unsubscribe and preferences lead to the site's front page.
 */
export function testCopyLinks(publicUrl: string, issueDate: string): RecipientLinks {
  const home = homeLink(publicUrl);
  return { unsubscribeUrl: home, preferencesUrl: home, viewInBrowserUrl: archiveLink(publicUrl, issueDate) };
}

/**
 * Links for a copy nobody in particular reads (the browser version, a preview): unsubscribe
 * leads to the page that says where the real link is, preferences to the front page.
 */
export function publicCopyLinks(publicUrl: string, issueDate: string): RecipientLinks {
  return { unsubscribeUrl: unsubscribeHelpLink(publicUrl), preferencesUrl: homeLink(publicUrl), viewInBrowserUrl: archiveLink(publicUrl, issueDate) };
}

/** The formats a private feed is served in (no Atom: one XML format is enough for one reader). */
export type PrivateFeedFormat = Extract<FeedFormat, 'rss' | 'json'>;
const PRIVATE_FEED_EXTENSIONS: Record<PrivateFeedFormat, string> = { rss: 'xml', json: 'json' };

/** A feed of the archive, relative to the site root: "feed.xml", or "topics/<slug>/feed.xml" for one topic. */
export function relativeFeedLink(format: FeedFormat, topicSlug?: string): string {
  return topicSlug === undefined ? FEED_FILES[format] : `topics/${encodeURIComponent(topicSlug)}/${FEED_FILES[format]}`;
}

/** A feed of the archive (or of one topic's papers), absolute: what feeds, pages' heads and emails link to. */
export function feedLink(publicUrl: string, format: FeedFormat, topicSlug?: string): string {
  return siteBase(publicUrl) + relativeFeedLink(format, topicSlug);
}

/** A subscriber's private feed, relative to the site root: "feed/<token>.xml", with a feed token (read-only, never expires). */
export function relativePrivateFeedLink(secret: string, subscriber: Pick<Subscriber, 'id' | 'email'>, format: PrivateFeedFormat): string {
  const token = createToken(secret, { purpose: 'feed', subscriberId: subscriber.id, email: subscriber.email });
  return `feed/${encodeURIComponent(token)}.${PRIVATE_FEED_EXTENSIONS[format]}`;
}

/** A subscriber's private feed, absolute (the feed's own self link). */
export function privateFeedLink(config: LinkSettings, subscriber: Pick<Subscriber, 'id' | 'email'>, format: PrivateFeedFormat): string {
  return siteBase(config.PUBLIC_URL) + relativePrivateFeedLink(config.secret, subscriber, format);
}

/** The token and format of a private feed's file name ("<token>.xml"); undefined for any other name. */
export function parsePrivateFeedFile(file: string): { token: string; format: PrivateFeedFormat } | undefined {
  const dot = file.lastIndexOf('.');
  const extension = file.slice(dot + 1);
  const format = (Object.keys(PRIVATE_FEED_EXTENSIONS) as PrivateFeedFormat[]).find((candidate) => PRIVATE_FEED_EXTENSIONS[candidate] === extension);
  return dot > 0 && format !== undefined ? { token: file.slice(0, dot), format } : undefined;
}
