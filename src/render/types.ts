export interface IssueOptions {
  newsletterName: string;
  /** Shown in every footer (CAN-SPAM and good practice everywhere). */
  postalAddress: string;
  /** The public web site: archive, subscribe and preferences pages. */
  publicUrl: string;
  /** Show the top papers' preview images (remote images); shown unless false. */
  thumbnails?: boolean;
}

/** What differs between two recipients of the same issue. */
export interface RecipientFields {
  name?: string | null;
  email: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  viewInBrowserUrl: string;
  /**
   * The start of the copy's vote links, `<base>vote?token=<t>` (src/links/public-links.ts
   * voteLink): each paper card appends its paper and vote. Absent in copies that act on nobody
   * (test copies, previews, the browser version): their cards carry no vote links.
   */
  voteUrl?: string | null;
}

/** One paper of a reader's "For you" block (src/personal/for-you.ts chooses them). */
export interface ForYouEntry {
  /** The paper's position in the issue's ranking (IssueParts.papers). */
  position: number;
  /** Why it is there, a few words ("matches: KV cache"); plain text, escaped where it is shown. */
  reason: string;
}

export interface PersonalisedIssue {
  subject: string;
  html: string;
  text: string;
}

/** An issue compiled once (MJML and templates); `personalise` only fills the recipient's fields. */
export interface CompiledIssue {
  readonly subject: string;
  /** The issue day, YYYY-MM-DD. */
  readonly date: string;
  personalise(fields: RecipientFields): PersonalisedIssue;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}
