/**
 * The bodies of papermail's few web pages, in the shared page shell (render/page.ts: the
 * issue email's colours, type and card). Every value goes through the `html` tag, which
 * escapes it. Links and form actions are relative ("subscribe", not "/subscribe") so the
 * site also works when a reverse proxy serves it under a path such as /papers/ (links with
 * a value come from src/links/public-links.ts).
 */
import { isWeekIssueId } from '../digest/issue-id.js';
import { DEFAULT_CADENCE, type Cadence } from '../subscribers/cadence.js';
import type { VoteKind } from '../personal/reader-signals.js';
import type { TopicChoice } from '../digest/taxonomy.js';
import { FEED_FORMAT_NAMES, FEED_FORMATS, FEED_MEDIA_TYPES } from '../feeds/formats.js';
import { feedLink, relativeArchiveLink } from '../links/public-links.js';
import { humanDate, shortDate } from '../render/format.js';
import { renderPage, type AlternateLink } from '../render/page.js';
import type { ArchivedIssue } from '../subscribers/store.js';
import { html, type SafeHtml } from './html.js';

/** The preferences form's fields for a reader's interests (src/personal/reader-signals.ts, Interests). */
export const INTEREST_FIELDS = ['interests', 'include', 'exclude', 'follow'] as const;

/** A form field that failed validation, shown right above the field. */
export interface FieldError {
  field: 'email' | 'name' | 'topics' | 'cadence' | (typeof INTEREST_FIELDS)[number];
  message: string;
}

/** The interest fields as the form shows them: the text, and each list as one text (comma- or line-separated). */
export type InterestFormValues = Record<(typeof INTEREST_FIELDS)[number], string>;

/** One vote as the preferences page lists it. */
export interface VoteListing {
  paperId: string;
  title: string;
  vote: VoteKind;
  issueId: string;
}

/** What a vote page is about: the paper (its title from the issue) and the vote the link asks for. */
export interface VoteView {
  paperId: string;
  title: string;
  vote: VoteKind;
  issueId: string;
  /** Where the page's buttons post (the link's token, without the paper and vote: those go in the body). */
  actionUrl: string;
  preferencesUrl: string;
}

export interface SubscribeFormValues {
  email: string;
  name: string;
  /** null: "All topics" (the default); a list: "Only these", with these ticked (maybe none yet). */
  topics: readonly string[] | null;
  cadence: Cadence;
}

/** An issue as the home page and the archive list show it. */
export type IssueLink = Pick<ArchivedIssue, 'date' | 'subject'>;

export interface PreferencesView {
  email: string;
  name: string;
  topics: readonly TopicChoice[];
  /** As SubscribeFormValues.topics: null is "All topics". */
  checked: readonly string[] | null;
  cadence: Cadence;
  actionUrl: string;
  unsubscribeUrl: string;
  /** The subscriber's private feed (relative): their issues, with their topics, in a feed reader. */
  privateFeedUrl: string;
  interests: InterestFormValues;
  /** Newest first. */
  votes: readonly VoteListing[];
  saved?: boolean;
  /** Says what a vote button did ("Removed your vote on …"). */
  notice?: string;
  error?: FieldError;
}

const VOTE_SYMBOL: Record<VoteKind, string> = { up: '👍', down: '👎' };
const VOTE_WORDS: Record<VoteKind, string> = { up: 'more like this', down: 'less like this' };

export type Pages = ReturnType<typeof createPages>;

/** The site's feeds, as every page's head links them. */
export function siteFeedLinks(publicUrl: string, newsletterName: string): AlternateLink[] {
  return FEED_FORMATS.map((format) => ({ type: FEED_MEDIA_TYPES[format], title: `${newsletterName} (${FEED_FORMAT_NAMES[format]})`, href: feedLink(publicUrl, format) }));
}

/**
 * `feeds`: the site's feeds, linked from every page's head (absolute: a page may be served
 * under any path, /archive or a 404 at /topics/x/y, and a relative link would move with it).
 */
export function createPages(newsletterName: string, feeds: readonly AlternateLink[] = []) {
  const page = (title: string, body: SafeHtml) =>
    renderPage({ title: `${title} · ${newsletterName}`, siteName: newsletterName, bodyHtml: body.value, alternates: feeds });

  return {
    subscribe(options: { topics: readonly TopicChoice[]; values?: SubscribeFormValues; error?: FieldError; latestIssue?: IssueLink }): string {
      const { topics, error, latestIssue } = options;
      const values = options.values ?? { email: '', name: '', topics: null, cadence: DEFAULT_CADENCE };
      return page(
        'Subscribe',
        html`<h1>Get the day's top AI papers by email</h1>
<p>Each morning, the most upvoted papers from Hugging Face Daily Papers, grouped by topic, in one short email.</p>
${latestIssue && html`<p class="latest"><span class="muted">Latest issue</span><br><a href="${relativeArchiveLink(latestIssue.date)}">${latestIssue.subject}</a></p>`}
<form method="post" action="subscribe">
${textField({ id: 'email', label: 'Email address', type: 'email', autocomplete: 'email', value: values.email, required: true, maxLength: 254, error })}
${textField({ id: 'name', label: 'Name', optional: true, type: 'text', autocomplete: 'name', value: values.name, maxLength: 100, error })}
${topicFieldset({ topics, checked: values.topics, error, hint: 'You can change this later from any issue.' })}
${cadenceFieldset(values.cadence, error)}
<p><button type="submit">Subscribe</button></p>
<p class="muted">We will email you a link to confirm. Every issue has a one-click unsubscribe link.</p>
</form>
<p class="muted"><a href="archive">Read past issues</a></p>`,
      );
    },

    /** The same page whatever the address's state, so the form never tells who is subscribed. */
    checkInbox(): string {
      return page(
        'Check your inbox',
        html`<h1>Check your inbox</h1>
<p>Unless this address is already subscribed, an email with a confirmation link is on its way to it. Follow the link in that email to start receiving ${newsletterName}.</p>
<p class="muted">Nothing after a few minutes? Look in your spam folder, or <a href="./">try again</a>.</p>`,
      );
    },

    /**
     * What a confirmation link would do, with a button that does it: only the POST
     * confirms, so a mail scanner opening the link changes nothing. The name and topics
     * are the ones the sign-up asked for, shown so the reader sees them before agreeing.
     */
    confirmPrompt(options: { email: string; name: string | null; topics: readonly string[] | null; cadence: Cadence; actionUrl: string }): string {
      return page(
        'Confirm your subscription',
        html`<h1>Confirm your subscription</h1>
<p>Start sending ${newsletterName} to <strong>${options.email}</strong>.</p>
<ul class="plain">
<li>Name: ${options.name ?? html`<span class="muted">none given</span>`}</li>
<li>Topics: ${options.topics === null ? 'all topics' : options.topics.join(', ')}</li>
<li>How often: ${options.cadence === 'weekly' ? "weekly, the week's best" : 'daily'}</li>
</ul>
<form method="post" action="${options.actionUrl}">
<p><button type="submit">Confirm subscription</button></p>
</form>
<p class="muted">Did not ask for this? Close this page: nothing changes unless you press the button.</p>`,
      );
    },

    /** `firstIssue` says when, e.g. "tomorrow around 08:00 UTC"; null when the schedule cannot tell. */
    confirmed(options: { email: string; preferencesUrl: string; firstIssue: string | null }): string {
      const when = options.firstIssue === null ? html`with the next daily send` : options.firstIssue;
      return page(
        'Subscription confirmed',
        html`<h1>You are subscribed</h1>
<p>Thank you for confirming. Issues of ${newsletterName} will go to <strong>${options.email}</strong>.</p>
<p>Your first issue arrives ${when}.</p>
<p><a class="button" href="${options.preferencesUrl}">Choose your topics</a></p>`,
      );
    },

    invalidLink(): string {
      return page(
        'Link invalid or expired',
        html`<h1>This link is invalid or has expired</h1>
<p>Links from our emails only work exactly as sent, and confirmation links expire after a while.</p>
<p class="muted"><a href="./">Subscribe again</a> for a fresh confirmation link, or use the link in your latest issue.</p>`,
      );
    },

    unsubscribeConfirm(options: { email: string; actionUrl: string; preferencesUrl: string }): string {
      return page(
        'Unsubscribe',
        html`<h1>Unsubscribe?</h1>
<p>Stop sending ${newsletterName} to <strong>${options.email}</strong>.</p>
<form method="post" action="${options.actionUrl}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
<p class="muted">Too many papers? <a href="${options.preferencesUrl}">Change topics instead</a> and get only the ones you care about.</p>`,
      );
    },

    /** The unsubscribe link of an address that gets nothing any more: no button that would do nothing. */
    alreadyUnsubscribed(options: { email: string }): string {
      return page(
        'Already unsubscribed',
        html`<h1>You are already unsubscribed</h1>
<p><strong>${options.email}</strong> does not receive ${newsletterName} any more. There is nothing else to do.</p>
<p class="muted">Changed your mind? <a href="./">Subscribe again</a>.</p>`,
      );
    },

    unsubscribed(): string {
      return page(
        'Unsubscribed',
        html`<h1>You are unsubscribed</h1>
<p>You will not receive ${newsletterName} any more. Sorry to see you go.</p>
<p class="muted">Changed your mind? <a href="./">Subscribe again</a>.</p>`,
      );
    },

    /** `/unsubscribe` without a token: the browser version of an issue links here. */
    unsubscribeHelp(): string {
      return page(
        'Unsubscribe',
        html`<h1>Unsubscribe</h1>
<p>To unsubscribe, use the <strong>Unsubscribe</strong> link at the bottom of any issue in your inbox. It is made for your address, so it works with one click and no password.</p>
<p class="muted">Many mail apps also show an Unsubscribe button next to the sender's name.</p>`,
      );
    },

    /** `/preferences` without a token: as above, the real link is in the email. */
    preferencesHelp(): string {
      return page(
        'Your preferences',
        html`<h1>Your preferences</h1>
<p>To choose your topics, use the <strong>Choose topics</strong> link at the bottom of any issue in your inbox. It is made for your address, so no password is needed.</p>`,
      );
    },

    preferences(view: PreferencesView): string {
      const { error } = view;
      return page(
        'Your preferences',
        html`<h1>Your preferences</h1>
<p>For <strong>${view.email}</strong></p>
${view.saved && html`<p class="notice success" role="status">Saved. The next issue will follow these choices.</p>`}
${view.notice && html`<p class="notice success" role="status">${view.notice}</p>`}
<form method="post" action="${view.actionUrl}">
${textField({ id: 'name', label: 'Name', optional: true, type: 'text', autocomplete: 'name', value: view.name, maxLength: 100, error })}
${topicFieldset({ topics: view.topics, checked: view.checked, error, hint: 'Your issue lists papers from the topics you choose here.' })}
${cadenceFieldset(view.cadence, error)}
${interestsFieldset(view.interests, error)}
<p><button type="submit">Save preferences</button></p>
</form>
${votesSection(view.votes, view.actionUrl)}
<p class="muted">Read your issues in a feed reader: <a href="${view.privateFeedUrl}">your private feed</a>, with your topics. The address is yours alone; do not share it.</p>
<p class="muted">Do not want these emails any more? <a href="${view.unsubscribeUrl}">Unsubscribe</a></p>`,
      );
    },

    /** What a 👍/👎 link would record, with the one button that records it: a mail scanner opening the link records nothing. */
    votePrompt(view: VoteView): string {
      return page(
        'Your vote',
        html`<h1>${VOTE_SYMBOL[view.vote]} ${view.title}</h1>
<p>Record ${VOTE_SYMBOL[view.vote]} (${VOTE_WORDS[view.vote]}) for this paper from the issue of ${issueName(view.issueId)}? Your votes shape the “For you” papers at the top of your issues.</p>
${voteForm(view, 'record', 'Record my vote')}
<p class="muted">Nothing is recorded unless you press the button. <a href="${view.preferencesUrl}">Your votes and interests</a></p>`,
      );
    },

    voteRecorded(view: VoteView): string {
      return page(
        'Vote recorded',
        html`<h1>Vote recorded</h1>
<p class="notice success" role="status">You gave ${VOTE_SYMBOL[view.vote]} (${VOTE_WORDS[view.vote]}) to <strong>${view.title}</strong>.</p>
${voteForm(view, 'undo', 'Undo', 'secondary')}
<p class="muted">Your votes are yours: only this server keeps them, to pick your “For you” papers. <a href="${view.preferencesUrl}">See or clear your votes</a></p>`,
      );
    },

    voteUndone(view: VoteView): string {
      return page(
        'Vote removed',
        html`<h1>Vote removed</h1>
<p class="notice success" role="status">You have no vote on <strong>${view.title}</strong> any more.</p>
${voteForm(view, 'record', `Vote ${VOTE_SYMBOL[view.vote]} again`, 'secondary')}
<p class="muted"><a href="${view.preferencesUrl}">Your votes and interests</a></p>`,
      );
    },

    /** Preferences of an address that no longer receives issues. */
    notSubscribed(): string {
      return page(
        'Not subscribed',
        html`<h1>You are not subscribed</h1>
<p>This address does not receive ${newsletterName} any more, so there are no preferences to change.</p>
<p class="muted"><a href="./">Subscribe again</a></p>`,
      );
    },

    archive(issues: readonly IssueLink[]): string {
      // Subjects usually name their day ("Top papers for 30 Sep 2025: …"): the date goes under only those that do not.
      const items = issues.map(
        (issue) =>
          html`<li><a href="${relativeArchiveLink(issue.date)}">${issue.subject}</a>${!isWeekIssueId(issue.date) && !mentionsDay(issue.subject, issue.date) && html`<br><small><time datetime="${issue.date}">${humanDate(issue.date)}</time></small>`}</li>`,
      );
      return page(
        'Past issues',
        html`<h1>Past issues</h1>
${items.length === 0 ? html`<p>No issues have been sent yet.</p>` : html`<ul class="plain">${items}</ul>`}
<p class="muted" style="margin-top:20px"><a href="./">Subscribe</a></p>`,
      );
    },

    /** Errors and refusals: a heading, a sentence, and a way back. */
    message(options: { title: string; message: string }): string {
      return page(
        options.title,
        html`<h1>${options.title}</h1>
<p>${options.message}</p>
<p class="muted"><a href="./">Back to the subscribe page</a></p>`,
      );
    },
  };
}

/** A vote page's one button, posting the paper and the vote with the link's token. */
function voteForm(view: VoteView, action: 'record' | 'undo', label: string, style?: 'secondary'): SafeHtml {
  return html`<form method="post" action="${view.actionUrl}">
<input type="hidden" name="action" value="${action}">
<input type="hidden" name="paper" value="${view.paperId}">
<input type="hidden" name="vote" value="${view.vote}">
<button type="submit"${style && html` class="${style}"`}>${label}</button>
</form>`;
}

/** "30 September 2025", or the week as written ("2025-W40"). */
function issueName(issueId: string): string {
  return isWeekIssueId(issueId) ? `the week ${issueId}` : humanDate(issueId).replace(/^[^,]*, /, '');
}

/** The interest fields: free text, and three lists typed comma- or line-separated. */
function interestsFieldset(values: InterestFormValues, formError: FieldError | undefined): SafeHtml {
  const area = (id: (typeof INTEREST_FIELDS)[number], label: string, hint: string, rows: number) => {
    const error = formError?.field === id ? formError : undefined;
    return html`<label for="${id}">${label} <span class="muted">(optional)</span></label>
<p class="muted" id="${id}-hint">${hint}</p>
${error && fieldErrorNotice(id, error)}
<textarea id="${id}" name="${id}" rows="${rows}" aria-describedby="${id}-hint${error ? ` ${id}-error` : ''}"${error && html` aria-invalid="true"`}>${values[id]}</textarea>`;
  };
  return html`<fieldset id="interests-fieldset">
<legend>For you</legend>
<p class="muted">Papers that match these go to the “For you” block at the top of your issue. They are yours: kept only on this server, never sent anywhere, and deleted with your address.</p>
${area('interests', 'Your interests', 'In your own words, e.g. speculative decoding, KV cache, diffusion distillation.', 3)}
${area('include', 'Always show papers about', 'Keywords, separated by commas or new lines: a paper that mentions one always reaches “For you”.', 2)}
${area('exclude', 'Never show papers about', 'Keywords, separated by commas or new lines: a paper that mentions one is left out of your issue.', 2)}
${area('follow', 'Authors and organisations you follow', 'Names, separated by commas or new lines: their papers always reach “For you”.', 2)}
</fieldset>`;
}

/** The reader's recent votes, each with a remove button, and one button clearing them all. */
function votesSection(votes: readonly VoteListing[], actionUrl: string): SafeHtml {
  if (votes.length === 0) {
    return html`<h2>Your votes</h2>
<p class="muted">No votes yet. The 👍 and 👎 under each paper in your issue teach the “For you” block what you like.</p>`;
  }
  const items = votes.map(
    (vote) => html`<li><span aria-label="${vote.vote === 'up' ? 'liked' : 'disliked'}">${VOTE_SYMBOL[vote.vote]}</span> ${vote.title} <small>(${issueName(vote.issueId)})</small>
<form method="post" action="${actionUrl}" style="display:inline;margin:0 0 0 8px">
<input type="hidden" name="action" value="remove-vote"><input type="hidden" name="paper" value="${vote.paperId}">
<button type="submit" class="secondary">Remove</button>
</form></li>`,
  );
  return html`<h2>Your votes</h2>
<ul class="plain" id="votes">${items}</ul>
<form method="post" action="${actionUrl}">
<input type="hidden" name="action" value="clear-votes">
<button type="submit" class="danger">Clear all votes</button>
</form>`;
}

function fieldErrorNotice(id: string, error: FieldError): SafeHtml {
  return html`<p class="notice error" id="${id}-error" role="alert">${error.message}</p>`;
}

function textField(options: {
  id: 'email' | 'name';
  label: string;
  type: 'email' | 'text';
  autocomplete: string;
  value: string;
  maxLength: number;
  required?: boolean;
  optional?: boolean;
  error: FieldError | undefined;
}): SafeHtml {
  const error = options.error?.field === options.id ? options.error : undefined;
  return html`<label for="${options.id}">${options.label}${options.optional && html` <span class="muted">(optional)</span>`}</label>
${error && fieldErrorNotice(options.id, error)}
<input id="${options.id}" name="${options.id}" type="${options.type}" autocomplete="${options.autocomplete}" maxlength="${options.maxLength}" value="${options.value}"${options.required && html` required`}${error && html` aria-invalid="true" aria-describedby="${options.id}-error"`}>`;
}

/** The radio buttons' field: "all" (every topic, and any added later) or "only" (the ticked ones). */
export const TOPICS_CHOICE_FIELD = 'topics_choice';

/**
 * "All topics" or "Only these:" and the topic checkboxes, without JavaScript: the server
 * reads the radio button, and the page's CSS shows the checkboxes only while "Only these"
 * is selected (a browser without :has() shows them always, which still works).
 */
function topicFieldset(options: {
  topics: readonly TopicChoice[];
  checked: readonly string[] | null;
  hint: string;
  error: FieldError | undefined;
}): SafeHtml {
  const error = options.error?.field === 'topics' ? options.error : undefined;
  const all = options.checked === null;
  const isChecked = (slug: string) => options.checked !== null && options.checked.includes(slug);
  const choices = options.topics.map(
    (topic) => html`<label class="check"><input type="checkbox" name="topics" value="${topic.slug}"${isChecked(topic.slug) && html` checked`}>
<span>${topic.name}${topic.description && html`<br><small>${topic.description}</small>`}</span></label>`,
  );
  return html`<fieldset id="topics" class="topic-choice" aria-describedby="topics-hint${error ? ' topics-error' : ''}">
<legend>Topics</legend>
<p class="muted" id="topics-hint">${options.hint}</p>
${error && fieldErrorNotice('topics', error)}
<label class="check"><input type="radio" name="${TOPICS_CHOICE_FIELD}" value="all"${all && html` checked`}>
<span>All topics <small>(all ${options.topics.length}, and any added later)</small></span></label>
<label class="check"><input type="radio" name="${TOPICS_CHOICE_FIELD}" value="only" id="topics-only"${!all && html` checked`}>
<span>Only these:</span></label>
<div class="topic-list" role="group" aria-label="Topics to include">
${choices}
</div>
</fieldset>`;
}

/** Daily or weekly, as a radio pair; a change applies from the next issue. */
function cadenceFieldset(checked: Cadence, formError: FieldError | undefined): SafeHtml {
  const error = formError?.field === 'cadence' ? formError : undefined;
  const option = (value: Cadence, label: string, note: string) =>
    html`<label class="check"><input type="radio" name="cadence" value="${value}"${checked === value && html` checked`}>
<span>${label} <small>(${note})</small></span></label>`;
  return html`<fieldset id="cadence" aria-describedby="cadence-hint${error ? ' cadence-error' : ''}">
<legend>How often</legend>
<p class="muted" id="cadence-hint">Every day's issue, or one issue a week with the week's top papers.</p>
${error && fieldErrorNotice('cadence', error)}
${option('daily', 'Daily', 'each weekday')}
${option('weekly', 'Weekly', "the week's best, once a week")}
</fieldset>`;
}

/** Whether a subject already names its day, in any of the forms papermail writes dates. */
function mentionsDay(subject: string, day: string): boolean {
  const longDate = humanDate(day).replace(/^[^,]*, /, ''); // "30 September 2025"
  return [day, shortDate(day), longDate].some((form) => subject.includes(form));
}
