/**
 * Every SQL statement of the PostgreSQL store, as data. `$n` parameters are listed above
 * each. Times are the database's own (statement_timestamp()), so every machine sharing the
 * database agrees on them; a test may pass its clock's time as `at`, which then wins.
 * The ledger's allowed transitions come from rules.ts, as for SQLite.
 */
import { CLAIMABLE, LEDGER_TRANSITIONS, SETTLED_STATES, UNSETTLED_STATES, sqlStateList } from './rules.js';
import type { DeliveryState } from './store.js';

/** The store's time: the caller's `at` ($n) when given, else the database's. */
const at = (n: number) => `COALESCE($${n}::timestamptz, statement_timestamp())`;

/**
 * A ledger mark ($1 issue date, $2 subscriber id, $3 at, $4 message id or reason): creates
 * the row in `state`, or moves an existing one there only from the states rules.ts allows.
 * Returns a row when it wrote one.
 */
function markDelivery(state: DeliveryState, set: string, values: string): string {
  return `
    INSERT INTO deliveries (issue_date, subscriber_id, state, message_id, last_error, attempts, created_at, updated_at)
    -- Selecting from subscribers makes a mark for a subscriber deleted mid-run a no-op.
    SELECT $1, id, '${state}', ${values}, 1, ${at(3)}, ${at(3)} FROM subscribers WHERE id = $2
    ON CONFLICT (issue_date, subscriber_id) DO UPDATE SET state = '${state}'${set}, updated_at = excluded.updated_at
    WHERE deliveries.state IN (${sqlStateList(LEDGER_TRANSITIONS[state])})
    RETURNING 1`;
}

/** The delivery row `alias`'s subscriber is confirmed: a lookup per row (a subquery the planner keeps as one), never a join. */
const confirmedSubscriberOf = (alias: string) => `(SELECT s.status FROM subscribers AS s WHERE s.id = ${alias}.subscriber_id) = 'confirmed'`;

const SUBSCRIBER_COLUMNS =
  'id, email, name, status, topics, cadence, created_at, confirmed_at, unsubscribed_at, bounce_count, status_version, suppression_reason, suppression_detail, suppressed_at';

/**
 * The delivery report, of one issue ($1) or of all: per delivery first (one line however
 * many reports), then per issue. A 'failed' ledger row (a 5xx) is a hard bounce even where no
 * event recorded it (a store older than the events). Two statements rather than one with
 * "$1 IS NULL OR …", which no index can serve.
 */
function deliveryReport(oneIssue: boolean): string {
  const only = (column: string) => (oneIssue ? `${column} = $1` : 'true');
  return `
    WITH ledger AS (
      SELECT issue_date,
        count(*) FILTER (WHERE state = 'sent')::integer AS accepted,
        count(*) FILTER (WHERE state = 'deferred')::integer AS deferred,
        count(*) FILTER (WHERE state = 'failed')::integer AS failed
      FROM deliveries WHERE ${only('issue_date')} GROUP BY issue_date),
    outcomes AS (
      SELECT issue_date, subscriber_id,
        bool_or(kind = 'bounce' AND bounce_type = 'hard') AS hard,
        bool_or(kind = 'bounce') AS bounced,
        bool_or(kind = 'delivered') AS delivered,
        bool_or(kind = 'complaint') AS complained,
        bool_or(kind = 'unsubscribe') AS unsubscribed
      FROM (
        SELECT issue_date, subscriber_id, kind, bounce_type FROM delivery_events
        WHERE issue_date IS NOT NULL AND ${only('issue_date')}
        UNION ALL
        SELECT issue_date, subscriber_id, 'bounce', 'hard' FROM deliveries
        WHERE state = 'failed' AND ${only('issue_date')}) AS reported
      GROUP BY issue_date, subscriber_id),
    totals AS (
      SELECT issue_date,
        count(*) FILTER (WHERE hard)::integer AS hard,
        count(*) FILTER (WHERE bounced AND NOT hard)::integer AS soft,
        count(*) FILTER (WHERE delivered AND NOT bounced)::integer AS delivered,
        count(*) FILTER (WHERE complained)::integer AS complained,
        count(*) FILTER (WHERE unsubscribed)::integer AS unsubscribed
      FROM outcomes GROUP BY issue_date)
    SELECT ledger.issue_date, ledger.accepted, ledger.deferred, ledger.failed,
      COALESCE(totals.hard, 0) AS hard, COALESCE(totals.soft, 0) AS soft, COALESCE(totals.delivered, 0) AS delivered,
      COALESCE(totals.complained, 0) AS complained, COALESCE(totals.unsubscribed, 0) AS unsubscribed
    FROM ledger LEFT JOIN totals ON totals.issue_date = ledger.issue_date
    ORDER BY ledger.issue_date DESC`;
}

export const POSTGRES_QUERIES = {
  /** The time the store records now: $1 the caller's clock, or null for the database's. */
  now: `SELECT ${at(1)} AS at`,
  /** Serialises the transactions that may add subscribers, so two cannot add the same address. */
  lockForNewSubscribers: 'LOCK TABLE subscribers IN SHARE ROW EXCLUSIVE MODE',

  // $1 email
  byEmail: `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE lower(email) = lower($1)`,
  byEmailForUpdate: `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE lower(email) = lower($1) FOR UPDATE`,
  // $1 emails
  byEmailsForUpdate: `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE lower(email) = ANY (SELECT lower(unnest($1::text[]))) FOR UPDATE`,
  // $1 id
  byId: `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1`,
  byIdForUpdate: `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1 FOR UPDATE`,
  // $1 emails, $2 names, $3 topics (JSON text), $4 statuses, $5 created, $6 confirmed, $7 unsubscribed, $8 suppression
  // reasons, $9 their details, $10 when, $11 cadences (arrays, one entry per subscriber)
  insertSubscribers: `
    INSERT INTO subscribers (email, name, topics, status, created_at, confirmed_at, unsubscribed_at, bounce_count, suppression_reason, suppression_detail, suppressed_at, cadence)
    SELECT email, name, topics::jsonb, status, created_at, confirmed_at, unsubscribed_at, 0, suppression_reason, suppression_detail, suppressed_at, cadence
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[], $10::timestamptz[], $11::text[])
      AS new (email, name, topics, status, created_at, confirmed_at, unsubscribed_at, suppression_reason, suppression_detail, suppressed_at, cadence)
    RETURNING ${SUBSCRIBER_COLUMNS}`,
  // $1 id, $2 name, $3 topics (JSON text), $4 status, $5 confirmed, $6 unsubscribed, $7 bounce count,
  // $8 suppression reason, $9 its detail, $10 when, $11 cadence. status_version is moved on by the trigger whenever status changes.
  updateSubscriber: `
    UPDATE subscribers SET name = $2, topics = $3::jsonb, status = $4, confirmed_at = $5, unsubscribed_at = $6, bounce_count = $7,
      suppression_reason = $8, suppression_detail = $9, suppressed_at = $10, cadence = $11
    WHERE id = $1
    RETURNING ${SUBSCRIBER_COLUMNS}`,
  // $1 id, $2 topics (JSON text)
  setTopics: `UPDATE subscribers SET topics = $2::jsonb WHERE id = $1 RETURNING ${SUBSCRIBER_COLUMNS}`,
  // $1 id, $2 cadence
  setCadence: `UPDATE subscribers SET cadence = $2 WHERE id = $1 RETURNING ${SUBSCRIBER_COLUMNS}`,
  // $1 email
  removeByEmail: 'DELETE FROM subscribers WHERE lower(email) = lower($1)',
  // $1 after id, $2 limit
  pageAll: `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE id > $1 ORDER BY id LIMIT $2`,
  countByStatus: 'SELECT status, count(*)::integer AS count FROM subscribers GROUP BY status',

  // $1 issue date, $2 after id, $3 limit, $4 the issue's cadence
  pagePending: `
    SELECT ${SUBSCRIBER_COLUMNS.split(', ').map((column) => `s.${column}`).join(', ')} FROM subscribers AS s
    WHERE s.status = 'confirmed' AND s.cadence = $4 AND s.id > $2
      AND NOT EXISTS (
        SELECT 1 FROM deliveries AS d
        WHERE d.issue_date = $1 AND d.subscriber_id = s.id AND d.state IN (${sqlStateList(SETTLED_STATES)}))
    ORDER BY s.id LIMIT $3`,
  markSending: markDelivery('sending', ', attempts = deliveries.attempts + 1', 'NULL, NULL'),
  markDeferred: markDelivery('deferred', ', last_error = excluded.last_error', 'NULL::text, $4::text'),
  markSkipped: markDelivery('skipped', '', 'NULL, NULL'),
  markFailed: markDelivery('failed', ', last_error = excluded.last_error', 'NULL::text, $4::text'),
  // $1 issue date, $2 subscriber ids, $3 message ids, $4 at: many 'sent' marks as one statement; a
  // subscriber deleted mid-run is left out, as in markDelivery. Acceptance only: bounce counts are left alone.
  // $5 what each copy held (received, src/delivery/paper-history.ts; NULL when not known).
  markSentBatch: `
    INSERT INTO deliveries (issue_date, subscriber_id, state, message_id, received, last_error, attempts, created_at, updated_at)
    SELECT $1, s.id, 'sent', marks.message_id, marks.received, NULL, 1, ${at(4)}, ${at(4)}
    FROM unnest($2::integer[], $3::text[], $5::text[]) AS marks (subscriber_id, message_id, received) JOIN subscribers AS s ON s.id = marks.subscriber_id
    ON CONFLICT (issue_date, subscriber_id) DO UPDATE SET state = 'sent', message_id = excluded.message_id, received = excluded.received, last_error = NULL, updated_at = excluded.updated_at
    WHERE deliveries.state IN (${sqlStateList(LEDGER_TRANSITIONS.sent)})`,
  // $1 id, $2 reason
  lastBounceReason: 'UPDATE subscribers SET last_bounce_reason = $2 WHERE id = $1',

  // Delivery events (src/feedback/event-store.ts; the rules in rules.ts, afterDeliveryEvent).
  // $1 source, $2 key, $3 subscriber id, $4 issue date, $5 kind, $6 bounce type, $7 status, $8 diagnostic, $9 recipient, $10 occurred at, $11 at
  insertEvent: `
    INSERT INTO delivery_events (source, event_key, subscriber_id, issue_date, kind, bounce_type, status, diagnostic, recipient, occurred_at, recorded_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${at(11)})
    ON CONFLICT (source, event_key) DO NOTHING
    RETURNING recorded_at`,
  // $1 source, $2 key
  eventExists: 'SELECT 1 FROM delivery_events WHERE source = $1 AND event_key = $2',
  // $1 subscriber id, $2 issue date
  deliveryBounces: "SELECT bounce_type AS type FROM delivery_events WHERE subscriber_id = $1 AND issue_date = $2 AND kind = 'bounce'",
  // $1 subscriber id
  latestHardBounce: "SELECT max(occurred_at) AS at FROM delivery_events WHERE subscriber_id = $1 AND kind = 'bounce' AND bounce_type = 'hard'",
  // $1 subscriber id, $2 confirmed at: since they last confirmed, confirming again starts the window afresh.
  softBounces: `
    SELECT issue_date, occurred_at FROM delivery_events
    WHERE subscriber_id = $1 AND kind = 'bounce' AND bounce_type = 'soft' AND ($2::timestamptz IS NULL OR recorded_at >= $2::timestamptz)`,
  // $1 message id
  deliveryByMessageId: 'SELECT issue_date, subscriber_id FROM deliveries WHERE message_id = $1 ORDER BY issue_date DESC LIMIT 1',
  // $1 subscriber id
  latestAcceptedIssue: "SELECT max(issue_date) AS issue_date FROM deliveries WHERE subscriber_id = $1 AND state = 'sent'",
  deliveryReportOf: deliveryReport(true),
  deliveryReportAll: deliveryReport(false),
  // $1 issue date
  ledgerCounts: 'SELECT state, count(*)::integer AS count FROM deliveries WHERE issue_date = $1 GROUP BY state',
  // $1 issue date, $2 its cadence. Started (a ledger row exists) and every subscriber confirmed by the time
  // the send started has a settled row; people who confirm later begin with the next issue.
  // A prepared day is complete when no row owes a still-confirmed subscriber the issue.
  issueComplete: `
    WITH run AS (SELECT min(created_at) AS started_at FROM deliveries WHERE issue_date = $1)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM issue_days WHERE issue_date = $1 AND prepared_at IS NOT NULL)
    THEN NOT EXISTS (
      SELECT 1 FROM deliveries AS d JOIN subscribers AS s ON s.id = d.subscriber_id
      WHERE d.issue_date = $1 AND d.state IN (${sqlStateList(UNSETTLED_STATES)}) AND s.status = 'confirmed')
    ELSE (SELECT started_at FROM run) IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM subscribers AS s
      WHERE s.status = 'confirmed' AND s.cadence = $2 AND s.confirmed_at <= (SELECT started_at FROM run)
        AND NOT EXISTS (
          SELECT 1 FROM deliveries AS d
          WHERE d.issue_date = $1 AND d.subscriber_id = s.id AND d.state IN (${sqlStateList(SETTLED_STATES)}))
    ) END AS complete`,

  // Frozen issues and preparing a day (rules.ts, CLAIMABLE for the queue).
  // $1 issue date
  issueDay: 'SELECT issue_date, frozen_at, digest, compiled, prepared_at FROM issue_days WHERE issue_date = $1',
  // $1 issue date, $2 after subscriber id, $3 limit: an issue's 'sent' copies that say which papers they held.
  pageReceived: `
    SELECT subscriber_id, received FROM deliveries
    WHERE issue_date = $1 AND state = 'sent' AND received IS NOT NULL AND subscriber_id > $2
    ORDER BY subscriber_id LIMIT $3`,
  copiesSentTo: `
    SELECT issue_date, received FROM deliveries
    WHERE subscriber_id = $1 AND state = 'sent' AND issue_date = ANY($2::text[])`,
  frozenIssueIds: 'SELECT issue_date FROM issue_days ORDER BY issue_date',
  issueDayForUpdate: 'SELECT issue_date FROM issue_days WHERE issue_date = $1 FOR UPDATE',
  // $1 issue date, $2 at, $3 digest, $4 compiled. A day prepared without a frozen issue gets its content when a run freezes it.
  freezeIssue: `
    INSERT INTO issue_days (issue_date, frozen_at, digest, compiled) VALUES ($1, ${at(2)}, $3, $4)
    ON CONFLICT (issue_date) DO UPDATE SET digest = excluded.digest, compiled = excluded.compiled WHERE issue_days.digest IS NULL`,
  rebuildIssue: `
    INSERT INTO issue_days (issue_date, frozen_at, digest, compiled) VALUES ($1, ${at(2)}, $3, $4)
    ON CONFLICT (issue_date) DO UPDATE SET digest = excluded.digest, compiled = excluded.compiled`,
  // $1 issue date, $2 at
  askAgainAfterRebuild: `
    UPDATE deliveries SET state = 'pending', updated_at = ${at(2)}
    WHERE issue_date = $1 AND state IN (${sqlStateList(LEDGER_TRANSITIONS.pending)})`,
  openIssueDay: `INSERT INTO issue_days (issue_date, frozen_at) VALUES ($1, ${at(2)}) ON CONFLICT (issue_date) DO NOTHING`,
  // $1 issue date, $2 after id, $3 limit, $4 at, $5 the issue's cadence: one batch of the list (of that cadence) as it was at the freeze.
  prepareBatch: `
    WITH batch AS (
      SELECT s.id FROM subscribers AS s, issue_days AS day
      WHERE day.issue_date = $1 AND s.id > $2 AND s.status = 'confirmed' AND s.cadence = $5 AND s.confirmed_at <= day.frozen_at
      ORDER BY s.id LIMIT $3),
    added AS (
      INSERT INTO deliveries (issue_date, subscriber_id, state, attempts, created_at, updated_at)
      SELECT $1, id, 'pending', 0, ${at(4)}, ${at(4)} FROM batch
      ON CONFLICT (issue_date, subscriber_id) DO NOTHING
      RETURNING 1)
    SELECT (SELECT max(id) FROM batch) AS last, (SELECT count(*)::integer FROM added) AS added`,
  markPrepared: `UPDATE issue_days SET prepared_at = ${at(2)} WHERE issue_date = $1 AND prepared_at IS NULL`,

  // $1 issue date, $2 at: owners of the day's live leases (a dead process on this host among them gives its rows up).
  liveLeaseOwners: `
    SELECT DISTINCT lease_owner AS owner FROM deliveries
    WHERE issue_date = $1 AND state = '${CLAIMABLE.leased}' AND lease_expires_at > ${at(2)} AND lease_owner IS NOT NULL`,
  // $1 issue date, $2 owner
  endLeasesOf: `UPDATE deliveries SET lease_expires_at = NULL WHERE issue_date = $1 AND state = '${CLAIMABLE.leased}' AND lease_owner = $2`,
  // $1 issue date, $2 owner, $3 limit, $4 at, $5 lease in milliseconds, $6 after id (below). Rows another
  // transaction is claiming are skipped, not waited for: two claims never get the same row.
  // One state at a time, each an index range of deliveries_queue (issue_date, state,
  // subscriber_id) in id order that stops at the limit: one condition over all three states
  // would read every unsettled row of the day and sort them, for every claim — a day's cost
  // growing with the square of its list. Fresh rows are taken first. Two things keep the
  // planner on that range whatever its statistics say (once ANALYZE has seen a prepared day,
  // it would rather walk the confirmed subscribers in id order and probe each one's row, past
  // every row already sent): the order is the index's own, and the subscriber's status is a
  // lookup per row, which it cannot turn into a join to start from. Even so it may walk the
  // day in id order through deliveries_by_subscriber, so fresh rows are looked for above $6,
  // the highest fresh id this owner claimed last time (0: from the start), and the walk starts
  // there, whichever index it takes. `fresh` says which rows were.
  claim: `
    WITH fresh AS (
      SELECT d.subscriber_id FROM deliveries AS d
      WHERE d.issue_date = $1 AND d.state = '${CLAIMABLE.fresh}' AND d.subscriber_id > $6 AND ${confirmedSubscriberOf('d')}
      ORDER BY d.issue_date, d.state, d.subscriber_id LIMIT $3
      FOR UPDATE OF d SKIP LOCKED),
    retry AS (
      SELECT d.subscriber_id FROM deliveries AS d
      WHERE d.issue_date = $1 AND d.state = '${CLAIMABLE.retry}' AND d.lease_owner IS DISTINCT FROM $2 AND ${confirmedSubscriberOf('d')}
      ORDER BY d.issue_date, d.state, d.subscriber_id LIMIT $3
      FOR UPDATE OF d SKIP LOCKED),
    expired AS (
      SELECT d.subscriber_id FROM deliveries AS d
      WHERE d.issue_date = $1 AND d.state = '${CLAIMABLE.leased}' AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= ${at(4)})
        AND ${confirmedSubscriberOf('d')}
      ORDER BY d.issue_date, d.state, d.subscriber_id LIMIT $3
      FOR UPDATE OF d SKIP LOCKED),
    claimable AS (
      SELECT subscriber_id, rank FROM (
        SELECT subscriber_id, 1 AS rank FROM fresh UNION ALL SELECT subscriber_id, 2 FROM retry UNION ALL SELECT subscriber_id, 3 FROM expired) AS candidates
      ORDER BY rank, subscriber_id LIMIT $3)
    UPDATE deliveries AS d SET state = 'sending', lease_owner = $2,
      lease_expires_at = ${at(4)} + $5::double precision * interval '1 millisecond', attempts = d.attempts + 1, updated_at = ${at(4)}
    FROM claimable JOIN subscribers AS s ON s.id = claimable.subscriber_id
    WHERE d.issue_date = $1 AND d.subscriber_id = claimable.subscriber_id
    RETURNING ${SUBSCRIBER_COLUMNS.split(', ').map((column) => `s.${column}`).join(', ')}, claimable.rank = 1 AS fresh`,
  // $1 issue date, $2 owner, $3 at, $4 lease in milliseconds, $5 subscriber ids: for each row
  // still $2's claim, whether more than half its lease is left ("young": held as it is, a read
  // and no new row version per message). Only the key is a condition, so every id is one
  // primary-key lookup: with the state a condition too, the planner (its statistics taken
  // while every row was 'pending') walked all the day's 'sending' rows, every worker's claims
  // and their dead versions, for every hold — four workers' holds cost three times one's.
  heldClaims: `
    SELECT subscriber_id, lease_expires_at > ${at(3)} + $4::double precision * interval '0.5 millisecond' AS young,
      state = 'sending' AND lease_owner IS NOT DISTINCT FROM $2 AS ours
    FROM deliveries WHERE issue_date = $1 AND subscriber_id = ANY ($5::integer[])`,
  // The same, for $2's rows among $5 that were not young: their leases start again; returns the ids.
  renewHeldClaims: `
    UPDATE deliveries SET lease_expires_at = ${at(3)} + $4::double precision * interval '1 millisecond'
    WHERE issue_date = $1 AND subscriber_id = ANY ($5::integer[]) AND state = 'sending' AND lease_owner = $2
      AND (lease_expires_at IS NULL OR lease_expires_at <= ${at(3)} + $4::double precision * interval '0.5 millisecond')
    RETURNING subscriber_id`,
  // $1 issue date, $2 owner, $3 at, $4 subscriber ids
  releaseClaims: `
    UPDATE deliveries SET state = '${CLAIMABLE.fresh}', lease_owner = NULL, lease_expires_at = NULL, attempts = attempts - 1, updated_at = ${at(3)}
    WHERE issue_date = $1 AND state = 'sending' AND lease_owner = $2 AND subscriber_id = ANY ($4::integer[])`,
  renewClaims: `
    UPDATE deliveries SET lease_expires_at = ${at(3)} + $4::double precision * interval '1 millisecond'
    WHERE issue_date = $1 AND state = 'sending' AND lease_owner = $2`,

  // $1 issue date, $2 the slots' length in milliseconds, $3 at: one statement, so two runs
  // reserving at once queue on the day's row and get slots one after the other (rules.ts, reserveSlots).
  reserveSendSlots: `
    INSERT INTO send_slots (issue_date, next_slot_at) VALUES ($1, ${at(3)} + $2::double precision * interval '1 millisecond')
    ON CONFLICT (issue_date) DO UPDATE
      SET next_slot_at = GREATEST(send_slots.next_slot_at, ${at(3)}) + $2::double precision * interval '1 millisecond'
    RETURNING extract(epoch FROM next_slot_at)::double precision * 1000 - $2::double precision AS first_slot_at,
      extract(epoch FROM ${at(3)})::double precision * 1000 AS now`,

  // $1 lock class, $2 issue date: one send-lock decision at a time per date, even before its row exists.
  lockSendLockRow: `SELECT pg_advisory_xact_lock($1, hashtext('send_lock:' || $2))`,
  // $1 issue date, $2 at
  lockFor: `SELECT owner, expires_at <= ${at(2)} AS expired FROM prepare_locks WHERE issue_date = $1`,
  // $1 issue date, $2 owner, $3 at, $4 ttl in milliseconds
  takeLock: `
    INSERT INTO prepare_locks (issue_date, owner, acquired_at, expires_at)
    VALUES ($1, $2, ${at(3)}, ${at(3)} + $4::double precision * interval '1 millisecond')
    ON CONFLICT (issue_date) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
  refreshLock: `UPDATE prepare_locks SET expires_at = ${at(3)} + $4::double precision * interval '1 millisecond' WHERE issue_date = $1 AND owner = $2`,
  // $1 issue date, $2 owner
  releaseLock: 'DELETE FROM prepare_locks WHERE issue_date = $1 AND owner = $2',

  // $1 date, $2 subject, $3 html, $4 text, $5 at
  saveIssue: `
    INSERT INTO issues (date, subject, html, text, created_at) VALUES ($1, $2, $3, $4, ${at(5)})
    ON CONFLICT (date) DO UPDATE SET subject = excluded.subject, html = excluded.html, text = excluded.text`,
  // $1 date
  issue: 'SELECT date, subject, html, text, created_at FROM issues WHERE date = $1',
  issues: 'SELECT date, subject, created_at FROM issues ORDER BY date DESC',

  // What readers told papermail (src/personal/reader-signals.ts). Selecting from subscribers
  // makes a write for an unknown subscriber change nothing, which the store reports.
  // $1 subscriber id, $2 paper id, $3 vote, $4 issue id, $5 title, $6 at
  recordVote: `
    INSERT INTO reader_votes (subscriber_id, paper_id, vote, issue_id, title, at)
    SELECT id, $2, $3, $4, $5, ${at(6)} FROM subscribers WHERE id = $1
    ON CONFLICT (subscriber_id, paper_id) DO UPDATE SET vote = excluded.vote, issue_id = excluded.issue_id, title = excluded.title, at = excluded.at
    RETURNING at`,
  // $1 subscriber id, $2 paper id
  removeVote: 'DELETE FROM reader_votes WHERE subscriber_id = $1 AND paper_id = $2',
  // $1 subscriber id
  clearVotes: 'DELETE FROM reader_votes WHERE subscriber_id = $1',
  votesOf: 'SELECT paper_id, vote, issue_id, title, at FROM reader_votes WHERE subscriber_id = $1 ORDER BY at DESC, paper_id',
  interestsOf: 'SELECT interests FROM reader_interests WHERE subscriber_id = $1',
  clearInterests: 'DELETE FROM reader_interests WHERE subscriber_id = $1',
  // $1 subscriber id, $2 interests (JSON text), $3 at
  setInterests: `
    INSERT INTO reader_interests (subscriber_id, interests, updated_at)
    SELECT id, $2::jsonb, ${at(3)} FROM subscribers WHERE id = $1
    ON CONFLICT (subscriber_id) DO UPDATE SET interests = excluded.interests, updated_at = excluded.updated_at`,
  // $1 subscriber id, $2 model JSON, $3 trained at
  saveReaderModel: `
    INSERT INTO reader_models (subscriber_id, model, trained_at)
    SELECT id, $2, $3 FROM subscribers WHERE id = $1
    ON CONFLICT (subscriber_id) DO UPDATE SET model = excluded.model, trained_at = excluded.trained_at`,
  // $1 subscriber ids
  readerModels: 'SELECT subscriber_id, model, trained_at FROM reader_models WHERE subscriber_id = ANY ($1::integer[])',
  // $1 vocabulary JSON, $2 fitted through
  saveVocabulary: `
    INSERT INTO reader_vocabulary (id, vocabulary, fitted_through) VALUES (1, $1, $2)
    ON CONFLICT (id) DO UPDATE SET vocabulary = excluded.vocabulary, fitted_through = excluded.fitted_through`,
  latestVocabulary: 'SELECT vocabulary, fitted_through FROM reader_vocabulary WHERE id = 1',

  // Taking a copy of another store (store-copy.ts), in batches; rows already here are kept.
  // $1 ids, $2 emails: the subscribers here that share an id or an address with the batch.
  copyClashes: `SELECT id, email FROM subscribers WHERE id = ANY ($1::integer[]) OR lower(email) = ANY (SELECT lower(unnest($2::text[])))`,
  // One array per column, as insertSubscribers, with the ids and every stored field.
  copySubscribers: `
    INSERT INTO subscribers (id, email, name, status, topics, created_at, confirmed_at, unsubscribed_at, bounce_count, last_bounce_reason, status_version,
      suppression_reason, suppression_detail, suppressed_at, cadence)
    OVERRIDING SYSTEM VALUE
    SELECT id, email, name, status, topics::jsonb, created_at, confirmed_at, unsubscribed_at, bounce_count, last_bounce_reason, status_version,
      suppression_reason, suppression_detail, suppressed_at, cadence
    FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[],
      $9::integer[], $10::text[], $11::integer[], $12::text[], $13::text[], $14::timestamptz[], $15::text[])
      AS copied (id, email, name, status, topics, created_at, confirmed_at, unsubscribed_at, bounce_count, last_bounce_reason, status_version,
        suppression_reason, suppression_detail, suppressed_at, cadence)
    ON CONFLICT DO NOTHING`,
  // One array per column; an event already here (same source and key) is kept.
  copyDeliveryEvents: `
    INSERT INTO delivery_events (source, event_key, subscriber_id, issue_date, kind, bounce_type, status, diagnostic, recipient, occurred_at, recorded_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
      $10::timestamptz[], $11::timestamptz[])
    ON CONFLICT DO NOTHING`,
  copyDeliveries: `
    INSERT INTO deliveries (issue_date, subscriber_id, state, message_id, attempts, last_error, created_at, updated_at)
    SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::timestamptz[], $8::timestamptz[])
    ON CONFLICT DO NOTHING`,
  copyIssues: `
    INSERT INTO issues (date, subject, html, text, created_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
    ON CONFLICT DO NOTHING`,
  copyIssueDays: `
    INSERT INTO issue_days (issue_date, frozen_at, digest, compiled, prepared_at)
    SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::timestamptz[])
    ON CONFLICT DO NOTHING`,
  copyVotes: `
    INSERT INTO reader_votes (subscriber_id, paper_id, vote, issue_id, title, at)
    SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
    ON CONFLICT DO NOTHING`,
  copyInterests: `
    INSERT INTO reader_interests (subscriber_id, interests, updated_at)
    SELECT subscriber_id, interests::jsonb, ${at(3)} FROM unnest($1::integer[], $2::text[]) AS copied (subscriber_id, interests)
    ON CONFLICT DO NOTHING`,
  copyReaderModels: `
    INSERT INTO reader_models (subscriber_id, model, trained_at)
    SELECT * FROM unnest($1::integer[], $2::text[], $3::text[])
    ON CONFLICT DO NOTHING`,
  // $1 vocabulary JSON, $2 fitted through: kept when this database has one.
  copyVocabulary: 'INSERT INTO reader_vocabulary (id, vocabulary, fitted_through) VALUES (1, $1, $2) ON CONFLICT DO NOTHING',
  /** The highest id the identity has handed out (0 before the first). */
  usedSubscriberIds: 'SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS used FROM subscribers_id_seq',
  // $1 the id the identity continues after
  continueSubscriberIds: "SELECT setval(pg_get_serial_sequence('subscribers', 'id'), $1)",

  /** A write that changes nothing, run inside a transaction that is rolled back: fails on a read-only database or role. */
  probeWrite: 'UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_migrations)',
} as const;
