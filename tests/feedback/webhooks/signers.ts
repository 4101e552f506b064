/**
 * The providers' side of the webhooks, for tests: an SNS signer with its own RSA key and
 * self-signed certificate (made by openssl, as AWS's is an ordinary X.509 certificate), a
 * SendGrid key pair, Mailgun's HMAC. The canonical SNS string is written out here from AWS's
 * documentation, not taken from the code under test, so a wrong one there fails.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';
export const CERTIFICATE_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';

export interface SnsSigner {
  certificatePem: string;
  /** An SNS message of `fields`, signed as SNS signs it (SignatureVersion 1 or 2). */
  signed(fields: Record<string, string>, version?: '1' | '2'): Record<string, string>;
}

/** A fresh RSA key and self-signed certificate, valid from now for a year. */
export function snsSigner(): SnsSigner {
  const directory = mkdtempSync(join(tmpdir(), 'papermail-sns-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365', '-subj', '/CN=sns.amazonaws.com'], {
      cwd: directory,
      stdio: 'ignore',
    });
    const privateKeyPem = readFileSync(join(directory, 'key.pem'), 'utf8');
    const certificatePem = readFileSync(join(directory, 'cert.pem'), 'utf8');
    return {
      certificatePem,
      signed(fields, version = '1') {
        const message: Record<string, string> = { SignatureVersion: version, SigningCertURL: CERTIFICATE_URL, ...fields };
        const signedNames =
          message.Type === 'Notification'
            ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
            : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
        const text = signedNames
          .filter((name) => message[name] !== undefined)
          .map((name) => `${name}\n${message[name]}\n`)
          .join('');
        const signature = sign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256', Buffer.from(text, 'utf8'), privateKeyPem).toString('base64');
        return { ...message, Signature: signature };
      },
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** An SNS Notification envelope around an SES notification. */
export function sesNotification(signer: SnsSigner, notification: object, overrides: Record<string, string> = {}, version: '1' | '2' = '1'): Record<string, string> {
  return signer.signed(
    {
      Type: 'Notification',
      MessageId: 'b7f1c0de-0001-4b5e-9f00-000000000001',
      TopicArn: TOPIC_ARN,
      Message: JSON.stringify(notification),
      Timestamp: '2025-10-01T09:00:00.000Z',
      UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
      ...overrides,
    },
    version,
  );
}

/** SES's bounce notification for one message to `recipients`. */
export function sesBounce(
  recipients: Array<{ emailAddress: string; status?: string; diagnosticCode?: string }>,
  options: { bounceType?: string; feedbackId?: string; source?: string; messageId?: string } = {},
): object {
  return {
    notificationType: 'Bounce',
    bounce: {
      bounceType: options.bounceType ?? 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: recipients.map((recipient) => ({ action: 'failed', ...recipient })),
      timestamp: '2025-10-01T08:59:58.000Z',
      feedbackId: options.feedbackId ?? '0102019a-bounce-feedback-0001',
      reportingMTA: 'dsn; a1-2.smtp-out.eu-west-1.amazonses.com',
    },
    mail: mailOf(options),
  };
}

export function sesComplaint(recipient: string, options: { feedbackId?: string; source?: string; messageId?: string; complaintFeedbackType?: string } = {}): object {
  return {
    notificationType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: recipient }],
      timestamp: '2025-10-01T10:00:00.000Z',
      feedbackId: options.feedbackId ?? '0102019a-complaint-feedback-0001',
      complaintFeedbackType: options.complaintFeedbackType ?? 'abuse',
      userAgent: 'Yahoo!-Mail-Feedback/2.0',
    },
    mail: mailOf(options),
  };
}

export function sesDelivery(recipient: string, options: { source?: string; messageId?: string } = {}): object {
  return {
    notificationType: 'Delivery',
    delivery: { timestamp: '2025-10-01T08:59:59.000Z', recipients: [recipient], smtpResponse: '250 2.0.0 OK', processingTimeMillis: 512 },
    mail: mailOf(options),
  };
}

function mailOf(options: { source?: string; messageId?: string }): object {
  return {
    timestamp: '2025-10-01T08:59:50.000Z',
    messageId: '0102019a-ses-own-id',
    source: options.source ?? 'papers@example.org',
    destination: ['reader@example.org'],
    headersTruncated: false,
    headers: options.messageId ? [{ name: 'From', value: 'papers@example.org' }, { name: 'Message-ID', value: options.messageId }] : [{ name: 'From', value: 'papers@example.org' }],
    commonHeaders: { from: ['papers@example.org'], subject: 'Daily papers' },
  };
}

export interface SendgridSigner {
  /** The public key as SendGrid shows it: base64 of the DER SubjectPublicKeyInfo. */
  publicKeyBase64: string;
  publicKeyPem: string;
  /** The two headers SendGrid sends with `body` at `timestamp` (Unix seconds). */
  headers(body: string, timestamp: number): Record<string, string>;
}

export function sendgridSigner(): SendgridSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKeyBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    headers(body, timestamp) {
      const signature = sign('sha256', Buffer.from(`${timestamp}${body}`, 'utf8'), privateKey).toString('base64');
      return { 'X-Twilio-Email-Event-Webhook-Signature': signature, 'X-Twilio-Email-Event-Webhook-Timestamp': String(timestamp) };
    },
  };
}

/** Mailgun's body: the event signed with `signingKey` at `timestamp` (Unix seconds). */
export function mailgunBody(signingKey: string, timestamp: number, eventData: object, token = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9'): string {
  const signature = createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest('hex');
  return JSON.stringify({ signature: { timestamp: String(timestamp), token, signature }, 'event-data': eventData });
}
