import { escapeHtml } from './escape.js';

export { escapeHtml };

export interface PageContent {
  /** The document title (plain text; escaped here). */
  title: string;
  /** Trusted HTML built by the server, which escapes its own values (with `escapeHtml`). */
  bodyHtml: string;
  /** Shown above the card as a small brand line, e.g. the newsletter name (plain text). */
  siteName?: string;
  /** `<link rel="alternate">`s in the head: the site's feeds, so a browser or reader finds them. */
  alternates?: readonly AlternateLink[];
}

/** Another version of the page (a feed): its media type, its title and where it is (values escaped here). */
export interface AlternateLink {
  type: string;
  title: string;
  href: string;
}

/**
 * The shell every server page shares: the issue email's colours and type, a centred card,
 * styled form controls, no JavaScript. Accessible basics: lang, viewport, a <main> landmark,
 * visible focus rings, form controls at least 44px tall, colours that follow the system's dark mode.
 */
export function renderPage({ title, bodyHtml, siteName, alternates = [] }: PageContent): string {
  const brand = siteName ? `<p class="brand">${escapeHtml(siteName)}</p>\n` : '';
  const links = alternateLinksHtml(alternates);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
${links}<style>${PAGE_STYLES}</style>
</head>
<body>
<main>
${brand}<div class="card">
${bodyHtml}
</div>
</main>
</body>
</html>
`;
}

/** The `<link rel="alternate">` elements of a head, one a line; '' for none. */
export function alternateLinksHtml(alternates: readonly AlternateLink[]): string {
  return alternates.map((link) => `<link rel="alternate" type="${escapeHtml(link.type)}" title="${escapeHtml(link.title)}" href="${escapeHtml(link.href)}">\n`).join('');
}

/**
 * A whole HTML document (an archived issue, stored as it was rendered) with the alternate
 * links put at the end of its head; unchanged when it has no head.
 */
export function withAlternateLinks(document: string, alternates: readonly AlternateLink[]): string {
  const end = document.search(/<\/head\s*>/i);
  return end === -1 || alternates.length === 0 ? document : document.slice(0, end) + alternateLinksHtml(alternates) + document.slice(end);
}

const PAGE_STYLES = `
:root { --page: #f4f4f5; --card: #ffffff; --text: #3f3f46; --strong: #18181b; --muted: #71717a; --line: #e4e4e7;
  --accent: #4f46e5; --accent-strong: #4338ca; --accent-soft: #eef2ff; --danger: #b91c1c; --danger-soft: #fef2f2;
  --ok: #15803d; --ok-soft: #f0fdf4; color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  :root { --page: #18181b; --card: #27272a; --text: #d4d4d8; --strong: #fafafa; --muted: #a1a1aa; --line: #3f3f46;
    --accent: #a5b4fc; --accent-strong: #c7d2fe; --accent-soft: #312e81; --danger: #fca5a5; --danger-soft: #450a0a;
    --ok: #86efac; --ok-soft: #052e16; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--text);
  font: 16px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 600px; margin: 0 auto; padding: 40px 16px 64px; }
.brand { margin: 0 0 12px 4px; color: var(--accent); font-size: 13px; font-weight: 700; letter-spacing: .08em; text-transform: uppercase; }
.card { background: var(--card); border-radius: 12px; padding: 32px 28px; box-shadow: 0 1px 3px rgba(0,0,0,.06), 0 1px 2px rgba(0,0,0,.04); overflow-wrap: anywhere; }
.card > :first-child { margin-top: 0; }
.card > :last-child { margin-bottom: 0; }
h1, h2, h3 { color: var(--strong); line-height: 1.25; }
h1 { font-size: 26px; margin: 0 0 12px; }
h2 { font-size: 20px; margin: 28px 0 8px; }
p { margin: 0 0 16px; }
a { color: var(--accent); }
a:hover { color: var(--accent-strong); }
.muted, small { color: var(--muted); font-size: 14px; }
form { margin: 20px 0 16px; }
label { display: block; margin: 0 0 6px; color: var(--strong); font-weight: 600; font-size: 15px; }
input[type=email], input[type=text], input[type=search], select, textarea {
  display: block; width: 100%; min-height: 44px; margin: 0 0 16px; padding: 10px 12px; font: inherit; color: var(--strong);
  background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
fieldset { margin: 0 0 20px; padding: 0; border: 0; }
legend { margin: 0 0 8px; padding: 0; color: var(--strong); font-weight: 600; }
label.check { display: flex; align-items: flex-start; gap: 10px; margin: 0; padding: 8px 0; font-weight: 400; color: var(--text); cursor: pointer; }
/* "Only these:" reveals the topic checkboxes; with "All topics" they would only mislead. */
.topic-choice:has(#topics-only:not(:checked)) .topic-list { display: none; }
.topic-list { margin: 0 0 0 9px; padding: 0 0 0 19px; border-left: 2px solid var(--line); }
.latest { margin: 0 0 20px; padding: 12px 16px; border: 1px solid var(--line); border-radius: 8px; }
input[type=checkbox], input[type=radio] { width: 20px; height: 20px; margin: 2px 0 0; flex: none; accent-color: var(--accent); }
button, .button { display: inline-block; min-height: 44px; padding: 10px 22px; font: inherit; font-weight: 600; line-height: 1.5;
  color: #ffffff; background: #4f46e5; border: 0; border-radius: 8px; text-decoration: none; cursor: pointer; }
button + button, button + .button, .button + button, .button + .button { margin-left: 8px; }
button:hover, .button:hover { background: #4338ca; color: #ffffff; }
button.secondary, .button.secondary { color: var(--strong); background: transparent; border: 1px solid var(--line); }
button.danger, .button.danger { background: #b91c1c; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.notice { margin: 0 0 20px; padding: 12px 16px; border-radius: 8px; background: var(--accent-soft); color: var(--strong); }
.notice.error { background: var(--danger-soft); color: var(--danger); }
.notice.success { background: var(--ok-soft); color: var(--ok); }
ul.plain { list-style: none; margin: 0; padding: 0; }
ul.plain li { padding: 10px 0; border-top: 1px solid var(--line); }
footer { margin-top: 24px; color: var(--muted); font-size: 13px; text-align: center; }
`;
