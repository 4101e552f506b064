import { PapermailError } from '../errors.js';
import { compileTemplate, createHtmlEnvironment, createTextEnvironment } from './handlebars.js';
import { compileMjml } from './mjml.js';
import { compilePlaceholderTemplate, type PlaceholderValues } from './placeholders.js';
import { safeHttpUrl } from './safe-url.js';
import { readTemplate } from './template-files.js';
import { foldWhitespace, untrustedText } from './text.js';
import type { RenderedEmail } from './types.js';

export interface ConfirmationRequest {
  newsletterName: string;
  /** The signed link that confirms the subscription (double opt-in). */
  confirmUrl: string;
  postalAddress: string;
}

interface ConfirmationFrame {
  subject: string;
  fillHtml: (values: PlaceholderValues) => string;
  fillText: (values: PlaceholderValues) => string;
}

const CONFIRM_PLACEHOLDERS = ['confirmUrl'] as const;

/** One compiled frame per newsletter name and address: in practice one per process. */
const frames = new Map<string, Promise<ConfirmationFrame>>();

/** The double opt-in email; MJML runs once per process, the confirm link is filled per call. */
export async function renderConfirmationEmail(request: ConfirmationRequest): Promise<RenderedEmail> {
  const confirmUrl = safeHttpUrl(request.confirmUrl);
  if (!confirmUrl) {
    throw new PapermailError('EINPUT', `confirmUrl must be an http(s) URL (got ${JSON.stringify(request.confirmUrl)})`);
  }
  const frame = await confirmationFrame(request.newsletterName, request.postalAddress);
  const values = { confirmUrl };
  return { subject: frame.subject, html: frame.fillHtml(values), text: frame.fillText(values) };
}

function confirmationFrame(newsletterName: string, postalAddress: string): Promise<ConfirmationFrame> {
  const key = JSON.stringify([newsletterName, postalAddress]);
  let frame = frames.get(key);
  if (!frame) {
    frame = compileConfirmationFrame(newsletterName, postalAddress);
    frames.set(key, frame);
    frame.catch(() => frames.delete(key));
  }
  return frame;
}

async function compileConfirmationFrame(newsletterName: string, postalAddress: string): Promise<ConfirmationFrame> {
  const view = { newsletterName: untrustedText(newsletterName), postalAddress: untrustedText(postalAddress) };
  const mjml = compileTemplate<typeof view>(createHtmlEnvironment(), readTemplate('confirm.mjml'), 'confirm.mjml')(view);
  const text = compileTemplate<typeof view>(createTextEnvironment(), readTemplate('confirm.txt.hbs'), 'confirm.txt.hbs', {
    noEscape: true,
  })(view);
  const html = await compileMjml(mjml, 'confirm.mjml');
  return {
    subject: `Confirm your subscription to ${foldWhitespace(newsletterName)}`,
    fillHtml: compilePlaceholderTemplate(html, { fields: CONFIRM_PLACEHOLDERS, escape: true, templateName: 'confirm.mjml' }),
    fillText: compilePlaceholderTemplate(text, { fields: CONFIRM_PLACEHOLDERS, escape: false, templateName: 'confirm.txt.hbs' }),
  };
}
