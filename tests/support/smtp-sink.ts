/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, a free port). It records every
 * message it receives and answers the way a test tells it to, so failure handling is
 * exercised against genuine SMTP replies and dropped sockets instead of hand-made errors.
 *
 * Note: smtp-server waits 100 ms before its greeting (an early-talker check), so every new
 * connection costs 100 ms; use a pooled transport when sending many messages.
 */
import type { Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface SinkEnvelope {
  from: string;
  to: string[];
}

export interface SinkMessage {
  envelope: SinkEnvelope;
  raw: Buffer;
}

/** undefined accepts; a code/message replies with that error; 'drop' closes the socket without a reply. */
export type SinkResponse = undefined | { code: number; message: string } | 'drop';

export interface SmtpSinkOptions {
  /** Decides the reply to a complete message (end of DATA). Called once per delivery attempt. */
  respond?: (envelope: SinkEnvelope, raw: Buffer) => SinkResponse;
  /** Decides the reply to one RCPT TO command: where real servers reject unknown mailboxes. */
  respondToRecipient?: (address: string) => SinkResponse;
  /** Require SMTP AUTH (PLAIN/LOGIN, over the plain connection too) with these credentials. */
  auth?: { user: string; pass: string };
  /** Offer STARTTLS with this key and certificate (PEM). Without it the sink offers no STARTTLS. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** false: only count messages (load tests; 2,000 issues of 100 KB would hold 200 MB). Default true. */
  keepMessages?: boolean;
}

export interface SinkLogin {
  user: string;
  secure: boolean;
}

export interface SmtpSink {
  port: number;
  /** smtp://127.0.0.1:<port>, without credentials. */
  url: string;
  /** Messages the sink accepted (250), in arrival order. */
  messages: SinkMessage[];
  /** Every complete message received, accepted or not: counts delivery attempts. */
  attempts: SinkMessage[];
  /** Totals, kept even when keepMessages is false. */
  counts: { accepted: number; attempts: number };
  /** Every AUTH that reached the sink (credentials received), right or wrong, and whether TLS protected it. */
  logins: SinkLogin[];
  /** The accepted messages, parsed with mailparser. */
  parsed(): Promise<ParsedMail[]>;
  /** Accepted messages addressed (in the envelope) to this recipient. */
  deliveredTo(address: string): SinkMessage[];
  close(): Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const attempts: SinkMessage[] = [];
  const counts = { accepted: 0, attempts: 0 };
  const logins: SinkLogin[] = [];
  const keep = options.keepMessages ?? true;
  // Sockets by remote port, so 'drop' can cut the connection a session arrived on.
  const sockets = new Map<number, Socket>();

  const disabledCommands = [...(options.tls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])];
  const server = new SMTPServer({
    secure: false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    disabledCommands,
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 100,
    onAuth(auth, session, callback) {
      logins.push({ user: auth.username ?? '', secure: session.secure });
      const expected = options.auth;
      if (expected && auth.username === expected.user && auth.password === expected.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(replyError(535, '5.7.8 Authentication credentials invalid'));
      }
    },
    onRcptTo(address, session, callback) {
      const response = options.respondToRecipient?.(address.address);
      if (response === 'drop') return dropSession(session);
      callback(response ? replyError(response.code, response.message) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const message: SinkMessage = { envelope: envelopeOf(session), raw: Buffer.concat(chunks) };
        counts.attempts += 1;
        if (keep) attempts.push(message);
        const response = options.respond?.(message.envelope, message.raw);
        if (response === 'drop') return dropSession(session);
        if (response) return callback(replyError(response.code, response.message));
        counts.accepted += 1;
        if (keep) messages.push(message);
        callback(null, 'Message queued');
      });
    },
  });

  function dropSession(session: SMTPServerSession): void {
    sockets.get(session.remotePort)?.destroy();
  }

  server.server.on('connection', (socket: Socket) => {
    const remotePort = socket.remotePort!;
    sockets.set(remotePort, socket);
    socket.once('close', () => sockets.delete(remotePort));
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  // Errors from clients that vanish mid-session are expected in these tests.
  server.on('error', () => {});

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    attempts,
    counts,
    logins,
    parsed: () => Promise.all(messages.map((message) => simpleParser(message.raw))),
    deliveredTo: (address) => messages.filter((message) => message.envelope.to.includes(address)),
    close: () =>
      new Promise<void>((resolve) => {
        // Pooled clients keep idle connections open; cut them so close() does not wait.
        for (const socket of sockets.values()) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function envelopeOf(session: SMTPServerSession): SinkEnvelope {
  const from = session.envelope.mailFrom;
  return {
    from: from ? from.address : '',
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
  };
}

function replyError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}
