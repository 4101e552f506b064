import type { HttpBindings } from '@hono/node-server';
import type { Config } from '../config/config.js';
import type { TopicChoice } from '../digest/taxonomy.js';
import type { Logger } from '../logger.js';
import type { ConfirmationMailer } from '../delivery/confirmation-mail.js';
import type { DeliveryEventStore } from '../feedback/event-store.js';
import type { SnsNetwork } from '../feedback/webhooks/ses.js';
import type { FrozenIssues, SendLedger } from '../delivery/send-ledger.js';
import type { ReaderSignalStore, SignalsChanged } from '../personal/reader-signals.js';
import type { BusyRetryPolicy } from '../subscribers/busy-retry.js';
import type { IssueArchive, StoreLifecycle, SubscriberDirectory } from '../subscribers/store.js';
import type { BackgroundTasks } from './background.js';
import type { Pages } from './pages.js';

/** Sends the double opt-in email; the runtime wires it to the transport and the confirmation template. */
export type { ConfirmationMailer };

/** What `POST /admin/send` asks the daily send for. */
export interface SendRequest {
  date?: string;
  dryRun?: boolean;
}

/**
 * What the web side reads and writes: subscribers, the archive pages, the frozen issues' papers
 * (the feeds), delivery events (an unsubscribe is one, the webhooks record them, the admin
 * report reads them), readers' votes and interests (the vote and preferences pages), and the
 * store's health.
 */
export type ServerStore = SubscriberDirectory &
  Pick<ReaderSignalStore, 'recordVote' | 'removeVote' | 'clearVotes' | 'readerSignals'> &
  Pick<IssueArchive, 'getIssue' | 'listIssues'> &
  Pick<FrozenIssues, 'frozenIssue'> &
  Pick<SendLedger, 'copiesSentTo'> &
  DeliveryEventStore &
  Pick<StoreLifecycle, 'health'>;

/** Everything the web side needs, passed in so tests give it real peers (SQLite file, SMTP sink). */
export interface AppDependencies {
  config: Config;
  store: ServerStore;
  /** The choices on the subscribe and preferences forms (`topicCatalogue(taxonomy)`). */
  topics: TopicChoice[];
  mailer: ConfirmationMailer;
  /** The daily send; its summary is returned to the admin as JSON. */
  runSend: (request: SendRequest) => Promise<object>;
  /** The browser version of a day's issue, rendered now (for `/preview`). */
  renderPreview: (date: string) => Promise<string>;
  logger: Logger;
  now?: () => Date;
  /**
   * Where confirmation emails are sent after the response. Pass one in and await its
   * `settled()` at shutdown; without it the app makes its own, which nobody can await.
   */
  background?: BackgroundTasks;
  /**
   * How a request waits out another process's write lock beyond the store's own busy
   * timeout (STORE_RETRY in app.ts by default); after the last retry it answers 503.
   */
  storeRetry?: BusyRetryPolicy;
  /**
   * What /webhooks/ses fetches: SNS signing certificates and subscription confirmations
   * (over https with global fetch unless given; tests give their own certificate).
   */
  snsNetwork?: SnsNetwork;
  /**
   * Runs after a reader's vote, undo, cleared votes or changed interests were stored (after
   * the response): retraining their model. NO_RETRAINING unless given.
   */
  signalsChanged?: SignalsChanged;
}

/** The SignalsChanged of a server that trains nothing (yet): votes and interests are only stored. */
export const NO_RETRAINING: SignalsChanged = async () => undefined;

/** The dependencies with defaults filled in, as the routes see them. */
export interface RouteContext extends Required<Omit<AppDependencies, 'now' | 'storeRetry'>> {
  now: () => Date;
  pages: Pages;
}

/** Hono's environment under @hono/node-server: the Node request carries the socket address. */
export type AppEnv = { Bindings: HttpBindings };
