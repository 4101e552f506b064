/**
 * Every SQL statement of the SQLite store, as data: sqlite-store.ts prepares them once.
 * The ledger's allowed transitions come from rules.ts, so the SQL cannot disagree with them.
 */
import { CLAIMABLE, LEDGER_TRANSITIONS, SETTLED_STATES, UNSETTLED_STATES, sqlStateList } from './rules.js';
import type { DeliveryState } from './store.js';

/** A ledger mark: creates the row in `state`, or moves an existing one there only from the states rules.ts allows. */
function markDelivery(state: DeliveryState, set: string, values = 'NULL, NULL'): string {
  return `
    INSERT INTO deliveries (issue_date, subscriber_id, state, message_id, last_error, attempts, created_at, updated_at)
    -- Selecting from subscribers makes a mark for a subscriber deleted mid-run a no-op.
    SELECT @issueDate, id, '${state}', ${values}, 1, @at, @at FROM subscribers WHERE id = @subscriberId
    ON CONFLICT (issue_date, subscriber_id) DO UPDATE SET state = '${state}'${set}, updated_at = excluded.updated_at
    WHERE deliveries.state IN (${sqlStateList(LEDGER_TRANSITIONS[state])})`;
}

/**
 * The delivery report, of one issue (@issueDate) or of all: per delivery first (one line however
 * many reports), then per issue. A 'failed' ledger row (a 5xx) is a hard bounce even where no
 * event recorded it (a store older than the events). Two statements rather than one with
 * "@issueDate IS NULL OR …", which no index can serve.
 */
function deliveryReport(oneIssue: boolean): string {
  const only = (column: string) => (oneIssue ? `${column} = @issueDate` : '1');
  return `
    WITH ledger AS (
      SELECT issue_date,
        SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END) AS accepted,
        SUM(CASE WHEN state = 'deferred' THEN 1 ELSE 0 END) AS deferred,
        SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed
      FROM deliveries WHERE ${only('issue_date')} GROUP BY issue_date),
    outcomes AS (
      SELECT issue_date, subscriber_id,
        MAX(CASE WHEN kind = 'bounce' AND bounce_type = 'hard' THEN 1 ELSE 0 END) AS hard,
        MAX(CASE WHEN kind = 'bounce' THEN 1 ELSE 0 END) AS bounced,
        MAX(CASE WHEN kind = 'delivered' THEN 1 ELSE 0 END) AS delivered,
        MAX(CASE WHEN kind = 'complaint' THEN 1 ELSE 0 END) AS complained,
        MAX(CASE WHEN kind = 'unsubscribe' THEN 1 ELSE 0 END) AS unsubscribed
      FROM (
        SELECT issue_date, subscriber_id, kind, bounce_type FROM delivery_events
        WHERE issue_date IS NOT NULL AND ${only('issue_date')}
        UNION ALL
        SELECT issue_date, subscriber_id, 'bounce', 'hard' FROM deliveries
        WHERE state = 'failed' AND ${only('issue_date')})
      GROUP BY issue_date, subscriber_id),
    totals AS (
      SELECT issue_date, SUM(hard) AS hard, SUM(bounced - hard) AS soft,
        SUM(CASE WHEN delivered = 1 AND bounced = 0 THEN 1 ELSE 0 END) AS delivered,
        SUM(complained) AS complained, SUM(unsubscribed) AS unsubscribed
      FROM outcomes GROUP BY issue_date)
    SELECT ledger.issue_date, ledger.accepted, ledger.deferred, ledger.failed,
      COALESCE(totals.hard, 0) AS hard, COALESCE(totals.soft, 0) AS soft, COALESCE(totals.delivered, 0) AS delivered,
      COALESCE(totals.complained, 0) AS complained, COALESCE(totals.unsubscribed, 0) AS unsubscribed
    FROM ledger LEFT JOIN totals ON totals.issue_date = ledger.issue_date
    ORDER BY ledger.issue_date DESC`;
}

export const SQLITE_QUERIES = {
  byEmail: 'SELECT * FROM subscribers WHERE email = ?',
  byId: 'SELECT * FROM subscribers WHERE id = ?',
  insertSubscriber: `
    INSERT INTO subscribers (email, name, topics, cadence, status, created_at, confirmed_at, unsubscribed_at, bounce_count, suppression_reason, suppression_detail, suppressed_at)
    VALUES (@email, @name, @topics, @cadence, @status, @created_at, @confirmed_at, @unsubscribed_at, @bounce_count, @suppression_reason, @suppression_detail, @suppressed_at)`,
  // status_version is moved on by a trigger (migration 2) whenever status changes.
  updateSubscriber: `
    UPDATE subscribers SET name = @name, topics = @topics, cadence = @cadence, status = @status, confirmed_at = @confirmed_at,
      unsubscribed_at = @unsubscribed_at, bounce_count = @bounce_count,
      suppression_reason = @suppression_reason, suppression_detail = @suppression_detail, suppressed_at = @suppressed_at
    WHERE id = @id`,
  setTopics: 'UPDATE subscribers SET topics = ? WHERE id = ?',
  setCadence: 'UPDATE subscribers SET cadence = ? WHERE id = ?',
  removeByEmail: 'DELETE FROM subscribers WHERE email = ?',
  pageAll: 'SELECT * FROM subscribers WHERE id > ? ORDER BY id LIMIT ?',
  countByStatus: 'SELECT status, COUNT(*) AS count FROM subscribers GROUP BY status',

  pagePending: `
    SELECT s.* FROM subscribers AS s
    WHERE s.status = 'confirmed' AND s.cadence = @cadence AND s.id > @afterId
      AND NOT EXISTS (
        SELECT 1 FROM deliveries AS d
        WHERE d.issue_date = @issueDate AND d.subscriber_id = s.id AND d.state IN (${sqlStateList(SETTLED_STATES)}))
    ORDER BY s.id LIMIT @limit`,
  markSending: markDelivery('sending', ', attempts = attempts + 1'),
  markSent: markDelivery('sent', ', message_id = excluded.message_id, last_error = NULL', '@messageId, NULL'),
  // The same mark for a row that exists (a prepared day: nearly always), as a plain UPDATE: half
  // the work of the upsert above, which then only runs when this changed nothing.
  markSentExisting: `
    UPDATE deliveries SET state = 'sent', message_id = @messageId, received = @received, last_error = NULL, updated_at = @at
    WHERE issue_date = @issueDate AND subscriber_id = @subscriberId AND state IN (${sqlStateList(LEDGER_TRANSITIONS.sent)})`,
  markReceived: 'UPDATE deliveries SET received = @received WHERE issue_date = @issueDate AND subscriber_id = @subscriberId',
  // An issue's 'sent' copies that say which papers they held, in keyset pages.
  pageReceived: `
    SELECT subscriber_id, received FROM deliveries
    WHERE issue_date = @issueDate AND state = 'sent' AND received IS NOT NULL AND subscriber_id > @afterId
    ORDER BY subscriber_id LIMIT @limit`,
  // @ids: a JSON array of issue ids.
  copiesSentTo: `
    SELECT issue_date, received FROM deliveries
    WHERE subscriber_id = @subscriberId AND state = 'sent' AND issue_date IN (SELECT value FROM json_each(@ids))`,
  frozenIssueIds: 'SELECT issue_date FROM issue_days ORDER BY issue_date',
  markDeferred: markDelivery('deferred', ', last_error = excluded.last_error', 'NULL, @reason'),
  markSkipped: markDelivery('skipped', ''),
  markFailed: markDelivery('failed', ', last_error = excluded.last_error', 'NULL, @reason'),
  lastBounceReason: 'UPDATE subscribers SET last_bounce_reason = @reason WHERE id = @id',
  ledgerCounts: 'SELECT state, COUNT(*) AS count FROM deliveries WHERE issue_date = ? GROUP BY state',
  // Started (a ledger row exists) and every subscriber confirmed by the time the send
  // started has a settled row. People who confirm later begin with the next issue, so
  // they never turn a finished day back into an unfinished one.
  // A prepared day is complete when no row owes a still-confirmed subscriber the issue.
  issueComplete: `
    WITH run AS (SELECT MIN(created_at) AS started_at FROM deliveries WHERE issue_date = @issueDate)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM issue_days WHERE issue_date = @issueDate AND prepared_at IS NOT NULL)
    THEN NOT EXISTS (
      SELECT 1 FROM deliveries AS d JOIN subscribers AS s ON s.id = d.subscriber_id
      WHERE d.issue_date = @issueDate AND d.state IN (${sqlStateList(UNSETTLED_STATES)}) AND s.status = 'confirmed')
    ELSE (SELECT started_at FROM run) IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM subscribers AS s
      WHERE s.status = 'confirmed' AND s.cadence = @cadence AND s.confirmed_at <= (SELECT started_at FROM run)
        AND NOT EXISTS (
          SELECT 1 FROM deliveries AS d
          WHERE d.issue_date = @issueDate AND d.subscriber_id = s.id AND d.state IN (${sqlStateList(SETTLED_STATES)}))
    ) END AS complete`,

  // Frozen issues and preparing a day (rules.ts, CLAIMABLE for the queue).
  issueDay: 'SELECT * FROM issue_days WHERE issue_date = ?',
  /** A day prepared without a frozen issue gets its content when a run freezes it. */
  freezeIssue: `
    INSERT INTO issue_days (issue_date, frozen_at, digest, compiled) VALUES (@issueDate, @at, @digest, @compiled)
    ON CONFLICT (issue_date) DO UPDATE SET digest = excluded.digest, compiled = excluded.compiled WHERE issue_days.digest IS NULL`,
  rebuildIssue: `
    INSERT INTO issue_days (issue_date, frozen_at, digest, compiled) VALUES (@issueDate, @at, @digest, @compiled)
    ON CONFLICT (issue_date) DO UPDATE SET digest = excluded.digest, compiled = excluded.compiled`,
  askAgainAfterRebuild: `
    UPDATE deliveries SET state = 'pending', updated_at = @at
    WHERE issue_date = @issueDate AND state IN (${sqlStateList(LEDGER_TRANSITIONS.pending)})`,
  openIssueDay: 'INSERT INTO issue_days (issue_date, frozen_at) VALUES (@issueDate, @at) ON CONFLICT (issue_date) DO NOTHING',
  /** The last subscriber id of the next batch to prepare: the list (of the issue's @cadence) as it was at the freeze. */
  prepareBatchEnd: `
    SELECT MAX(id) AS last FROM (
      SELECT s.id FROM subscribers AS s, issue_days AS day
      WHERE day.issue_date = @issueDate AND s.id > @afterId AND s.status = 'confirmed' AND s.cadence = @cadence AND s.confirmed_at <= day.frozen_at
      ORDER BY s.id LIMIT @limit)`,
  prepareBatch: `
    INSERT INTO deliveries (issue_date, subscriber_id, state, attempts, created_at, updated_at)
    SELECT @issueDate, s.id, 'pending', 0, @at, @at FROM subscribers AS s, issue_days AS day
    WHERE day.issue_date = @issueDate AND s.id > @afterId AND s.id <= @lastId AND s.status = 'confirmed' AND s.cadence = @cadence AND s.confirmed_at <= day.frozen_at
    ON CONFLICT (issue_date, subscriber_id) DO NOTHING`,
  markPrepared: 'UPDATE issue_days SET prepared_at = @at WHERE issue_date = @issueDate AND prepared_at IS NULL',

  /** Owners of the day's live leases: a dead process on this host among them gives its rows up. */
  // Claims and leases read a day's rows in one state through deliveries_queue (issue_date,
  // state, subscriber_id), named with INDEXED BY: on the primary key every claim would walk
  // past all the rows already sent, and a day would cost time growing with the square of its list.
  liveLeaseOwners: `
    SELECT DISTINCT lease_owner AS owner FROM deliveries INDEXED BY deliveries_queue
    WHERE issue_date = @issueDate AND state = '${CLAIMABLE.leased}' AND lease_expires_at > @nowMs AND lease_owner IS NOT NULL`,
  endLeasesOf: `UPDATE deliveries INDEXED BY deliveries_queue SET lease_expires_at = NULL WHERE issue_date = @issueDate AND state = '${CLAIMABLE.leased}' AND lease_owner = @owner`,
  // Claimable rows, one state at a time (the store takes fresh ones first), each an index range in id order.
  claimableFresh: `
    SELECT s.* FROM deliveries AS d INDEXED BY deliveries_queue JOIN subscribers AS s ON s.id = d.subscriber_id
    WHERE d.issue_date = @issueDate AND d.state = '${CLAIMABLE.fresh}' AND s.status = 'confirmed'
    ORDER BY d.subscriber_id LIMIT @limit`,
  claimableRetry: `
    SELECT s.* FROM deliveries AS d INDEXED BY deliveries_queue JOIN subscribers AS s ON s.id = d.subscriber_id
    WHERE d.issue_date = @issueDate AND d.state = '${CLAIMABLE.retry}' AND d.lease_owner IS NOT @owner AND s.status = 'confirmed'
    ORDER BY d.subscriber_id LIMIT @limit`,
  claimableExpired: `
    SELECT s.* FROM deliveries AS d INDEXED BY deliveries_queue JOIN subscribers AS s ON s.id = d.subscriber_id
    WHERE d.issue_date = @issueDate AND d.state = '${CLAIMABLE.leased}' AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= @nowMs)
      AND s.status = 'confirmed'
    ORDER BY d.subscriber_id LIMIT @limit`,
  claim: `
    UPDATE deliveries SET state = 'sending', lease_owner = @owner, lease_expires_at = @expiresAt, attempts = attempts + 1, updated_at = @at
    WHERE issue_date = @issueDate AND subscriber_id IN (SELECT value FROM json_each(@ids))`,
  // @ids: a JSON array of subscriber ids (holds made at once are answered together).
  claimsHeld: `
    SELECT subscriber_id AS id FROM deliveries WHERE issue_date = @issueDate AND subscriber_id IN (SELECT value FROM json_each(@ids))
      AND state = 'sending' AND lease_owner = @owner AND lease_expires_at > @until`,
  holdClaims: `
    UPDATE deliveries SET lease_expires_at = @expiresAt
    WHERE issue_date = @issueDate AND subscriber_id IN (SELECT value FROM json_each(@ids)) AND state = 'sending' AND lease_owner = @owner
    RETURNING subscriber_id AS id`,
  releaseClaims: `
    UPDATE deliveries SET state = '${CLAIMABLE.fresh}', lease_owner = NULL, lease_expires_at = NULL, attempts = attempts - 1, updated_at = @at
    WHERE issue_date = @issueDate AND state = 'sending' AND lease_owner = @owner AND subscriber_id IN (SELECT value FROM json_each(@ids))`,
  renewClaims: "UPDATE deliveries INDEXED BY deliveries_queue SET lease_expires_at = @expiresAt WHERE issue_date = @issueDate AND state = 'sending' AND lease_owner = @owner",

  nextSendSlot: 'SELECT next_slot_at AS next FROM send_slots WHERE issue_date = ?',
  moveSendSlot: `
    INSERT INTO send_slots (issue_date, next_slot_at) VALUES (@issueDate, @next)
    ON CONFLICT (issue_date) DO UPDATE SET next_slot_at = excluded.next_slot_at`,

  lockFor: 'SELECT owner, expires_at FROM prepare_locks WHERE issue_date = ?',
  takeLock: `
    INSERT INTO prepare_locks (issue_date, owner, acquired_at, expires_at) VALUES (@issueDate, @owner, @acquiredAt, @expiresAt)
    ON CONFLICT (issue_date) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
  refreshLock: 'UPDATE prepare_locks SET expires_at = @expiresAt WHERE issue_date = @issueDate AND owner = @owner',
  releaseLock: 'DELETE FROM prepare_locks WHERE issue_date = @issueDate AND owner = @owner',

  saveIssue: `
    INSERT INTO issues (date, subject, html, text, created_at) VALUES (@date, @subject, @html, @text, @createdAt)
    ON CONFLICT (date) DO UPDATE SET subject = excluded.subject, html = excluded.html, text = excluded.text`,
  issue: 'SELECT * FROM issues WHERE date = ?',

  // Delivery events (src/feedback/event-store.ts; the rules in rules.ts, afterDeliveryEvent).
  insertEvent: `
    INSERT INTO delivery_events (source, event_key, subscriber_id, issue_date, kind, bounce_type, status, diagnostic, recipient, occurred_at, recorded_at)
    VALUES (@source, @key, @subscriberId, @issueDate, @kind, @bounceType, @status, @diagnostic, @recipient, @occurredAt, @recordedAt)
    ON CONFLICT (source, event_key) DO NOTHING`,
  eventExists: 'SELECT 1 FROM delivery_events WHERE source = @source AND event_key = @key',
  deliveryBounces: `
    SELECT bounce_type AS type FROM delivery_events WHERE subscriber_id = @subscriberId AND issue_date = @issueDate AND kind = 'bounce'`,
  latestHardBounce: `
    SELECT MAX(occurred_at) AS at FROM delivery_events WHERE subscriber_id = @subscriberId AND kind = 'bounce' AND bounce_type = 'hard'`,
  // Since they last confirmed (by the store's clock): confirming again starts the window afresh.
  softBounces: `
    SELECT issue_date, occurred_at FROM delivery_events
    WHERE subscriber_id = @subscriberId AND kind = 'bounce' AND bounce_type = 'soft' AND (@confirmedAt IS NULL OR recorded_at >= @confirmedAt)`,
  deliveryByMessageId: 'SELECT issue_date, subscriber_id FROM deliveries WHERE message_id = ? ORDER BY issue_date DESC LIMIT 1',
  latestAcceptedIssue: "SELECT MAX(issue_date) AS issue_date FROM deliveries WHERE subscriber_id = ? AND state = 'sent'",
  deliveryReportOf: deliveryReport(true),
  deliveryReportAll: deliveryReport(false),

  // What readers told papermail (src/personal/reader-signals.ts). Selecting from subscribers
  // makes a write for an unknown subscriber change nothing, which the store reports.
  recordVote: `
    INSERT INTO reader_votes (subscriber_id, paper_id, vote, issue_id, title, at)
    SELECT id, @paperId, @vote, @issueId, @title, @at FROM subscribers WHERE id = @subscriberId
    ON CONFLICT (subscriber_id, paper_id) DO UPDATE SET vote = excluded.vote, issue_id = excluded.issue_id, title = excluded.title, at = excluded.at`,
  removeVote: 'DELETE FROM reader_votes WHERE subscriber_id = ? AND paper_id = ?',
  clearVotes: 'DELETE FROM reader_votes WHERE subscriber_id = ?',
  votesOf: 'SELECT paper_id, vote, issue_id, title, at FROM reader_votes WHERE subscriber_id = ? ORDER BY at DESC, paper_id',
  interestsOf: 'SELECT interests FROM reader_interests WHERE subscriber_id = ?',
  setInterests: `
    INSERT INTO reader_interests (subscriber_id, interests, updated_at)
    SELECT id, @interests, @at FROM subscribers WHERE id = @subscriberId
    ON CONFLICT (subscriber_id) DO UPDATE SET interests = excluded.interests, updated_at = excluded.updated_at`,
  clearInterests: 'DELETE FROM reader_interests WHERE subscriber_id = ?',
  saveReaderModel: `
    INSERT INTO reader_models (subscriber_id, model, trained_at)
    SELECT id, @json, @trainedAt FROM subscribers WHERE id = @subscriberId
    ON CONFLICT (subscriber_id) DO UPDATE SET model = excluded.model, trained_at = excluded.trained_at`,
  // @ids: a JSON array of subscriber ids.
  readerModels: 'SELECT subscriber_id, model, trained_at FROM reader_models WHERE subscriber_id IN (SELECT value FROM json_each(@ids))',
  saveVocabulary: `
    INSERT INTO reader_vocabulary (id, vocabulary, fitted_through) VALUES (1, @json, @fittedThrough)
    ON CONFLICT (id) DO UPDATE SET vocabulary = excluded.vocabulary, fitted_through = excluded.fitted_through`,
  latestVocabulary: 'SELECT vocabulary, fitted_through FROM reader_vocabulary WHERE id = 1',

  // Copying the store elsewhere (store-copy.ts): every row, in keyset pages.
  pageVotes: `
    SELECT * FROM reader_votes WHERE (subscriber_id, paper_id) > (@subscriberId, @paperId)
    ORDER BY subscriber_id, paper_id LIMIT @limit`,
  pageInterests: 'SELECT * FROM reader_interests WHERE subscriber_id > ? ORDER BY subscriber_id LIMIT ?',
  pageReaderModels: 'SELECT * FROM reader_models WHERE subscriber_id > ? ORDER BY subscriber_id LIMIT ?',
  pageDeliveryEvents: 'SELECT * FROM delivery_events WHERE id > ? ORDER BY id LIMIT ?',
  pageDeliveries: `
    SELECT * FROM deliveries WHERE (issue_date, subscriber_id) > (@issueDate, @subscriberId)
    ORDER BY issue_date, subscriber_id LIMIT @limit`,
  pageIssues: 'SELECT * FROM issues WHERE date > ? ORDER BY date LIMIT ?',
  pageIssueDays: 'SELECT * FROM issue_days WHERE issue_date > ? ORDER BY issue_date LIMIT ?',
  // AUTOINCREMENT remembers the highest id ever used in sqlite_sequence, deleted rows' included.
  highestSubscriberId: `
    SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'subscribers'), 0),
               COALESCE((SELECT MAX(id) FROM subscribers), 0)) AS id`,
  issues: 'SELECT date, subject, created_at FROM issues ORDER BY date DESC',
} as const;
