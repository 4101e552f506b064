/**
 * The bodies of papermail's few web pages, in the shared page shell (render/page.ts: the
 * issue email's colours, type and card). Every value goes through the `html` tag, which
 * escapes it. Links and form actions are relative ("subscribe", not "/subscribe") so the
 * site also works when a reverse proxy serves it under a path such as /papers/.
 */
import type { TopicChoice } from '../digest/taxonomy.js';
import { renderPage } from '../render/page.js';
import type { ArchivedIssue } from '../subscribers/store.js';
import { html, type SafeHtml } from './html.js';

/** A form field that failed validation, shown right above the field. */
export interface FieldError {
  field: 'email' | 'name' | 'topics';
  message: string;
}

export interface SubscribeFormValues {
  email: string;
  name: string;
  /** Checked topic slugs; null means all of them (the default). */
  topics: readonly string[] | null;
}

export interface PreferencesView {
  email: string;
  name: string;
  topics: readonly TopicChoice[];
  checked: readonly string[] | null;
  actionUrl: string;
  unsubscribeUrl: string;
  saved?: boolean;
  error?: FieldError;
}

export type Pages = ReturnType<typeof createPages>;

export function createPages(newsletterName: string) {
  const page = (title: string, body: SafeHtml) => renderPage({ title: `${title} · ${newsletterName}`, siteName: newsletterName, bodyHtml: body.value });

  return {
    subscribe(options: { topics: readonly TopicChoice[]; values?: SubscribeFormValues; error?: FieldError }): string {
      const { topics, error } = options;
      const values = options.values ?? { email: '', name: '', topics: null };
      return page(
        'Subscribe',
        html`<h1>Get the day's top AI papers by email</h1>
<p>Each morning, the most upvoted papers from Hugging Face Daily Papers, grouped by topic, in one short email.</p>
<form method="post" action="subscribe">
${textField({ id: 'email', label: 'Email address', type: 'email', autocomplete: 'email', value: values.email, required: true, maxLength: 254, error })}
${textField({ id: 'name', label: 'Name', optional: true, type: 'text', autocomplete: 'name', value: values.name, maxLength: 100, error })}
${collapsedTopics({ topics, checked: values.topics, error })}
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
    confirmPrompt(options: { email: string; name: string | null; topics: readonly string[] | null; actionUrl: string }): string {
      return page(
        'Confirm your subscription',
        html`<h1>Confirm your subscription</h1>
<p>Start sending ${newsletterName} to <strong>${options.email}</strong>.</p>
<ul class="plain">
<li>Name: ${options.name ?? html`<span class="muted">none given</span>`}</li>
<li>Topics: ${options.topics === null ? 'all topics' : options.topics.join(', ')}</li>
</ul>
<form method="post" action="${options.actionUrl}">
<p><button type="submit">Confirm subscription</button></p>
</form>
<p class="muted">Did not ask for this? Close this page: nothing changes unless you press the button.</p>`,
      );
    },

    confirmed(preferencesUrl: string): string {
      return page(
        'Subscription confirmed',
        html`<h1>You are subscribed</h1>
<p>Thank you for confirming. The next issue of ${newsletterName} will arrive in your inbox.</p>
<p><a class="button" href="${preferencesUrl}">Choose your topics</a></p>`,
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

    unsubscribeConfirm(options: { email: string; actionUrl: string }): string {
      return page(
        'Unsubscribe',
        html`<h1>Unsubscribe?</h1>
<p>Stop sending ${newsletterName} to <strong>${options.email}</strong>.</p>
<form method="post" action="${options.actionUrl}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
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
<form method="post" action="${view.actionUrl}">
${textField({ id: 'name', label: 'Name', optional: true, type: 'text', autocomplete: 'name', value: view.name, maxLength: 100, error })}
${topicFieldset({ topics: view.topics, checked: view.checked, error, hint: 'Your issue lists only papers from the topics you check.' })}
<p><button type="submit">Save preferences</button></p>
</form>
<p class="muted">Do not want these emails any more? <a href="${view.unsubscribeUrl}">Unsubscribe</a></p>`,
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

    archive(issues: ReadonlyArray<Pick<ArchivedIssue, 'date' | 'subject'>>): string {
      const items = issues.map(
        (issue) => html`<li><a href="archive/${issue.date}">${issue.subject}</a><br><small><time datetime="${issue.date}">${issue.date}</time></small></li>`,
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

/**
 * On the subscribe form the topics start folded away (every one is checked by default),
 * so on a phone the address field and the button are not pages apart. They open by
 * themselves when the visitor already changed them or got them wrong.
 */
function collapsedTopics(options: { topics: readonly TopicChoice[]; checked: readonly string[] | null; error: FieldError | undefined }): SafeHtml {
  const { topics, checked, error } = options;
  const everyTopic = checked === null || topics.every((topic) => checked.includes(topic.slug));
  const open = error?.field === 'topics' || !everyTopic;
  return html`<details${open && html` open`} style="margin:0 0 20px">
<summary style="display:list-item;min-height:44px;padding:10px 0;cursor:pointer;color:var(--accent);font-weight:600">Choose topics <span class="muted" style="font-weight:400">(all ${topics.length} included)</span></summary>
${topicFieldset({ topics, checked, error, hint: 'Uncheck what you do not want; you can change this later from any issue.' })}
</details>`;
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

/**
 * Marks a post from our own form, where no checked box means "none chosen" (an error). A form
 * embedded elsewhere with just an email field has no checkboxes and means every topic.
 */
export const TOPICS_SHOWN_FIELD = 'topics_shown';

function topicFieldset(options: {
  topics: readonly TopicChoice[];
  checked: readonly string[] | null;
  hint: string;
  error: FieldError | undefined;
}): SafeHtml {
  const error = options.error?.field === 'topics' ? options.error : undefined;
  const isChecked = (slug: string) => options.checked === null || options.checked.includes(slug);
  const choices = options.topics.map(
    (topic) => html`<label class="check"><input type="checkbox" name="topics" value="${topic.slug}"${isChecked(topic.slug) && html` checked`}>
<span>${topic.name}${topic.description && html`<br><small>${topic.description}</small>`}</span></label>`,
  );
  return html`<fieldset id="topics" aria-describedby="topics-hint${error ? ' topics-error' : ''}">
<legend>Topics</legend>
<input type="hidden" name="${TOPICS_SHOWN_FIELD}" value="1">
<p class="muted" id="topics-hint">${options.hint}</p>
${error && fieldErrorNotice('topics', error)}
${choices}
</fieldset>`;
}
