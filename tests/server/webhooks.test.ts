/**
 * POST /webhooks/<provider> against a real SQLite store: for every provider a good report is
 * recorded, a forged, malformed or oversized one is refused and records nothing, the same
 * report twice records once, and a late "delivered" does not undo a bounce. A provider whose
 * secret is unset answers 404.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PapermailError } from '../../src/errors.js';
import { returnPathFor } from '../../src/feedback/return-path.js';
import type { SnsNetwork } from '../../src/feedback/webhooks/ses.js';
import { createApp } from '../../src/server/app.js';
import { WEBHOOK_REFUSALS_PER_HOUR } from '../../src/server/routes/webhooks.js';
import { mailgunBody, sendgridSigner, sesBounce, sesDelivery, sesNotification, snsSigner, TOPIC_ARN } from '../feedback/webhooks/signers.js';
import { SECRET, startHarness, type Harness } from './harness.js';

const ISSUE = '2025-10-01';
const MESSAGE_ID = '<20251001.1.e0f1a2b3@papers.example.org>';
const BOUNCE_ADDRESS = 'bounces@example.org';
const RECIPIENT = 'gone@example.net';
const WEBHOOK_TOKEN = 'generic-webhook-token-0123456789';
const POSTMARK = { user: 'postmark', password: 'postmark-webhook-password-0123' };
const MAILGUN_KEY = 'key-mailgun-signing-0123456789abcdef';

const sns = snsSigner();
/** Another key and certificate: what a forger can make. */
const forger = snsSigner();
const sendgrid = sendgridSigner();
// SNS's certificate (made by openssl for this run) is valid from now: the requests arrive now.
const receivedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
const nowSeconds = receivedAt.getTime() / 1000;

const ENV = {
  BOUNCE_ADDRESS,
  WEBHOOK_TOKEN,
  SES_SNS_TOPIC_ARNS: TOPIC_ARN,
  POSTMARK_WEBHOOK_USER: POSTMARK.user,
  POSTMARK_WEBHOOK_PASSWORD: POSTMARK.password,
  SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKeyBase64,
  MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
};

interface Posted {
  body: string;
  headers: Record<string, string>;
}

/** How each provider reports a hard bounce and a delivery of the message to RECIPIENT, and what it looks like forged or broken. */
interface Provider {
  name: 'ses' | 'postmark' | 'sendgrid' | 'mailgun' | 'generic';
  bounce(id: string, returnPath: string): Posted;
  delivered(id: string, returnPath: string): Posted;
  forged(returnPath: string): Posted;
  malformed(): Posted;
  /** Authenticated, and larger than the endpoint takes. */
  oversized(): Posted;
  /** The settings that turn it on. */
  settings: string[];
}

const json = (value: unknown) => JSON.stringify(value);
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const padding = (bytes: number) => 'x'.repeat(bytes);

const postmarkBounce = (id: number) => ({
  RecordType: 'Bounce',
  ID: id,
  Type: 'HardBounce',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: RECIPIENT,
  BouncedAt: '2025-10-01T08:58:00Z',
  Inactive: true,
});
const sendgridPost = (events: unknown[], signer = sendgrid): Posted => {
  const body = json(events);
  return { body, headers: signer.headers(body, nowSeconds) };
};
const sendgridEvent = (fields: Record<string, unknown>) => ({ email: RECIPIENT, timestamp: nowSeconds - 60, 'smtp-id': MESSAGE_ID, ...fields });
const mailgunEvent = (fields: Record<string, unknown>, returnPath: string) => ({
  timestamp: nowSeconds - 60,
  recipient: RECIPIENT,
  envelope: { sender: returnPath },
  message: { headers: { 'message-id': MESSAGE_ID.slice(1, -1) } },
  ...fields,
});

const PROVIDERS: Provider[] = [
  {
    name: 'ses',
    settings: ['SES_SNS_TOPIC_ARNS'],
    bounce: (id, returnPath) => ({
      body: json(sesNotification(sns, sesBounce([{ emailAddress: RECIPIENT, status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }], { feedbackId: id, source: returnPath, messageId: MESSAGE_ID }), { MessageId: `sns-${id}` })),
      headers: { 'Content-Type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
    }),
    delivered: (id, returnPath) => ({ body: json(sesNotification(sns, sesDelivery(RECIPIENT, { source: returnPath, messageId: MESSAGE_ID }), { MessageId: `sns-${id}` })), headers: {} }),
    forged: (returnPath) => ({ body: json(sesNotification(forger, sesBounce([{ emailAddress: RECIPIENT }], { source: returnPath }))), headers: {} }),
    malformed: () => ({ body: json({ Type: 'Notification', Message: '{}' }), headers: {} }),
    oversized: () => ({ body: json(sesNotification(sns, { notificationType: 'Bounce', padding: padding(600 * 1024) })), headers: {} }),
  },
  {
    name: 'postmark',
    settings: ['POSTMARK_WEBHOOK_USER', 'POSTMARK_WEBHOOK_PASSWORD'],
    bounce: (id) => ({ body: json(postmarkBounce(Number(id.replace(/\D/g, '')) + 1000)), headers: basic(POSTMARK.user, POSTMARK.password) }),
    delivered: () => ({
      body: json({ RecordType: 'Delivery', MessageID: '883953f4-6105-42a2-a16a-77a8eac79483', Recipient: RECIPIENT, DeliveredAt: '2025-10-01T08:59:00Z', Details: '250 OK' }),
      headers: basic(POSTMARK.user, POSTMARK.password),
    }),
    forged: () => ({ body: json(postmarkBounce(1)), headers: basic(POSTMARK.user, 'guessed-password-000000') }),
    malformed: () => ({ body: json({ RecordType: 'Bounce', ID: 'x' }), headers: basic(POSTMARK.user, POSTMARK.password) }),
    oversized: () => ({ body: json({ ...postmarkBounce(2), Content: padding(300 * 1024) }), headers: basic(POSTMARK.user, POSTMARK.password) }),
  },
  {
    name: 'sendgrid',
    settings: ['SENDGRID_WEBHOOK_PUBLIC_KEY'],
    bounce: (id) => sendgridPost([sendgridEvent({ event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 user unknown', sg_event_id: id })]),
    delivered: (id) => sendgridPost([sendgridEvent({ event: 'delivered', response: '250 OK', sg_event_id: id })]),
    forged: () => sendgridPost([sendgridEvent({ event: 'bounce', type: 'bounce', sg_event_id: 'forged' })], sendgridSigner()),
    malformed: () => sendgridPost([{ event: 'bounce' }]),
    oversized: () => sendgridPost([sendgridEvent({ event: 'processed', sg_event_id: 'big', padding: padding(1100 * 1024) })]),
  },
  {
    name: 'mailgun',
    settings: ['MAILGUN_WEBHOOK_SIGNING_KEY'],
    bounce: (id, returnPath) => ({
      body: mailgunBody(MAILGUN_KEY, nowSeconds, mailgunEvent({ id, event: 'failed', severity: 'permanent', 'delivery-status': { code: 550, message: '550 5.1.1 user unknown' } }, returnPath)),
      headers: { 'Content-Type': 'application/json' },
    }),
    delivered: (id, returnPath) => ({ body: mailgunBody(MAILGUN_KEY, nowSeconds, mailgunEvent({ id, event: 'delivered' }, returnPath)), headers: {} }),
    forged: (returnPath) => ({ body: mailgunBody('a-guessed-signing-key-0000', nowSeconds, mailgunEvent({ id: 'forged', event: 'failed', severity: 'permanent' }, returnPath)), headers: {} }),
    malformed: () => ({ body: mailgunBody(MAILGUN_KEY, nowSeconds, { id: 'm', event: 'failed' }), headers: {} }),
    oversized: () => ({ body: mailgunBody(MAILGUN_KEY, nowSeconds, { id: 'big', event: 'opened', padding: padding(300 * 1024) }), headers: {} }),
  },
  {
    name: 'generic',
    settings: ['WEBHOOK_TOKEN'],
    bounce: (id, returnPath) => ({ body: json({ events: [{ id, type: 'bounce', bounceType: 'hard', recipient: RECIPIENT, status: '5.1.1', returnPath }] }), headers: bearer(WEBHOOK_TOKEN) }),
    delivered: (id, returnPath) => ({ body: json({ events: [{ id, type: 'delivered', recipient: RECIPIENT, returnPath }] }), headers: bearer(WEBHOOK_TOKEN) }),
    forged: (returnPath) => ({ body: json({ events: [{ id: 'forged', type: 'bounce', bounceType: 'hard', recipient: RECIPIENT, returnPath }] }), headers: bearer('a-guessed-token-000000000000') }),
    malformed: () => ({ body: json({ events: [{ id: 'x', type: 'bounce', recipient: RECIPIENT }] }), headers: bearer(WEBHOOK_TOKEN) }),
    oversized: () => ({ body: json({ events: [{ id: 'x', type: 'delivered', recipient: RECIPIENT, diagnostic: padding(1100 * 1024) }] }), headers: bearer(WEBHOOK_TOKEN) }),
  },
];

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

/** The harness's app with the request clock at `receivedAt` and SNS's network answered by the test. */
function webhookApp(network: Partial<SnsNetwork> = {}) {
  return createApp({
    ...harness.deps,
    now: () => receivedAt,
    snsNetwork: { fetchCertificate: async () => sns.certificatePem, confirmSubscription: async () => undefined, ...network },
  });
}

/** A confirmed subscriber whose issue the relay accepted; returns their VERP return path. */
async function acceptedDelivery(): Promise<{ subscriberId: number; returnPath: string }> {
  const { subscriber } = await harness.store.upsert({ email: RECIPIENT, status: 'confirmed' });
  await harness.store.markSent(ISSUE, subscriber.id, MESSAGE_ID);
  return { subscriberId: subscriber.id, returnPath: returnPathFor(BOUNCE_ADDRESS, { issueDate: ISSUE, subscriberId: subscriber.id }, SECRET) };
}

const issueReport = async () => (await harness.store.deliveryReport(ISSUE))[0];

describe.each(PROVIDERS)('POST /webhooks/$name', (provider) => {
  let app: ReturnType<typeof createApp>;
  let returnPath: string;
  const post = ({ body, headers }: Posted) => app.request(`/webhooks/${provider.name}`, { method: 'POST', body, headers });

  beforeEach(async () => {
    harness = await startHarness({ env: ENV });
    app = webhookApp();
    ({ returnPath } = await acceptedDelivery());
  });

  it('records a hard bounce against the delivery it is about', async () => {
    const response = await post(provider.bounce('event-1', returnPath));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, recorded: 1, duplicates: 0, unmatched: 0 });
    expect(await issueReport()).toMatchObject({ accepted: 1, bounced: { hard: 1, soft: 0 }, delivered: 0 });
  });

  it('refuses a forged report and records nothing', async () => {
    const response = await post(provider.forged(returnPath));

    expect([401, 403]).toContain(response.status);
    expect(await response.json()).toMatchObject({ error: 'EWEBHOOK', message: expect.any(String) });
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 0 } });
    expect(await harness.store.findByEmail(RECIPIENT)).toMatchObject({ status: 'confirmed' });
  });

  it('records the same report, sent again, once', async () => {
    await post(provider.bounce('event-1', returnPath));
    const again = await post(provider.bounce('event-1', returnPath));

    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: 1, recorded: 0, duplicates: 1, unmatched: 0 });
    expect(await issueReport()).toMatchObject({ bounced: { hard: 1, soft: 0 } });
  });

  it('keeps the bounce when a "delivered" for the same message arrives after it', async () => {
    await post(provider.bounce('event-1', returnPath));
    const late = await post(provider.delivered('event-2', returnPath));

    expect(late.status).toBe(200);
    expect(await issueReport()).toMatchObject({ bounced: { hard: 1, soft: 0 }, delivered: 0 });
  });

  it('refuses a malformed report with a 400 that says what was wrong, and records nothing', async () => {
    const response = await post(provider.malformed());

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'EWEBHOOK', message: expect.stringMatching(/\S/) });
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 0 }, delivered: 0 });
  });

  it('refuses a body over its own limit (413), and records nothing', async () => {
    const response = await post(provider.oversized());

    expect(response.status).toBe(413);
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 0 }, delivered: 0 });
  });

  it(`is off (404) while ${provider.settings.join(' and ')} is unset`, async () => {
    await harness.close();
    harness = await startHarness({ env: { ...ENV, ...Object.fromEntries(provider.settings.map((name) => [name, ''])) } });
    app = webhookApp();
    ({ returnPath } = await acceptedDelivery());

    const response = await post(provider.bounce('event-1', returnPath));

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'EDISABLED', message: expect.stringContaining(provider.settings[0]!) });
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 0 } });
  });
});

describe('webhooks', () => {
  beforeEach(async () => {
    harness = await startHarness({ env: ENV });
  });

  it('take bodies far larger than a form’s 8 KB, while forms keep their limit', async () => {
    const app = webhookApp();
    const { returnPath } = await acceptedDelivery();
    const events = Array.from({ length: 400 }, (_, index) => ({ id: `batch-${index}`, type: 'delivered', recipient: RECIPIENT, returnPath, diagnostic: '250 2.0.0 OK queued as 4Bc5Xy0zKkz9sQ' }));
    const body = json({ events });
    expect(body.length).toBeGreaterThan(64 * 1024);

    const response = await app.request('/webhooks/generic', { method: 'POST', body, headers: bearer(WEBHOOK_TOKEN) });
    expect(await response.json()).toEqual({ received: 400, recorded: 400, duplicates: 0, unmatched: 0 });

    const form = await app.request('/subscribe', { method: 'POST', body: new URLSearchParams({ email: 'ada@example.org', name: padding(9 * 1024) }) });
    expect(form.status).toBe(413);
  });

  it('work over real HTTP: a good report is recorded, a body whose Content-Length is over the limit refused unread', async () => {
    await harness.close();
    harness = await startHarness({ env: ENV, serve: true });
    const { returnPath } = await acceptedDelivery();
    const post = (body: string) => fetch(`${harness.url}/webhooks/generic`, { method: 'POST', body, headers: { ...bearer(WEBHOOK_TOKEN), 'Content-Type': 'application/json' } });

    const good = await post(json({ events: [{ id: 'http-1', type: 'bounce', bounceType: 'hard', recipient: RECIPIENT, returnPath }] }));
    const tooLarge = await post(json({ events: [{ id: 'http-2', type: 'delivered', recipient: RECIPIENT, diagnostic: padding(2 * 1024 * 1024) }] }));

    expect(await good.json()).toEqual({ received: 1, recorded: 1, duplicates: 0, unmatched: 0 });
    expect(tooLarge.status).toBe(413);
    expect(await issueReport()).toMatchObject({ bounced: { hard: 1, soft: 0 }, delivered: 0 });
  });

  it('record a complaint by unsubscribing the reader at once', async () => {
    const app = webhookApp();
    const { returnPath } = await acceptedDelivery();

    const response = await app.request('/webhooks/generic', { method: 'POST', body: json({ events: [{ id: 'fbl-1', type: 'complaint', returnPath }] }), headers: bearer(WEBHOOK_TOKEN) });

    expect(response.status).toBe(200);
    expect(await harness.store.findByEmail(RECIPIENT)).toMatchObject({ status: 'unsubscribed' });
    expect(await issueReport()).toMatchObject({ complained: 1 });
  });

  it('answer 200 to a report about nobody we know, and record nothing', async () => {
    const app = webhookApp();
    await acceptedDelivery();

    const response = await app.request('/webhooks/generic', { method: 'POST', body: json({ events: [{ id: 'x', type: 'bounce', bounceType: 'hard', recipient: 'stranger@example.net' }] }), headers: bearer(WEBHOOK_TOKEN) });

    expect(await response.json()).toEqual({ received: 1, recorded: 0, duplicates: 0, unmatched: 1 });
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 0 } });
  });

  it('confirm an SNS subscription by visiting its SubscribeURL, and refuse one to another host', async () => {
    const visited: string[] = [];
    const app = webhookApp({ confirmSubscription: async (url) => void visited.push(url.href) });
    const subscribeUrl = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC_ARN}&Token=2336412f37`;
    const confirmation = (url: string) =>
      json(sns.signed({ Type: 'SubscriptionConfirmation', MessageId: 'sub-1', Token: '2336412f37', TopicArn: TOPIC_ARN, Message: 'You have chosen to subscribe…', SubscribeURL: url, Timestamp: receivedAt.toISOString() }));

    const response = await app.request('/webhooks/ses', { method: 'POST', body: confirmation(subscribeUrl) });
    expect(await response.json()).toEqual({ received: 0, recorded: 0, duplicates: 0, unmatched: 0, action: `subscription to ${TOPIC_ARN} confirmed` });
    expect(visited).toEqual([new URL(subscribeUrl).href]);

    const elsewhere = await app.request('/webhooks/ses', { method: 'POST', body: confirmation('https://evil.example/confirm') });
    expect(elsewhere.status).toBe(403);
    expect(visited).toHaveLength(1);
  });

  it('answer 503 when SNS’s certificate cannot be fetched, so SNS retries, and record nothing', async () => {
    const app = webhookApp({
      fetchCertificate: async () => {
        throw new PapermailError('ENETWORK', 'SNS: sns.eu-west-1.amazonaws.com could not be reached: connect ETIMEDOUT');
      },
    });
    const { returnPath } = await acceptedDelivery();
    const { body } = PROVIDERS.find((provider) => provider.name === 'ses')!.bounce('event-1', returnPath);

    const response = await app.request('/webhooks/ses', { method: 'POST', body });

    expect(response.status).toBe(503);
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 0 } });
  });

  it('count Mailgun’s temporary failures of one message, one per retry, as one soft bounce', async () => {
    const app = webhookApp();
    const { returnPath } = await acceptedDelivery();
    const attempt = (id: string, attemptNo: number) =>
      mailgunBody(MAILGUN_KEY, nowSeconds, mailgunEvent({ id, event: 'failed', severity: 'temporary', reason: 'greylisted', 'delivery-status': { code: 451, 'attempt-no': attemptNo, message: '451 4.7.1 greylisted, try again later' } }, returnPath));

    const answers = [];
    for (const [id, attemptNo] of [['try-1', 1], ['try-2', 2], ['try-3', 3]] as const) {
      answers.push(await (await app.request('/webhooks/mailgun', { method: 'POST', body: attempt(id, attemptNo) })).json());
    }

    expect(answers.map((answer) => (answer as { recorded: number }).recorded)).toEqual([1, 0, 0]);
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 1 } });
    expect(await harness.store.findByEmail(RECIPIENT)).toMatchObject({ status: 'confirmed' });
  });

  it('refuse a stale signed timestamp (SendGrid, Mailgun) and record nothing', async () => {
    const app = webhookApp();
    const { returnPath } = await acceptedDelivery();
    const stale = nowSeconds - 3600;
    const sendgridBody = json([sendgridEvent({ event: 'bounce', type: 'bounce', sg_event_id: 'old' })]);
    const mailgun = mailgunBody(MAILGUN_KEY, stale, mailgunEvent({ id: 'old', event: 'failed', severity: 'permanent' }, returnPath));

    const responses = [
      await app.request('/webhooks/sendgrid', { method: 'POST', body: sendgridBody, headers: sendgrid.headers(sendgridBody, stale) }),
      await app.request('/webhooks/mailgun', { method: 'POST', body: mailgun }),
    ];

    expect(responses.map((response) => response.status)).toEqual([400, 400]);
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 0 } });
  });

  it(`answer 429, unread, to a client after ${WEBHOOK_REFUSALS_PER_HOUR} refused requests in an hour`, async () => {
    const app = webhookApp();
    const { returnPath } = await acceptedDelivery();
    const forged = PROVIDERS.find((provider) => provider.name === 'generic')!.forged(returnPath);
    for (let refused = 0; refused < WEBHOOK_REFUSALS_PER_HOUR; refused += 1) {
      expect((await app.request('/webhooks/generic', { method: 'POST', ...forged })).status).toBe(401);
    }

    const good = PROVIDERS.find((provider) => provider.name === 'generic')!.bounce('after-flood', returnPath);
    const response = await app.request('/webhooks/generic', { method: 'POST', ...good });

    expect(response.status).toBe(429);
    expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await issueReport()).toMatchObject({ bounced: { hard: 0, soft: 0 } });
  });
});
