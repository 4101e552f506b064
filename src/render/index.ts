/** Email and page rendering: the only module that knows about MJML, Handlebars and HTML. */
import type { Config } from '../config/config.js';
import type { IssueOptions } from './types.js';

export type { CompiledIssue, IssueOptions, PersonalisedIssue, RecipientFields, RenderedEmail } from './types.js';
export {
  compileIssue,
  renderBrowserVersion,
  renderUnpersonalisedIssue,
  HTML_BUDGET_BYTES,
  type IssueVariant,
  type UnpersonalisedIssue,
} from './issue.js';
export { createIssueRenderer, rendererFromParts, type IssueRenderer } from './issue-renderer.js';
export { compileIssueParts, frozenUnreadable, joinedCopy, parseFrozenParts, thawIssueParts, type FrozenParts, type IssueParts, type IssueSelection } from './issue-parts.js';
export { mjmlCompilations } from './mjml.js';
export { renderConfirmationEmail, type ConfirmationRequest } from './confirmation.js';
export { issueSubject } from './subject.js';
export { renderPage, escapeHtml, type PageContent } from './page.js';
export { safeHttpUrl } from './safe-url.js';

/** The issue options papermail's configuration provides. */
export function issueOptionsFrom(
  config: Pick<Config, 'NEWSLETTER_NAME' | 'POSTAL_ADDRESS' | 'PUBLIC_URL'> & Partial<Pick<Config, 'THUMBNAILS'>>,
): IssueOptions {
  return {
    newsletterName: config.NEWSLETTER_NAME,
    postalAddress: config.POSTAL_ADDRESS,
    publicUrl: config.PUBLIC_URL,
    thumbnails: config.THUMBNAILS ?? true,
  };
}
