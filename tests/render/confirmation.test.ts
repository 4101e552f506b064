import { describe, expect, it } from 'vitest';
import { renderConfirmationEmail } from '../../src/render/index.js';
import { hrefs } from './fixtures.js';

const request = {
  newsletterName: 'papermail',
  confirmUrl: 'https://papers.example.com/confirm?token=abc.def',
  postalAddress: 'papermail, 1 Example Street, 00000 Example City',
};

describe('renderConfirmationEmail', () => {
  it('puts the confirm link in the button and in the text part', async () => {
    const email = await renderConfirmationEmail(request);
    expect(email.subject).toBe('Confirm your subscription to papermail');
    expect(hrefs(email.html)).toContain(request.confirmUrl);
    expect(email.text).toContain(request.confirmUrl);
    expect(email.html).toContain(request.postalAddress);
  });

  it('fills each call with its own link from the same compiled email', async () => {
    const first = await renderConfirmationEmail({ ...request, confirmUrl: 'https://papers.example.com/confirm?token=first' });
    const second = await renderConfirmationEmail({ ...request, confirmUrl: 'https://papers.example.com/confirm?token=second' });
    expect(hrefs(second.html)).toContain('https://papers.example.com/confirm?token=second');
    expect(second.html).not.toContain('token=first');
    expect(first.html).not.toContain('token=second');
  });

  it('refuses a confirm link that is not http(s)', async () => {
    await expect(renderConfirmationEmail({ ...request, confirmUrl: 'javascript:alert(1)' })).rejects.toMatchObject({ code: 'EINPUT' });
  });
});
