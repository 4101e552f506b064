import { HttpUrlSchema } from '../digest/paper.js';

/**
 * The only way a URL reaches an email or a page: http(s) or nothing. Braces are
 * percent-encoded so a URL can never form a `{{placeholder}}` in the per-recipient stage.
 */
export function safeHttpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || !HttpUrlSchema.safeParse(value).success) return undefined;
  return new URL(value.trim()).href.replace(/\{/g, '%7B').replace(/\}/g, '%7D');
}
