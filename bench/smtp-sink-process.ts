/**
 * The SMTP sink for the bench and the soak, run as its own process (see sink.ts) so that its
 * CPU time is not charged to the sender being measured, and so that it outlives a sender that
 * is killed. It listens on 127.0.0.1, reads every message to its end and throws it away,
 * counting accepted copies per recipient; it mistreats recipients as the fault plan in
 * argv[2] (JSON) says. It talks to its parent over the IPC channel only.
 *
 * Messages from the parent: { type: 'stats', id, perRecipient } → { type: 'stats', id, stats }
 *                           { type: 'notify', accepted }       → { type: 'reached', accepted } once that many were accepted
 *                           { type: 'reset' }                   forget all counts
 */
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { faultFor, NO_FAULTS, type FaultPlan } from './faults.js';

export interface RecipientCounts {
  /** Copies answered 250. */
  accepted: number;
  /** Complete messages received (DATA to its end), whatever the answer. */
  attempts: number;
  /** RCPT TO commands refused with 550. */
  rejected: number;
}

export interface SinkStats {
  accepted: number;
  attempts: number;
  rejected: number;
  deferred: number;
  dropped: number;
  connections: number;
  perRecipient?: Record<string, RecipientCounts>;
}

export type SinkRequest = { type: 'stats'; id: number; perRecipient: boolean } | { type: 'notify'; accepted: number } | { type: 'reset' };

export type SinkReport =
  | { type: 'ready'; port: number }
  | { type: 'stats'; id: number; stats: SinkStats }
  | { type: 'reached'; accepted: number };

const plan: FaultPlan = process.argv[2] ? (JSON.parse(process.argv[2]) as FaultPlan) : NO_FAULTS;

let totals = freshTotals();
let recipients = new Map<string, RecipientCounts>();
let notifyAt: number | undefined;
// Sockets by remote port, so a 'drop' cuts the connection its session arrived on.
const sockets = new Map<number, Socket>();

function freshTotals(): Omit<SinkStats, 'perRecipient'> {
  return { accepted: 0, attempts: 0, rejected: 0, deferred: 0, dropped: 0, connections: 0 };
}

function countsFor(address: string): RecipientCounts {
  const key = address.toLowerCase();
  let counts = recipients.get(key);
  if (!counts) {
    counts = { accepted: 0, attempts: 0, rejected: 0 };
    recipients.set(key, counts);
  }
  return counts;
}

function report(message: SinkReport): void {
  process.send?.(message);
}

function replyError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

function recipientOf(session: SMTPServerSession): string {
  return session.envelope.rcptTo[0]?.address ?? '';
}

const server = new SMTPServer({
  secure: false,
  disabledCommands: ['AUTH', 'STARTTLS'],
  authOptional: true,
  disableReverseLookup: true,
  logger: false,
  // A sender pool of a few connections, plus the ones a killed sender leaves half-open.
  maxClients: 200,
  closeTimeout: 100,
  onConnect(_session, callback) {
    totals.connections += 1;
    callback();
  },
  onRcptTo(address, _session, callback) {
    if (faultFor(address.address, 1, plan) === 'reject') {
      totals.rejected += 1;
      countsFor(address.address).rejected += 1;
      return callback(replyError(550, '5.1.1 No such mailbox here'));
    }
    callback();
  },
  onData(stream, session, callback) {
    // A client that dies mid-message makes smtp-server destroy the stream: no 'end', nothing counted.
    stream.on('error', () => {});
    stream.on('data', () => {});
    stream.on('end', () => {
      const address = recipientOf(session);
      const counts = countsFor(address);
      counts.attempts += 1;
      totals.attempts += 1;
      const fault = faultFor(address, counts.attempts, plan);
      if (fault === 'drop') {
        totals.dropped += 1;
        sockets.get(session.remotePort)?.destroy();
        return;
      }
      if (fault === 'defer-421' || fault === 'defer-451') {
        totals.deferred += 1;
        return fault === 'defer-421'
          ? callback(replyError(421, '4.3.2 Too busy, closing the connection; try again later'))
          : callback(replyError(451, '4.3.0 Temporary local problem; try again later'));
      }
      counts.accepted += 1;
      totals.accepted += 1;
      callback(null, 'Message queued');
      if (notifyAt !== undefined && totals.accepted >= notifyAt) {
        report({ type: 'reached', accepted: totals.accepted });
        notifyAt = undefined;
      }
    });
  },
});

server.server.on('connection', (socket: Socket) => {
  const remotePort = socket.remotePort!;
  sockets.set(remotePort, socket);
  socket.once('close', () => sockets.delete(remotePort));
});
// Clients that vanish mid-session (a killed sender) are part of the job.
server.on('error', () => {});

process.on('message', (request: SinkRequest) => {
  switch (request.type) {
    case 'stats': {
      const stats: SinkStats = { ...totals };
      if (request.perRecipient) stats.perRecipient = Object.fromEntries(recipients);
      report({ type: 'stats', id: request.id, stats });
      return;
    }
    case 'notify':
      if (totals.accepted >= request.accepted) report({ type: 'reached', accepted: totals.accepted });
      else notifyAt = request.accepted;
      return;
    case 'reset':
      totals = freshTotals();
      recipients = new Map();
      notifyAt = undefined;
      return;
  }
});

// The parent going away (finished, or killed itself) ends the sink: it never outlives its run.
process.on('disconnect', () => {
  for (const socket of sockets.values()) socket.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
});

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  report({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
