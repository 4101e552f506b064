import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPapermailError } from '../../../src/errors.js';
import { createSnsVerifier, readSesWebhook, snsOverHttps, snsUrl, type SesWebhookSettings } from '../../../src/feedback/webhooks/ses.js';
import type { WebhookRequest } from '../../../src/feedback/webhooks/webhook-request.js';
import { refusalOf } from './refusal.js';
import { CERTIFICATE_URL, sesBounce, sesComplaint, sesDelivery, sesNotification, snsSigner, TOPIC_ARN } from './signers.js';

const signer = snsSigner();
const otherSigner = snsSigner();
// The certificate is valid from the moment it was made: the request arrives now.
const receivedAt = new Date();

function network(certificatePem = signer.certificatePem) {
  const fetched: string[] = [];
  const visited: string[] = [];
  const settings: SesWebhookSettings = {
    topicArns: [TOPIC_ARN],
    verifier: createSnsVerifier(async (url) => {
      fetched.push(url.href);
      return certificatePem;
    }),
    confirmSubscription: async (url) => {
      visited.push(url.href);
    },
  };
  return { settings, fetched, visited };
}

const request = (message: object | string): WebhookRequest => ({
  body: Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)),
  header: () => undefined,
  receivedAt,
});

const bounce = sesBounce(
  [
    { emailAddress: 'gone@example.net', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown' },
    { emailAddress: 'also-gone@example.net', diagnosticCode: 'smtp; 550 5.1.10 RESOLVER.ADR.RecipientNotFound' },
  ],
  { source: 'bounces+20251001-42-0123456789abcdef0123@example.org', messageId: '<20251001.42.abc@papers.example.org>' },
);

describe('the SES webhook (SNS)', () => {
  it('reads a signed Permanent bounce as one hard bounce per recipient, with status, diagnostic, return path and Message-ID', async () => {
    const { settings } = network();
    const reading = await readSesWebhook(request(sesNotification(signer, bounce)), settings);
    expect(reading.events).toEqual([
      {
        key: '0102019a-bounce-feedback-0001:gone@example.net',
        source: 'ses',
        kind: 'bounce',
        bounceType: 'hard',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown',
        recipient: 'gone@example.net',
        occurredAt: '2025-10-01T08:59:58.000Z',
        returnPath: 'bounces+20251001-42-0123456789abcdef0123@example.org',
        messageId: '<20251001.42.abc@papers.example.org>',
      },
      expect.objectContaining({ key: '0102019a-bounce-feedback-0001:also-gone@example.net', bounceType: 'hard', status: '5.1.10', recipient: 'also-gone@example.net' }),
    ]);
  });

  it('verifies SignatureVersion 2 (SHA256withRSA) as well as 1 (SHA1withRSA)', async () => {
    const { settings } = network();
    const reading = await readSesWebhook(request(sesNotification(signer, bounce, {}, '2')), settings);
    expect(reading.events).toHaveLength(2);
  });

  it('counts Transient and Undetermined bounces as soft', async () => {
    const { settings } = network();
    for (const bounceType of ['Transient', 'Undetermined']) {
      const notification = sesBounce([{ emailAddress: 'full@example.net', status: '4.2.2' }], { bounceType });
      const [event] = (await readSesWebhook(request(sesNotification(signer, notification)), settings)).events;
      expect(event).toMatchObject({ kind: 'bounce', bounceType: 'soft', status: '4.2.2' });
    }
  });

  it('reads a complaint and a delivery; a "not-spam" feedback report and other notification types carry no event', async () => {
    const { settings } = network();
    const complaint = await readSesWebhook(request(sesNotification(signer, sesComplaint('angry@example.net'))), settings);
    expect(complaint.events).toEqual([
      expect.objectContaining({ kind: 'complaint', bounceType: null, recipient: 'angry@example.net', key: '0102019a-complaint-feedback-0001:angry@example.net', diagnostic: 'abuse' }),
    ]);
    const delivery = await readSesWebhook(request(sesNotification(signer, sesDelivery('reader@example.net'), { MessageId: 'sns-delivery-1' })), settings);
    expect(delivery.events).toEqual([expect.objectContaining({ kind: 'delivered', recipient: 'reader@example.net', key: 'sns-delivery-1:reader@example.net' })]);
    const notSpam = sesComplaint('fine@example.net', { complaintFeedbackType: 'not-spam' });
    expect((await readSesWebhook(request(sesNotification(signer, notSpam)), settings)).events).toEqual([]);
    const test = { notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'You have successfully subscribed your Amazon SNS topic' };
    expect((await readSesWebhook(request(sesNotification(signer, test)), settings)).events).toEqual([]);
  });

  it('gives the same keys to the same notification delivered twice', async () => {
    const { settings } = network();
    const message = sesNotification(signer, bounce);
    const first = await readSesWebhook(request(message), settings);
    const second = await readSesWebhook(request(message), settings);
    expect(second.events.map((event) => event.key)).toEqual(first.events.map((event) => event.key));
  });

  it('refuses a message altered after signing, or signed by another key', async () => {
    const { settings } = network();
    const altered = { ...sesNotification(signer, bounce), Message: JSON.stringify(sesComplaint('victim@example.net')) };
    expect((await refusalOf(readSesWebhook(request(altered), settings))).status).toBe(403);
    const foreign = sesNotification(otherSigner, bounce);
    const error = await refusalOf(readSesWebhook(request(foreign), settings));
    expect(error).toMatchObject({ status: 403, code: 'EWEBHOOK', message: 'the SNS signature does not verify' });
    const subjectAdded = { ...sesNotification(signer, bounce), Subject: 'added later' };
    expect((await refusalOf(readSesWebhook(request(subjectAdded), settings))).status).toBe(403);
  });

  it('refuses a topic not in SES_SNS_TOPIC_ARNS without fetching its certificate', async () => {
    const { settings, fetched } = network();
    const elsewhere = sesNotification(signer, bounce, { TopicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-else' });
    expect(await refusalOf(readSesWebhook(request(elsewhere), settings))).toMatchObject({ status: 403, message: expect.stringContaining('not in SES_SNS_TOPIC_ARNS') });
    expect(fetched).toEqual([]);
  });

  it('fetches a certificate only from https://sns.<region>.amazonaws.com/….pem, refusing anything else before fetching', async () => {
    const { settings, fetched } = network();
    for (const url of [
      'http://sns.eu-west-1.amazonaws.com/cert.pem',
      'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem',
      'https://evil.example/sns.eu-west-1.amazonaws.com/cert.pem',
      'https://sns.eu-west-1.amazonaws.com:8443/cert.pem',
      'https://user@sns.eu-west-1.amazonaws.com/cert.pem',
      'https://s3.eu-west-1.amazonaws.com/cert.pem',
      'https://sns.eu-west-1.amazonaws.com/cert.txt',
      'not a url',
    ]) {
      const message = sesNotification(signer, bounce, { SigningCertURL: url });
      expect((await refusalOf(readSesWebhook(request(message), settings))).status, url).toBe(403);
    }
    expect(fetched).toEqual([]);
  });

  it('fetches each certificate once', async () => {
    const { settings, fetched } = network();
    await readSesWebhook(request(sesNotification(signer, bounce)), settings);
    await readSesWebhook(request(sesNotification(signer, sesComplaint('a@example.net'), { MessageId: 'another' })), settings);
    expect(fetched).toEqual([CERTIFICATE_URL]);
  });

  it('fetches a certificate again after a failed fetch: a failure is not remembered', async () => {
    let attempts = 0;
    const settings: SesWebhookSettings = {
      ...network().settings,
      verifier: createSnsVerifier(async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('connection reset');
        return signer.certificatePem;
      }),
    };
    await expect(readSesWebhook(request(sesNotification(signer, bounce)), settings)).rejects.toThrow('connection reset');
    expect((await readSesWebhook(request(sesNotification(signer, bounce)), settings)).events).toHaveLength(2);
    expect(attempts).toBe(2);
  });

  it('refuses a certificate URL that serves something else than a certificate', async () => {
    const { settings } = network('<html>not a certificate</html>');
    expect((await refusalOf(readSesWebhook(request(sesNotification(signer, bounce)), settings))).message).toContain('did not serve a certificate');
  });

  it('confirms a subscription by visiting its SubscribeURL, only on an SNS host, and never follows an UnsubscribeConfirmation', async () => {
    const subscribeUrl = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC_ARN}&Token=2336412f37`;
    const confirmation = (type: string, url: string) =>
      signer.signed({ Type: type, MessageId: 'sub-1', Token: '2336412f37', TopicArn: TOPIC_ARN, Message: 'You have chosen to subscribe…', SubscribeURL: url, Timestamp: '2025-10-01T08:00:00.000Z' });

    const { settings, visited } = network();
    const reading = await readSesWebhook(request(confirmation('SubscriptionConfirmation', subscribeUrl)), settings);
    expect(reading).toEqual({ events: [], action: `subscription to ${TOPIC_ARN} confirmed` });
    expect(visited).toEqual([new URL(subscribeUrl).href]);

    const elsewhere = network();
    expect((await refusalOf(readSesWebhook(request(confirmation('SubscriptionConfirmation', 'https://evil.example/confirm')), elsewhere.settings))).status).toBe(403);
    const unsubscribed = await readSesWebhook(request(confirmation('UnsubscribeConfirmation', subscribeUrl)), elsewhere.settings);
    expect(unsubscribed.events).toEqual([]);
    expect(elsewhere.visited).toEqual([]);
  });

  it('refuses malformed messages with a 400 naming what was wrong', async () => {
    const { settings } = network();
    const cases: Array<[object | string, string]> = [
      ['{not json', 'the body is not JSON'],
      [{ Type: 'Notification' }, 'MessageId'],
      [{ ...sesNotification(signer, bounce), SignatureVersion: '3' }, 'SignatureVersion'],
      [sesNotification(signer, 'plain text' as unknown as object), 'SES notification'],
      [sesNotification(signer, { notificationType: 'Bounce', mail: {}, bounce: { bounceType: 'Permanent', bouncedRecipients: [] } }), 'bounce.bouncedRecipients'],
    ];
    for (const [body, reason] of cases) {
      const error = await refusalOf(readSesWebhook(request(body), settings));
      expect(error.status, reason).toBe(400);
      expect(error.message).toContain(reason);
    }
  });

  it('takes SES event publishing (eventType) as it takes notifications (notificationType)', async () => {
    const { settings } = network();
    const { notificationType: _, ...rest } = sesComplaint('angry@example.net') as { notificationType: string };
    const reading = await readSesWebhook(request(sesNotification(signer, { eventType: 'Complaint', ...rest })), settings);
    expect(reading.events).toEqual([expect.objectContaining({ kind: 'complaint', recipient: 'angry@example.net' })]);
  });
});

describe('SNS URLs', () => {
  it('are accepted on sns.<region>.amazonaws.com and its China partition', () => {
    expect(snsUrl('https://sns.us-east-1.amazonaws.com/x.pem', 'SigningCertURL').host).toBe('sns.us-east-1.amazonaws.com');
    expect(snsUrl('https://sns.cn-north-1.amazonaws.com.cn/x.pem', 'SigningCertURL').host).toBe('sns.cn-north-1.amazonaws.com.cn');
  });
});

describe('the SNS network over HTTP', () => {
  let server: Server | undefined;
  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running) return;
    running.closeAllConnections();
    await new Promise((resolve) => running.close(resolve));
  };
  afterEach(stop);

  /** A real HTTP server answering `routes`; its base URL. */
  async function serve(routes: Record<string, [number, string]>): Promise<{ base: string; requested: string[] }> {
    const requested: string[] = [];
    server = createServer((incoming, response) => {
      requested.push(incoming.url ?? '');
      const [status, body] = routes[new URL(incoming.url ?? '/', 'http://x').pathname] ?? [404, 'not found'];
      response.writeHead(status).end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requested };
  }

  it('fetches a certificate and visits a SubscribeURL; a failing answer is ENETWORK (a 5xx, so SNS retries)', async () => {
    const { base, requested } = await serve({ '/cert.pem': [200, signer.certificatePem], '/confirm': [200, '<ConfirmSubscriptionResponse/>'], '/gone.pem': [500, 'oops'] });
    const network = snsOverHttps();

    expect(await network.fetchCertificate(new URL(`${base}/cert.pem`))).toBe(signer.certificatePem);
    await network.confirmSubscription(new URL(`${base}/confirm?Action=ConfirmSubscription&Token=t`));
    expect(requested).toEqual(['/cert.pem', '/confirm?Action=ConfirmSubscription&Token=t']);
    const failed = await network.fetchCertificate(new URL(`${base}/gone.pem`)).catch((error: unknown) => error);
    expect(isPapermailError(failed, 'ENETWORK')).toBe(true);
    await stop();
    const unreachable = await network.confirmSubscription(new URL(`${base}/confirm`)).catch((error: unknown) => error);
    expect(isPapermailError(unreachable, 'ENETWORK')).toBe(true);
  });
});
