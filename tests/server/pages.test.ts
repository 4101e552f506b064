import { describe, expect, it } from 'vitest';
import { createPages } from '../../src/server/pages.js';

const pages = createPages('papermail');

describe('the confirmed page', () => {
  it('names the address and when the first issue arrives', () => {
    const page = pages.confirmed({ email: 'ada@example.org', preferencesUrl: 'preferences?token=t', firstIssue: 'tomorrow around 08:00 UTC' });

    expect(page).toContain('Issues of papermail will go to <strong>ada@example.org</strong>.');
    expect(page).toContain('<p>Your first issue arrives tomorrow around 08:00 UTC.</p>');
  });

  it('says the first issue comes with the next daily send when the schedule cannot tell when that is', () => {
    const page = pages.confirmed({ email: 'ada@example.org', preferencesUrl: 'preferences?token=t', firstIssue: null });

    expect(page).toContain('<p>Your first issue arrives with the next daily send.</p>');
  });
});
