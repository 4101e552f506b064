/**
 * The store contract: what every SubscriberStore must do, as one suite that each store's
 * test file runs against a real database of its kind (sqlite-store.test.ts: SQLite files;
 * postgres-store.test.ts: a throwaway PostgreSQL cluster). Tests of one store's own
 * machinery (files, read-only mounts, schema upgrades, clusters) stay in its file.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSubscriberCsv } from '../../src/subscribers/csv.js';
import { lockOwnerId } from '../../src/subscribers/lock-owner.js';
import type { MatchedEvent, SuppressionRules } from '../../src/feedback/event-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { collect, manualClock } from './temporary-store.js';

export interface ContractStores {
  /**
   * A store on this test's database, fresh and empty at the start of every test; opening
   * again within a test gives another connection to the same database. Closed after the test.
   */
  open(options?: { now?: () => Date }): Promise<SubscriberStore>;
}

const day = '2025-10-01';
const minute = 60_000;

async function confirmed(store: SubscriberStore, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let index = 1; index <= count; index += 1) {
    ids.push((await store.upsert({ email: `reader${index}@example.com`, status: 'confirmed' })).subscriber.id);
  }
  return ids;
}

async function pendingIds(store: SubscriberStore, date = day, pageSize?: number): Promise<number[]> {
  return (await collect(store.pendingRecipients(date, pageSize))).map((subscriber) => subscriber.id);
}

const knownTopics = ['llm-reasoning', 'agents', 'vision', 'robotics'];

/** Imports CSV text as `subscribers import` does: the parser's skipped rows and the store's, by line. */
export async function importCsv(store: SubscriberStore, text: string) {
  const parsed = parseSubscriberCsv(text, { origin: 'list.csv', knownTopics });
  const report = await store.importSubscribers(parsed.rows);
  return { ...report, skipped: [...parsed.skipped, ...report.skipped].sort((a, b) => a.line - b.line) };
}

/** subscribers/sample.csv */
export async function sample(): Promise<string> {
  return readFile(new URL('../../subscribers/sample.csv', import.meta.url), 'utf8');
}

/** The pid of a real process that has exited: a holder killed with kill -9 looks like this. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

const rules: SuppressionRules = { hardBounceLimit: 2, softBounceLimit: 3, softBounceWindowDays: 15 };

/** A reported event about `subscriberId`'s delivery of `issueDate`: a hard bounce from the mailbox unless told otherwise. */
function reported(subscriberId: number, issueDate: string | null, overrides: Partial<MatchedEvent> = {}): MatchedEvent {
  const kind = overrides.kind ?? 'bounce';
  return {
    key: `key-${Math.random().toString(36).slice(2)}`,
    source: 'mailbox',
    kind,
    bounceType: kind === 'bounce' ? 'hard' : null,
    status: kind === 'bounce' ? '5.1.1' : null,
    diagnostic: kind === 'bounce' ? 'user unknown' : null,
    recipient: null,
    occurredAt: `${issueDate ?? '2025-10-01'}T09:00:00.000Z`,
    returnPath: null,
    messageId: null,
    subscriberId,
    issueDate,
    ...overrides,
  };
}

const soft = (subscriberId: number, issueDate: string | null, occurredAt: string) =>
  reported(subscriberId, issueDate, { bounceType: 'soft', status: '4.2.2', diagnostic: 'mailbox full', occurredAt });

/** Every contract test, against the stores `stores` opens; `name` heads each group. */
export function describeStoreContract(name: string, stores: ContractStores): void {
  describe(`${name}: opening`, () => {
    it('keeps its data when reopened', async () => {
      const first = await stores.open();
      await first.upsert({ email: 'ann@example.com', name: 'Ann', status: 'confirmed' });
      await first.markSent(day, 1, '<m1@example.com>');
      await first.close();
      const second = await stores.open();
      expect(await second.findByEmail('ann@example.com')).toMatchObject({ name: 'Ann', status: 'confirmed' });
      expect(await second.ledgerCounts(day)).toMatchObject({ sent: 1 });
    });

    it('reports use after close as ESTORE naming the operation', async () => {
      const store = await stores.open();
      await store.close();
      await expect(store.countByStatus()).rejects.toMatchObject({ code: 'ESTORE', message: expect.stringMatching(/^counting subscribers failed/) });
    });
  });

  describe(`${name}: subscribers`, () => {
    it('adds a pending, daily subscriber by default, with the address normalised', async () => {
      const store = await stores.open(manualClock());
      const { subscriber, created } = await store.upsert({ email: '  Ann@Example.COM ', name: '  Ann   Smith ' });
      expect(created).toBe(true);
      expect(subscriber).toEqual({
        id: 1,
        email: 'Ann@example.com',
        name: 'Ann Smith',
        status: 'pending',
        topics: null,
        cadence: 'daily',
        createdAt: '2025-10-01T08:00:00.000Z',
        confirmedAt: null,
        bounceCount: 0,
        statusVersion: 0,
        suppression: null,
      });
    });

    it('treats addresses that differ only in case as the same subscriber and updates them', async () => {
      const store = await stores.open();
      await store.upsert({ email: 'Ann@example.com', name: 'Ann' });
      const { subscriber, created } = await store.upsert({ email: 'ANN@EXAMPLE.COM', topics: ['vision'] });
      expect(created).toBe(false);
      expect(subscriber).toMatchObject({ id: 1, email: 'Ann@example.com', name: 'Ann', topics: ['vision'] });
      expect(await store.findByEmail('ann@example.com')).toEqual(subscriber);
    });

    it('never turns a confirmed subscriber back into a pending one on a repeated sign-up', async () => {
      const store = await stores.open();
      await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
      const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'pending' });
      expect(subscriber.status).toBe('confirmed');
      expect((await store.findById(subscriber.id))?.status).toBe('confirmed');
    });

    it('rejects an invalid address with EINPUT and stores nothing', async () => {
      const store = await stores.open();
      await expect(store.upsert({ email: 'a@b.com\r\nBcc: x@y.com' })).rejects.toMatchObject({ code: 'EINPUT' });
      expect(await collect(store.all())).toEqual([]);
    });

    it('records when a subscriber confirmed and clears it when they are pending again', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const { subscriber } = await store.upsert({ email: 'ann@example.com' });
      clock.advance(60_000);
      expect((await store.setStatus(subscriber.id, 'confirmed'))?.confirmedAt).toBe('2025-10-01T08:01:00.000Z');
      expect((await store.setStatus(subscriber.id, 'pending'))?.confirmedAt).toBeNull();
    });

    it('changes topics and reports a missing subscriber as undefined', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com' });
      expect((await store.setTopics(subscriber.id, ['robotics', 'vision']))?.topics).toEqual(['robotics', 'vision']);
      expect((await store.setTopics(subscriber.id, null))?.topics).toBeNull();
      expect(await store.setTopics(999, ['vision'])).toBeUndefined();
      expect(await store.setStatus(999, 'confirmed')).toBeUndefined();
      expect(await store.findById(999)).toBeUndefined();
    });

    it('removes a subscriber with their ledger rows, and says whether there was one', async () => {
      const store = await stores.open();
      const [id] = await confirmed(store, 1);
      await store.markSent(day, id!, '<m@example.com>');
      expect(await store.remove('READER1@example.com')).toBe(true);
      expect(await store.remove('reader1@example.com')).toBe(false);
      expect(await store.remove('not an address')).toBe(false);
      expect(await store.ledgerCounts(day)).toEqual({ pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 });
    });

    it('never hands a deleted subscriber’s id to someone new, so old links cannot reach them', async () => {
      const store = await stores.open();
      await confirmed(store, 2);
      await store.remove('reader2@example.com');
      expect((await store.upsert({ email: 'new@example.com' })).subscriber.id).toBe(3);
    });

    it('counts subscribers by status, zero included', async () => {
      const store = await stores.open();
      await confirmed(store, 2);
      await store.upsert({ email: 'pending@example.com' });
      expect(await store.countByStatus()).toEqual({ pending: 1, confirmed: 2, unsubscribed: 0, bounced: 0 });
    });

    it('streams every subscriber in id order across several pages', async () => {
      const store = await stores.open();
      const rows = Array.from({ length: 1201 }, (_, index) => ({ line: index + 2, email: `reader${index}@example.com` }));
      await store.importSubscribers(rows);
      const ids = (await collect(store.all())).map((subscriber) => subscriber.id);
      expect(ids).toEqual(Array.from({ length: 1201 }, (_, index) => index + 1));
    });
  });

  describe(`${name}: consent: status versions and confirmation`, () => {
    it('moves the status version on with every status change, whoever makes it, and only then', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com' });
      const versions = [subscriber.statusVersion];
      versions.push((await store.setStatus(subscriber.id, 'confirmed'))!.statusVersion);
      versions.push((await store.upsert({ email: 'ann@example.com', name: 'Ann', topics: ['vision'] })).subscriber.statusVersion);
      versions.push((await store.setTopics(subscriber.id, ['robotics']))!.statusVersion);
      await store.markFailed(day, subscriber.id, '550 no such user', 1);
      versions.push((await store.findById(subscriber.id))!.statusVersion);
      versions.push((await store.upsert({ email: 'ann@example.com', status: 'unsubscribed' })).subscriber.statusVersion);
      expect(versions).toEqual([0, 1, 1, 1, 2, 3]);
      expect((await store.findById(subscriber.id))?.statusVersion).toBe(3);
    });

    it('adds a new address as pending but returns an existing one exactly as stored', async () => {
      const store = await stores.open();
      const { subscriber: ann } = await store.upsert({ email: 'ann@example.com', name: 'Ann', topics: ['vision'], status: 'unsubscribed' });
      const existing = await store.addIfNew({ email: 'ANN@example.com', name: 'URGENT: verify account at evil.example', topics: null, status: 'pending' });
      const added = await store.addIfNew({ email: 'bob@example.com', name: 'Bob', topics: ['robotics'], status: 'pending' });
      expect(existing).toEqual({ subscriber: ann, created: false });
      expect(await store.findById(ann.id)).toEqual(ann);
      expect(added).toMatchObject({ created: true, subscriber: { email: 'bob@example.com', name: 'Bob', topics: ['robotics'], status: 'pending' } });
    });

    it('confirms with the link’s name and topics while the status version still holds', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', name: 'Ann', topics: ['vision'], status: 'unsubscribed' });
      const outcome = await store.confirm(subscriber.id, { statusVersion: subscriber.statusVersion, name: 'Ann Smith', topics: ['robotics'] });
      expect(outcome).toMatchObject({ kind: 'confirmed', subscriber: { status: 'confirmed', name: 'Ann Smith', topics: ['robotics'] } });
      expect(await store.findById(subscriber.id)).toEqual(outcome.kind === 'confirmed' && outcome.subscriber);
    });

    it('keeps the stored name and topics when the link asks for none', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', name: 'Ann', topics: ['vision'] });
      await store.confirm(subscriber.id, { statusVersion: 0 });
      expect(await store.findById(subscriber.id)).toMatchObject({ status: 'confirmed', name: 'Ann', topics: ['vision'] });
    });

    it('refuses a link issued before the last status change, and changes nothing', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', name: 'Ann' });
      await store.setStatus(subscriber.id, 'confirmed');
      await store.setStatus(subscriber.id, 'unsubscribed');
      const before = await store.findById(subscriber.id);
      expect(await store.confirm(subscriber.id, { statusVersion: 0, name: 'Mallory', topics: ['robotics'] })).toEqual({ kind: 'stale' });
      expect(await store.findById(subscriber.id)).toEqual(before);
      expect(await store.confirm(999, { statusVersion: 0 })).toEqual({ kind: 'stale' });
    });

    it('leaves a confirmed subscriber as they are when a link is used again', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', name: 'Ann', status: 'confirmed' });
      const outcome = await store.confirm(subscriber.id, { statusVersion: subscriber.statusVersion, name: 'Mallory' });
      expect(outcome).toEqual({ kind: 'already-confirmed', subscriber });
    });

  });

  describe(`${name}: the send ledger`, () => {
    it('lists only confirmed subscribers as recipients', async () => {
      const store = await stores.open();
      await confirmed(store, 2);
      await store.upsert({ email: 'pending@example.com' });
      await store.upsert({ email: 'gone@example.com', status: 'unsubscribed' });
      expect(await pendingIds(store)).toEqual([1, 2]);
    });

    it('leaves out subscribers whose message was sent or failed, and keeps deferred and in-flight ones', async () => {
      const store = await stores.open();
      const [sent, failed, deferred, sending, untouched] = (await confirmed(store, 5)) as [number, number, number, number, number];
      await store.markSent(day, sent, '<m@example.com>');
      await store.markFailed(day, failed, '550 no such user', 5);
      await store.markDeferred(day, deferred, '421 try later');
      await store.markSending(day, sending);
      expect(await pendingIds(store)).toEqual([deferred, sending, untouched]);
      expect(await store.ledgerCounts(day)).toEqual({ pending: 0, sending: 1, sent: 1, deferred: 1, failed: 1, skipped: 0 });
    });

    it('leaves out subscribers skipped because the issue had nothing in their topics', async () => {
      const store = await stores.open();
      const [skipped, untouched] = (await confirmed(store, 2)) as [number, number];
      await store.markSkipped(day, skipped);
      expect(await pendingIds(store)).toEqual([untouched]);
      expect(await store.ledgerCounts(day)).toMatchObject({ skipped: 1 });
    });

    it('never turns a sent delivery into a skipped one', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markSent(day, id, '<m@example.com>');
      await store.markSkipped(day, id);
      expect(await store.ledgerCounts(day)).toMatchObject({ sent: 1, skipped: 0 });
    });

    it('keeps each issue date’s ledger separate', async () => {
      const store = await stores.open();
      const [id] = await confirmed(store, 1);
      await store.markSent(day, id!, '<m@example.com>');
      expect(await pendingIds(store, '2025-10-02')).toEqual([id]);
    });

    it('pages through recipients while the ledger is written during the iteration', async () => {
      const store = await stores.open();
      const ids = await confirmed(store, 5);
      const seen: number[] = [];
      for await (const subscriber of store.pendingRecipients(day, 2)) {
        seen.push(subscriber.id);
        await store.markSending(day, subscriber.id);
        await store.markSent(day, subscriber.id, `<${subscriber.id}@example.com>`);
      }
      expect(seen).toEqual(ids);
      expect(await pendingIds(store)).toEqual([]);
      expect(await store.ledgerCounts(day)).toEqual({ pending: 0, sending: 0, sent: 5, deferred: 0, failed: 0, skipped: 0 });
    });

    it('never downgrades a sent message, whatever is recorded after it', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markSending(day, id);
      await store.markSent(day, id, '<m@example.com>');
      await store.markSending(day, id);
      await store.markDeferred(day, id, '421 try later');
      await store.markFailed(day, id, '550 no such user', 1);
      expect(await store.ledgerCounts(day)).toEqual({ pending: 0, sending: 0, sent: 1, deferred: 0, failed: 0, skipped: 0 });
      expect(await store.findById(id)).toMatchObject({ status: 'confirmed', bounceCount: 0 });
    });

    it('ignores marks for a subscriber deleted during the run', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.remove('reader1@example.com');
      await store.markSending(day, id);
      await store.markSent(day, id, '<m@example.com>');
      expect(await store.ledgerCounts(day)).toEqual({ pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 });
    });

    it('suppresses a subscriber when their hard bounces reach the limit', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      expect(await store.markFailed('2025-10-01', id, '550 mailbox unavailable', 2)).toEqual({ suppressed: false });
      expect(await store.markFailed('2025-10-02', id, '550 mailbox unavailable', 2)).toEqual({ suppressed: true });
      expect(await store.findById(id)).toMatchObject({ status: 'bounced', bounceCount: 2 });
      expect(await pendingIds(store, '2025-10-03')).toEqual([]);
    });

    it('counts a bounce once when the same failure is recorded twice', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markFailed(day, id, '550 mailbox unavailable', 2);
      expect(await store.markFailed(day, id, '550 mailbox unavailable', 2)).toEqual({ suppressed: false });
      expect((await store.findById(id))?.bounceCount).toBe(1);
    });

    it('counts hard bounces across issues: a relay accepting a message in between does not start the count again', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markFailed('2025-10-01', id, '550 5.1.1 no such user', 2);
      await store.markSent('2025-10-02', id, '<m@example.com>');
      expect(await store.findById(id)).toMatchObject({ bounceCount: 1 });
      expect(await store.markFailed('2025-10-03', id, '550 5.1.1 no such user', 2)).toEqual({ suppressed: true });
      expect(await store.findById(id)).toMatchObject({ status: 'bounced', bounceCount: 2, suppression: { reason: 'hard-bounce' } });
    });

    it('retries a deferred message and records it as sent once accepted', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markSending(day, id);
      await store.markDeferred(day, id, '421 try later');
      await store.markSending(day, id);
      await store.markSent(day, id, '<m@example.com>');
      expect(await store.ledgerCounts(day)).toEqual({ pending: 0, sending: 0, sent: 1, deferred: 0, failed: 0, skipped: 0 });
    });
  });

  describe(`${name}: delivery events and suppression`, () => {
    it('records an event once per source and key: the same report again changes nothing', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      const bounce = reported(id, '2025-10-01', { key: 'ses-1', source: 'ses' });
      expect(await store.recordDeliveryEvent(bounce, rules)).toEqual({ recorded: true, suppressed: null });
      expect(await store.recordDeliveryEvent(bounce, rules)).toEqual({ recorded: false, suppressed: null });
      expect(await store.recordDeliveryEvent({ ...bounce, issueDate: '2025-10-02' }, rules)).toEqual({ recorded: false, suppressed: null });
      expect(await store.findById(id)).toMatchObject({ status: 'confirmed', bounceCount: 1 });
      // The same key from another source is another report.
      expect(await store.recordDeliveryEvent({ ...bounce, source: 'postmark', issueDate: '2025-10-02' }, rules)).toEqual({ recorded: true, suppressed: 'hard-bounce' });
    });

    it('unsubscribes a complainer at once, visibly suppressed, and never mails them again', async () => {
      const store = await stores.open(manualClock());
      const [id] = (await confirmed(store, 1)) as [number];
      const complaint = reported(id, '2025-10-01', { kind: 'complaint', source: 'ses', diagnostic: 'abuse' });
      expect(await store.recordDeliveryEvent(complaint, rules)).toEqual({ recorded: true, suppressed: 'complaint' });
      expect(await store.findById(id)).toMatchObject({
        status: 'unsubscribed',
        suppression: { reason: 'complaint', detail: expect.stringContaining('abuse'), at: '2025-10-01T08:00:00.000Z' },
      });
      expect(await pendingIds(store, '2025-10-02')).toEqual([]);
      await store.prepareIssue('2025-10-02');
      expect(await store.claimRecipients('2025-10-02', 'run-a', 10, minute)).toEqual([]);
    });

    it('suppresses after the hard-bounce limit, counted across issues and once per delivery however many reports arrive', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.recordDeliveryEvent(reported(id, '2025-10-01', { source: 'mailbox' }), rules);
      await store.recordDeliveryEvent(reported(id, '2025-10-01', { source: 'ses' }), rules);
      await store.recordDeliveryEvent(reported(id, '2025-10-01', { source: 'mailbox', status: '5.1.2' }), rules);
      expect(await store.findById(id)).toMatchObject({ status: 'confirmed', bounceCount: 1, suppression: null });
      expect(await store.recordDeliveryEvent(reported(id, '2025-10-02'), rules)).toEqual({ recorded: true, suppressed: 'hard-bounce' });
      expect(await store.findById(id)).toMatchObject({
        status: 'bounced',
        bounceCount: 2,
        suppression: { reason: 'hard-bounce', detail: expect.stringContaining('5.1.1 user unknown') },
      });
      expect(await pendingIds(store, '2025-10-03')).toEqual([]);
    });

    it('counts a 5xx and a later report of the same delivery once, and either order alike', async () => {
      const store = await stores.open();
      const [first, second] = (await confirmed(store, 2)) as [number, number];
      await store.markFailed(day, first, '550 5.1.1 <reader1@example.com>: user unknown', 2);
      await store.recordDeliveryEvent(reported(first, day), rules);
      await store.recordDeliveryEvent(reported(second, day), rules);
      await store.markFailed(day, second, '550 5.1.1 user unknown', 2);
      expect(await store.findById(first)).toMatchObject({ status: 'confirmed', bounceCount: 1 });
      expect(await store.findById(second)).toMatchObject({ status: 'confirmed', bounceCount: 1 });
      expect((await store.deliveryReport(day))[0]).toMatchObject({ bounced: { hard: 2, soft: 0 } });
    });

    it('records a 5xx as a hard-bounce event with the reply’s enhanced status code', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markFailed(day, id, '550-5.1.1 The email account that you tried to reach does not exist', 1);
      expect(await store.findById(id)).toMatchObject({
        status: 'bounced',
        suppression: { reason: 'hard-bounce', detail: '1 hard bounce(s): 550-5.1.1 The email account that you tried to reach does not exist' },
      });
      // The same delivery reported later by the smtp key again is that one event.
      expect(await store.recordDeliveryEvent(reported(id, day, { source: 'smtp', key: `smtp:${day}:${id}` }), rules)).toEqual({ recorded: false, suppressed: null });
    });

    it('starts the hard-bounce count again on a delivered report of another delivery', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.recordDeliveryEvent(reported(id, '2025-10-01'), rules);
      await store.recordDeliveryEvent(reported(id, '2025-10-02', { kind: 'delivered' }), rules);
      expect(await store.findById(id)).toMatchObject({ bounceCount: 0 });
      expect(await store.recordDeliveryEvent(reported(id, '2025-10-03'), rules)).toEqual({ recorded: true, suppressed: null });
      expect(await store.findById(id)).toMatchObject({ status: 'confirmed', bounceCount: 1 });
    });

    it('never lets a late "delivered" undo a bounce: not of the same delivery, nor of a later one', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.recordDeliveryEvent(reported(id, '2025-10-02'), rules);
      await store.recordDeliveryEvent(reported(id, '2025-10-02', { kind: 'delivered', occurredAt: '2025-10-02T08:59:00.000Z' }), rules);
      expect(await store.findById(id)).toMatchObject({ bounceCount: 1 });
      // A "delivered" of an earlier issue, reported after the later bounce.
      await store.recordDeliveryEvent(reported(id, '2025-10-01', { kind: 'delivered' }), rules);
      expect(await store.findById(id)).toMatchObject({ bounceCount: 1 });
      expect(await store.recordDeliveryEvent(reported(id, '2025-10-03'), rules)).toEqual({ recorded: true, suppressed: 'hard-bounce' });
    });

    it('still counts a bounce that arrives after a "delivered" of the same delivery', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.recordDeliveryEvent(reported(id, '2025-10-01'), rules);
      await store.recordDeliveryEvent(reported(id, '2025-10-02', { kind: 'delivered' }), rules);
      expect(await store.recordDeliveryEvent(reported(id, '2025-10-02', { occurredAt: '2025-10-02T09:05:00.000Z' }), rules)).toEqual({
        recorded: true,
        suppressed: null,
      });
      expect(await store.findById(id)).toMatchObject({ bounceCount: 1 });
      expect((await store.deliveryReport('2025-10-02'))[0]).toBeUndefined();
    });

    it('suppresses after the soft-bounce limit within the window, one per delivery, whatever order the reports arrive in', async () => {
      const store = await stores.open();
      const [id, other] = (await confirmed(store, 2)) as [number, number];
      await store.recordDeliveryEvent(soft(id, '2025-10-14', '2025-10-14T09:00:00.000Z'), rules);
      await store.recordDeliveryEvent(soft(id, '2025-10-14', '2025-10-14T10:00:00.000Z'), rules);
      await store.recordDeliveryEvent(soft(id, '2025-10-01', '2025-10-01T09:00:00.000Z'), rules);
      expect(await store.findById(id)).toMatchObject({ status: 'confirmed', bounceCount: 0 });
      // Reported last, it happened between the other two: three within fifteen days.
      expect(await store.recordDeliveryEvent(soft(id, '2025-10-10', '2025-10-10T09:00:00.000Z'), rules)).toEqual({ recorded: true, suppressed: 'soft-bounce' });
      expect(await store.findById(id)).toMatchObject({ status: 'bounced', suppression: { reason: 'soft-bounce' } });

      // Three soft bounces more than fifteen days apart suppress nothing.
      for (const date of ['2025-10-01', '2025-10-17', '2025-11-02']) {
        expect(await store.recordDeliveryEvent(soft(other, date, `${date}T09:00:00.000Z`), rules)).toMatchObject({ suppressed: null });
      }
      expect(await store.findById(other)).toMatchObject({ status: 'confirmed', suppression: null });
    });

    it('unsubscribes on an unsubscribe report, without a suppression', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      expect(await store.recordDeliveryEvent(reported(id, day, { kind: 'unsubscribe', source: 'web' }), rules)).toEqual({ recorded: true, suppressed: null });
      expect(await store.findById(id)).toMatchObject({ status: 'unsubscribed', suppression: null });
    });

    it('only records what it is told about someone who gets no mail, but marks a complainer so nothing re-adds them', async () => {
      const store = await stores.open();
      const [left, bounced] = (await confirmed(store, 2)) as [number, number];
      await store.setStatus(left, 'unsubscribed');
      await store.markFailed(day, bounced, '550 5.1.1 user unknown', 1);
      expect(await store.recordDeliveryEvent(reported(left, day), rules)).toEqual({ recorded: true, suppressed: null });
      expect(await store.recordDeliveryEvent(reported(bounced, '2025-10-02', { kind: 'delivered' }), rules)).toEqual({ recorded: true, suppressed: null });
      expect(await store.findById(left)).toMatchObject({ status: 'unsubscribed', bounceCount: 0, suppression: null });
      expect(await store.findById(bounced)).toMatchObject({ status: 'bounced', bounceCount: 1 });
      expect(await store.recordDeliveryEvent(reported(left, day, { kind: 'complaint' }), rules)).toEqual({ recorded: true, suppressed: null });
      expect(await store.findById(left)).toMatchObject({ status: 'unsubscribed', suppression: { reason: 'complaint' } });
    });

    it('clears the suppression and the bounce count when the person confirms again', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.recordDeliveryEvent(reported(id, day, { kind: 'complaint' }), rules);
      const { statusVersion } = (await store.findById(id))!;
      expect(await store.confirm(id, { statusVersion })).toMatchObject({ kind: 'confirmed', subscriber: { status: 'confirmed', suppression: null, bounceCount: 0 } });
      expect(await pendingIds(store, '2025-10-02')).toEqual([id]);
    });

    it('starts the soft-bounce window afresh when the person confirms again', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const [id] = (await confirmed(store, 1)) as [number];
      for (const date of ['2025-10-01', '2025-10-02', '2025-10-03']) await store.recordDeliveryEvent(soft(id, date, `${date}T09:00:00.000Z`), rules);
      expect(await store.findById(id)).toMatchObject({ status: 'bounced' });
      clock.advance(minute);
      await store.setStatus(id, 'confirmed');
      await store.recordDeliveryEvent(soft(id, '2025-10-04', '2025-10-04T09:00:00.000Z'), rules);
      expect(await store.findById(id)).toMatchObject({ status: 'confirmed', suppression: null });
    });

    it('records nothing for a subscriber removed since the report was matched, and forgets the events of one removed', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markSent(day, id, '<m@example.com>');
      await store.recordDeliveryEvent(reported(id, day, { kind: 'complaint' }), rules);
      await store.remove('reader1@example.com');
      expect(await store.recordDeliveryEvent(reported(id, day), rules)).toEqual({ recorded: false, suppressed: null });
      expect(await store.deliveryReport()).toEqual([]);
    });

    it('rejects an event that is not a valid report with EINPUT, recording nothing', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await expect(store.recordDeliveryEvent(reported(id, day, { bounceType: null }), rules)).rejects.toMatchObject({ code: 'EINPUT' });
      await expect(store.recordDeliveryEvent(reported(id, 'yesterday'), rules)).rejects.toMatchObject({ code: 'EINPUT' });
      expect(await store.findById(id)).toMatchObject({ bounceCount: 0 });
    });

    it('compares report times as instants, whatever offset the report wrote them in', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.recordDeliveryEvent(reported(id, '2025-10-02', { occurredAt: '2025-10-02T11:00:00+02:00' }), rules);
      // 09:30 UTC is after the bounce at 09:00 UTC: this delivery resets the count.
      await store.recordDeliveryEvent(reported(id, '2025-10-03', { kind: 'delivered', occurredAt: '2025-10-02T09:30:00Z' }), rules);
      expect(await store.findById(id)).toMatchObject({ bounceCount: 0 });
    });
  });

  describe(`${name}: finding deliveries for reports`, () => {
    it('finds the delivery by the Message-ID it was sent with, brackets or not', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markSent(day, id, '<2025-10-01.1@papers.example.org>');
      expect(await store.deliveryByMessageId('<2025-10-01.1@papers.example.org>')).toEqual({ issueDate: day, subscriberId: id });
      expect(await store.deliveryByMessageId(' 2025-10-01.1@papers.example.org ')).toEqual({ issueDate: day, subscriberId: id });
      expect(await store.deliveryByMessageId('<other@papers.example.org>')).toBeUndefined();
    });

    it('names the latest issue the relay accepted for a subscriber', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      expect(await store.latestAcceptedIssue(id)).toBeUndefined();
      await store.markSent('2025-10-01', id, '<a@example.org>');
      await store.markSent('2025-10-02', id, '<b@example.org>');
      await store.markDeferred('2025-10-03', id, '421 try later');
      expect(await store.latestAcceptedIssue(id)).toBe('2025-10-02');
    });
  });

  describe(`${name}: the delivery report`, () => {
    it('counts each delivery once per outcome, the worst bounce winning, with rates, newest issue first', async () => {
      const store = await stores.open();
      const ids = (await confirmed(store, 10)) as number[];
      for (const id of ids.slice(0, 8)) await store.markSent(day, id, `<${id}@example.org>`);
      await store.markDeferred(day, ids[8]!, '421 try later');
      await store.markFailed(day, ids[9]!, '550 5.1.1 user unknown', 5);
      await store.recordDeliveryEvent(reported(ids[0]!, day, { kind: 'delivered' }), rules);
      await store.recordDeliveryEvent(reported(ids[0]!, day, { kind: 'delivered', source: 'ses' }), rules);
      await store.recordDeliveryEvent(reported(ids[1]!, day, { kind: 'delivered' }), rules);
      await store.recordDeliveryEvent(soft(ids[2]!, day, `${day}T09:00:00.000Z`), rules);
      await store.recordDeliveryEvent(soft(ids[3]!, day, `${day}T09:00:00.000Z`), rules);
      await store.recordDeliveryEvent(reported(ids[3]!, day), rules);
      await store.recordDeliveryEvent(reported(ids[3]!, day, { kind: 'delivered' }), rules);
      await store.recordDeliveryEvent(reported(ids[4]!, day, { kind: 'complaint' }), rules);
      await store.recordDeliveryEvent(reported(ids[5]!, day, { kind: 'unsubscribe', source: 'web' }), rules);
      // Events that name no issue belong to none.
      await store.recordDeliveryEvent(reported(ids[6]!, null, { kind: 'complaint' }), rules);
      await store.markSent('2025-10-02', ids[0]!, '<next@example.org>');

      expect(await store.deliveryReport()).toEqual([
        { issueDate: '2025-10-02', accepted: 1, delivered: 0, bounced: { hard: 0, soft: 0 }, complained: 0, unsubscribed: 0, deferred: 0, bounceRate: 0, complaintRate: 0 },
        {
          issueDate: day,
          accepted: 8,
          delivered: 2,
          bounced: { hard: 2, soft: 1 },
          complained: 1,
          unsubscribed: 1,
          deferred: 1,
          bounceRate: 3 / 9,
          complaintRate: 1 / 8,
        },
      ]);
      expect((await store.deliveryReport(day)).map((report) => report.issueDate)).toEqual([day]);
      expect(await store.deliveryReport('2025-09-01')).toEqual([]);
    });
  });

  describe(`${name}: whether an issue is complete`, () => {
    it('is not complete before its send started', async () => {
      const store = await stores.open();
      await confirmed(store, 1);
      expect(await store.isIssueComplete(day)).toBe(false);
    });

    it('is not complete while a confirmed subscriber is deferred or untouched', async () => {
      const store = await stores.open();
      const [first, second] = (await confirmed(store, 3)) as [number, number, number];
      await store.markSent(day, first, '<m@example.com>');
      await store.markDeferred(day, second, '421 try later');
      expect(await store.isIssueComplete(day)).toBe(false);
    });

    it('is complete once every confirmed subscriber has a sent or failed row', async () => {
      const store = await stores.open();
      const [first, second] = (await confirmed(store, 2)) as [number, number];
      await store.markSent(day, first, '<m@example.com>');
      await store.markFailed(day, second, '550 no such user', 2);
      expect(await store.isIssueComplete(day)).toBe(true);
    });

    it('stays complete when someone confirms after the send started', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const [first] = (await confirmed(store, 1)) as [number];
      clock.advance(1_000);
      await store.markSent(day, first, '<m@example.com>');
      clock.advance(60_000);
      await store.upsert({ email: 'late@example.com', status: 'confirmed' });
      expect(await store.isIssueComplete(day)).toBe(true);
    });
  });

  describe(`${name}: the issue archive`, () => {
    it('saves, reads and lists issues, newest first', async () => {
      const store = await stores.open(manualClock());
      await store.saveIssue({ date: '2025-09-30', subject: 'Papers of 30 September', html: '<p>a</p>', text: 'a' });
      await store.saveIssue({ date: '2025-10-01', subject: 'Papers of 1 October', html: '<p>b</p>', text: 'b' });
      expect(await store.getIssue('2025-09-30')).toEqual({
        date: '2025-09-30',
        subject: 'Papers of 30 September',
        html: '<p>a</p>',
        text: 'a',
        createdAt: '2025-10-01T08:00:00.000Z',
      });
      expect((await store.listIssues()).map((issue) => issue.date)).toEqual(['2025-10-01', '2025-09-30']);
      expect(await store.getIssue('2025-01-01')).toBeUndefined();
    });

    it('replaces the content of a re-rendered issue and keeps when it was first archived', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      await store.saveIssue({ date: day, subject: 'First', html: '<p>1</p>', text: '1' });
      clock.advance(3_600_000);
      await store.saveIssue({ date: day, subject: 'Second', html: '<p>2</p>', text: '2' });
      expect(await store.getIssue(day)).toMatchObject({ subject: 'Second', html: '<p>2</p>', createdAt: '2025-10-01T08:00:00.000Z' });
    });
  });

  describe(`${name}: a large list`, () => {
    it('streams 10,000 recipients in pages after a single-transaction import', async () => {
      const store = await stores.open();
      const rows = Array.from({ length: 10_000 }, (_, index) => ({ line: index + 2, email: `reader${index}@example.com` }));
      expect((await store.importSubscribers(rows)).added).toBe(10_000);
      let count = 0;
      let lastId = 0;
      for await (const subscriber of store.pendingRecipients(day)) {
        expect(subscriber.id).toBeGreaterThan(lastId);
        lastId = subscriber.id;
        count += 1;
      }
      expect(count).toBe(10_000);
    });
  });

  describe(`${name}: claiming a delivery`, () => {
    it('claims a row nobody finished, and never one another run recorded as sent, failed or skipped', async () => {
      const store = await stores.open();
      const [fresh, deferred, crashed, sent, failed, skipped] = (await confirmed(store, 6)) as number[];
      await store.markDeferred(day, deferred!, '421 try later');
      await store.markSending(day, crashed!);
      await store.markSent(day, sent!, '<m@example.com>');
      await store.markFailed(day, failed!, '550 no such user', 5);
      await store.markSkipped(day, skipped!);

      const claims = await Promise.all([fresh, deferred, crashed, sent, failed, skipped].map((id) => store.markSending(day, id!)));

      expect(claims).toEqual([true, true, true, false, false, false]);
      expect(await store.ledgerCounts(day)).toEqual({ pending: 0, sending: 3, sent: 1, deferred: 0, failed: 1, skipped: 1 });
    });

    it('does not claim a delivery for a subscriber deleted during the run', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.remove('reader1@example.com');
      expect(await store.markSending(day, id)).toBe(false);
    });

    it('settles as skipped a delivery a crash left sending, so the day can complete', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.markSending(day, id);

      await store.markSkipped(day, id);

      expect(await store.ledgerCounts(day)).toEqual({ pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 1 });
      expect(await store.isIssueComplete(day)).toBe(true);
    });
  });

  describe(`${name}: a frozen issue`, () => {
    const content = { issueDate: day, digest: '{"first":true}', compiled: '{"pieces":1}' };

    it('keeps the first run’s issue for the day: a later freeze gets what was stored', async () => {
      const [first, second] = [await stores.open(), await stores.open()];
      expect(await first.freezeIssue(content)).toMatchObject(content);
      expect(await second.freezeIssue({ ...content, digest: '{"second":true}' })).toMatchObject({ digest: '{"first":true}' });
      expect(await first.frozenIssue(day)).toMatchObject({ digest: '{"first":true}', compiled: '{"pieces":1}', preparedAt: null });
      expect(await first.frozenIssue('2025-10-02')).toBeUndefined();
    });

    it('rebuilds a frozen issue before its first accepted message, asking again about skipped rows', async () => {
      const store = await stores.open();
      const [skipped] = (await confirmed(store, 1)) as [number];
      await store.freezeIssue(content);
      await store.prepareIssue(day);
      await store.markSkipped(day, skipped);
      expect(await store.rebuildFrozenIssue({ ...content, digest: '{"rebuilt":true}' })).toMatchObject({ digest: '{"rebuilt":true}' });
      expect(await store.ledgerCounts(day)).toMatchObject({ pending: 1, skipped: 0 });
    });

    it('refuses to rebuild once a message of the day was accepted, with EFROZEN, changing nothing', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.freezeIssue(content);
      await store.markSent(day, id, '<m@example.com>');
      await expect(store.rebuildFrozenIssue({ ...content, digest: '{"rebuilt":true}' })).rejects.toMatchObject({
        code: 'EFROZEN',
        message: expect.stringContaining(`the issue of ${day} cannot be rebuilt`),
      });
      expect(await store.frozenIssue(day)).toMatchObject({ digest: '{"first":true}' });
    });
  });

  describe(`${name}: what sent copies held (never the same paper twice)`, () => {
    const heldOf = async (store: SubscriberStore, issueDate: string, pageSize?: number) => {
      const rows: Array<{ subscriberId: number; received: string }> = [];
      for await (const row of store.receivedPapers(issueDate, pageSize)) rows.push(row);
      return rows;
    };

    it("records with each 'sent' row what its copy held, and streams an issue's in subscriber id order, in pages", async () => {
      const store = await stores.open();
      const [a, b, c, d, e] = (await confirmed(store, 5)) as [number, number, number, number, number];
      // Concurrent marks: written in batches, each keeping its own value.
      await Promise.all([
        store.markSent(day, d, '<d@example.com>', 'f1'),
        store.markSent(day, a, '<a@example.com>', '3'),
        store.markSent(day, b, '<b@example.com>', ''),
        store.markSent(day, c, '<c@example.com>'),
      ]);
      await store.markSkipped(day, e);
      await store.markSent('2025-10-02', a, '<a2@example.com>', '8');
      // c was recorded without it (as before it was kept), e was never sent: neither says anything.
      expect(await heldOf(store, day, 2)).toEqual([
        { subscriberId: a, received: '3' },
        { subscriberId: b, received: '' },
        { subscriberId: d, received: 'f1' },
      ]);
      expect(await heldOf(store, '2025-10-02')).toEqual([{ subscriberId: a, received: '8' }]);
      expect(await heldOf(store, '2025-10-03')).toEqual([]);
    });

    it("says which of the issues asked about a subscriber was sent, each with what their copy held (their private feed)", async () => {
      const store = await stores.open();
      const [a, b] = (await confirmed(store, 2)) as [number, number];
      await store.markSent(day, a, '<a@example.com>', '5');
      await store.markSent('2025-10-02', a, '<a2@example.com>');
      await store.markSent('2025-W40', a, '<aw@example.com>', 'c');
      await store.markSkipped('2025-10-03', a);
      await store.markDeferred('2025-10-04', a, '451 later');
      await store.markSent('2025-10-05', b, '<b@example.com>', '1');

      const sent = await store.copiesSentTo(a, [day, '2025-10-02', '2025-W40', '2025-10-03', '2025-10-04', '2025-10-05', '2025-10-06']);

      // Skipped, deferred, another subscriber's and unknown issues are absent; a copy recorded without what it held is null.
      expect(Object.fromEntries(sent)).toEqual({ [day]: '5', '2025-10-02': null, '2025-W40': 'c' });
      expect((await store.copiesSentTo(a, [])).size).toBe(0);
    });

    it('records it for a prepared and claimed row too, and not for a row another run had already sent', async () => {
      const store = await stores.open();
      const [a, b] = (await confirmed(store, 2)) as [number, number];
      await store.prepareIssue(day);
      expect(await store.markSending(day, a)).toBe(true);
      await store.markSent(day, a, '<a@example.com>', '7');
      await store.markSent(day, b, '<b@example.com>', '1');
      await store.markSent(day, b, '<b-again@example.com>', '2');
      expect(await heldOf(store, day)).toEqual([
        { subscriberId: a, received: '7' },
        { subscriberId: b, received: '1' },
      ]);
    });

    it('lists the ids of every frozen issue, days and weeks, in order', async () => {
      const store = await stores.open();
      expect(await store.frozenIssueIds()).toEqual([]);
      for (const issueDate of ['2025-10-02', '2025-W40', '2025-10-01']) await store.freezeIssue({ issueDate, digest: '{}', compiled: '{}' });
      expect(await store.frozenIssueIds()).toEqual(['2025-10-01', '2025-10-02', '2025-W40']);
    });
  });

  describe(`${name}: preparing a day`, () => {
    it('creates one pending row per subscriber confirmed at the freeze, in batches, and none for later ones', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const early = await confirmed(store, 5);
      await store.upsert({ email: 'pending@example.com' });
      await store.upsert({ email: 'gone@example.com', status: 'unsubscribed' });
      clock.advance(1_000);
      await store.freezeIssue({ issueDate: day, digest: '{}', compiled: '{}' });
      clock.advance(1_000);
      await store.upsert({ email: 'late@example.com', status: 'confirmed' });

      expect(await store.prepareIssue(day, 2)).toEqual({ added: early.length });

      expect(await store.ledgerCounts(day)).toMatchObject({ pending: early.length, sending: 0 });
      const claimed = await store.claimRecipients(day, 'run-a', 100, minute);
      expect(claimed.map((subscriber) => subscriber.id)).toEqual(early);
      expect((await store.frozenIssue(day))?.preparedAt).not.toBeNull();
    });

    it('is idempotent: preparing again adds nothing and leaves claimed and sent rows as they are', async () => {
      const store = await stores.open();
      const [sent, claimed] = (await confirmed(store, 3)) as [number, number, number];
      await store.prepareIssue(day);
      await store.markSent(day, sent, '<m@example.com>');
      await store.claimRecipients(day, 'run-a', 1, minute);
      expect(await store.prepareIssue(day)).toEqual({ added: 0 });
      expect(await store.ledgerCounts(day)).toMatchObject({ pending: 1, sending: 1, sent: 1 });
      expect(claimed).toBeGreaterThan(sent);
    });

    it('is complete once no prepared row is owed to a subscriber still confirmed', async () => {
      const store = await stores.open();
      const [first, second, left] = (await confirmed(store, 3)) as [number, number, number];
      await store.prepareIssue(day);
      expect(await store.isIssueComplete(day)).toBe(false);
      await store.markSent(day, first, '<m@example.com>');
      await store.markFailed(day, second, '550 no such user', 5);
      expect(await store.isIssueComplete(day)).toBe(false);
      await store.setStatus(left, 'unsubscribed');
      expect(await store.isIssueComplete(day)).toBe(true);
    });
  });

  describe(`${name}: cadence`, () => {
    const week = '2025-W40';

    it('is daily unless chosen, is kept by an update that does not name it, and is changed by one that does', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
      expect(subscriber.cadence).toBe('daily');
      expect((await store.upsert({ email: 'ann@example.com', cadence: 'weekly' })).subscriber.cadence).toBe('weekly');
      expect((await store.upsert({ email: 'ann@example.com', name: 'Ann' })).subscriber.cadence).toBe('weekly');
      expect((await store.setCadence(subscriber.id, 'daily'))?.cadence).toBe('daily');
      expect((await store.addIfNew({ email: 'bob@example.com', cadence: 'weekly' })).subscriber.cadence).toBe('weekly');
      expect((await store.findByEmail('bob@example.com'))?.cadence).toBe('weekly');
    });

    it('refuses a cadence that is neither daily nor weekly, writing nothing', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com' });
      await expect(store.upsert({ email: 'ann@example.com', cadence: 'hourly' as never })).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringMatching(/cadence "hourly"/) });
      await expect(store.setCadence(subscriber.id, 'monthly' as never)).rejects.toMatchObject({ code: 'EINPUT' });
      expect((await store.findById(subscriber.id))?.cadence).toBe('daily');
    });

    it('owes a weekly issue to weekly subscribers only, and a daily issue to daily ones only', async () => {
      const store = await stores.open();
      const daily = (await store.upsert({ email: 'daily@example.com', status: 'confirmed' })).subscriber.id;
      const weekly = (await store.upsert({ email: 'weekly@example.com', status: 'confirmed', cadence: 'weekly' })).subscriber.id;
      expect(await pendingIds(store, week)).toEqual([weekly]);
      expect(await pendingIds(store, day)).toEqual([daily]);

      expect(await store.prepareIssue(week)).toEqual({ added: 1 });
      expect(await store.prepareIssue(day)).toEqual({ added: 1 });
      expect((await store.claimRecipients(week, 'run-a', 10, minute)).map((subscriber) => subscriber.id)).toEqual([weekly]);
      expect((await store.claimRecipients(day, 'run-a', 10, minute)).map((subscriber) => subscriber.id)).toEqual([daily]);
    });

    it('takes effect with the next issue: a prepared issue keeps its rows', async () => {
      const store = await stores.open();
      const ann = (await store.upsert({ email: 'ann@example.com', status: 'confirmed' })).subscriber.id;
      await store.prepareIssue(day);
      await store.setCadence(ann, 'weekly');
      expect((await store.claimRecipients(day, 'run-a', 10, minute)).map((subscriber) => subscriber.id)).toEqual([ann]);
      await store.markSent(day, ann, '<d@example.com>');
      expect(await store.isIssueComplete(day)).toBe(true);

      expect(await store.prepareIssue('2025-10-02')).toEqual({ added: 0 });
      expect(await store.prepareIssue(week)).toEqual({ added: 1 });
    });

    it('counts an unprepared issue complete by the subscribers of its cadence only', async () => {
      const store = await stores.open();
      const weekly = (await store.upsert({ email: 'weekly@example.com', status: 'confirmed', cadence: 'weekly' })).subscriber.id;
      await store.upsert({ email: 'daily@example.com', status: 'confirmed' });
      await store.markSent(week, weekly, '<w@example.com>');
      expect(await store.isIssueComplete(week)).toBe(true);
    });

    it('lists a weekly issue among the days by the last day it covers, newest first', async () => {
      const store = await stores.open();
      for (const date of ['2025-09-30', '2025-W40', '2025-10-06', '2025-10-05', '2025-W01']) {
        await store.saveIssue({ date, subject: date, html: '<p></p>', text: '' });
      }
      expect((await store.listIssues()).map((issue) => issue.date)).toEqual(['2025-10-06', '2025-W40', '2025-10-05', '2025-09-30', '2025-W01']);
    });

    it('records delivery events of a weekly issue under its week', async () => {
      const store = await stores.open();
      const weekly = (await store.upsert({ email: 'weekly@example.com', status: 'confirmed', cadence: 'weekly' })).subscriber.id;
      await store.markSent(week, weekly, '<w@example.com>');
      expect(await store.recordDeliveryEvent(reported(weekly, week, { occurredAt: '2025-10-06T09:00:00.000Z' }), rules)).toMatchObject({ recorded: true });
      expect((await store.deliveryReport(week))[0]).toMatchObject({ issueDate: week, accepted: 1, bounced: { hard: 1, soft: 0 } });
    });
  });

  describe(`${name}: claiming under a lease`, () => {
    it('never hands the same row to two connections claiming at the same moment', async () => {
      const runs = [await stores.open(), await stores.open(), await stores.open()];
      await confirmed(runs[0]!, 60);
      await runs[0]!.prepareIssue(day);
      const claims = await Promise.all(
        Array.from({ length: 9 }, (_, index) => runs[index % 3]!.claimRecipients(day, `run-${index % 3}`, 7, 10 * minute)),
      );
      const ids = claims.flat().map((subscriber) => subscriber.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(60);
      expect(await runs[0]!.ledgerCounts(day)).toMatchObject({ pending: 0, sending: 60 });
    });

    it('does not hand out a row under a live lease, and hands it out once the lease has ended', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const [id] = (await confirmed(store, 1)) as [number];
      await store.prepareIssue(day);
      expect((await store.claimRecipients(day, 'run-a', 10, minute)).map((subscriber) => subscriber.id)).toEqual([id]);
      clock.advance(minute - 1);
      expect(await store.claimRecipients(day, 'run-b', 10, minute)).toEqual([]);
      clock.advance(1);
      expect((await store.claimRecipients(day, 'run-b', 10, minute)).map((subscriber) => subscriber.id)).toEqual([id]);
      // The first run's claim is gone: it must not send.
      expect(await store.holdClaim(day, id, 'run-a', minute)).toBe(false);
      expect(await store.holdClaim(day, id, 'run-b', minute)).toBe(true);
    });

    it('keeps a renewed lease from expiring', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      await confirmed(store, 2);
      await store.prepareIssue(day);
      await store.claimRecipients(day, 'run-a', 10, minute);
      clock.advance(minute / 2);
      expect(await store.renewClaims(day, 'run-a', minute)).toBe(2);
      clock.advance(minute / 2 + 1);
      expect(await store.claimRecipients(day, 'run-b', 10, minute)).toEqual([]);
    });

    it('takes over at once the rows of a dead process on this host', async () => {
      const store = await stores.open();
      await confirmed(store, 2);
      await store.prepareIssue(day);
      await store.claimRecipients(day, `${hostname()}:${await deadPid()}:abc`, 10, 10 * minute);
      expect(await store.claimRecipients(day, lockOwnerId(), 10, 10 * minute)).toHaveLength(2);
    });

    it('retries a row another run deferred, but not one the claimer deferred itself', async () => {
      const store = await stores.open();
      const [id] = (await confirmed(store, 1)) as [number];
      await store.prepareIssue(day);
      await store.claimRecipients(day, 'run-a', 10, minute);
      await store.markDeferred(day, id, '421 try later');
      expect(await store.claimRecipients(day, 'run-a', 10, minute)).toEqual([]);
      expect((await store.claimRecipients(day, 'run-b', 10, minute)).map((subscriber) => subscriber.id)).toEqual([id]);
    });

    it('gives back claimed rows a run never started: pending again and claimable at once, its other rows kept', async () => {
      const store = await stores.open();
      const [started, unstarted] = (await confirmed(store, 2)) as [number, number];
      await store.prepareIssue(day);
      await store.claimRecipients(day, 'run-a', 10, 10 * minute);
      await store.releaseClaims(day, 'run-b', [unstarted]);
      expect(await store.ledgerCounts(day)).toMatchObject({ pending: 0, sending: 2 });

      await store.releaseClaims(day, 'run-a', [unstarted]);

      expect(await store.ledgerCounts(day)).toMatchObject({ pending: 1, sending: 1 });
      expect((await store.claimRecipients(day, 'run-b', 10, minute)).map((subscriber) => subscriber.id)).toEqual([unstarted]);
      expect(await store.holdClaim(day, started, 'run-a', minute)).toBe(true);
    });

    it('still claims rows given back below the ids a run has already claimed past', async () => {
      const store = await stores.open();
      const ids = await confirmed(store, 6);
      const claimedBy = async (owner: string) => (await store.claimRecipients(day, owner, 2, minute)).map((subscriber) => subscriber.id);
      await store.prepareIssue(day);
      expect(await claimedBy('run-a')).toEqual(ids.slice(0, 2));
      expect(await claimedBy('run-b')).toEqual(ids.slice(2, 4));
      expect(await claimedBy('run-a')).toEqual(ids.slice(4, 6));
      await store.releaseClaims(day, 'run-b', ids.slice(2, 4));
      expect(await claimedBy('run-a')).toEqual(ids.slice(2, 4));
      expect(await claimedBy('run-a')).toEqual([]);
    });

    it('claims only rows of subscribers still confirmed, and none that are settled', async () => {
      const store = await stores.open();
      const [sent, left, fresh] = (await confirmed(store, 3)) as [number, number, number];
      await store.prepareIssue(day);
      await store.markSent(day, sent, '<m@example.com>');
      await store.setStatus(left, 'unsubscribed');
      expect((await store.claimRecipients(day, 'run-a', 10, minute)).map((subscriber) => subscriber.id)).toEqual([fresh]);
    });
  });

  describe(`${name}: many marks and holds at once`, () => {
    it('records concurrent sent marks each once, leaves their bounce counts alone, and ignores a deleted subscriber among them', async () => {
      const store = await stores.open();
      const ids = await confirmed(store, 30);
      await store.markFailed('2025-09-30', ids[3]!, '552 mailbox full', 5);
      await store.remove('reader30@example.com');
      await store.prepareIssue(day);
      await Promise.all(ids.map((id) => store.markSent(day, id, `<${id}@example.com>`)));
      expect(await store.ledgerCounts(day)).toMatchObject({ pending: 0, sent: 29 });
      expect(await store.findById(ids[3]!)).toMatchObject({ bounceCount: 1 });
      expect(await store.isIssueComplete(day)).toBe(true);
    });

    it('answers concurrent holds each for its own row: held for its owner, refused for another run’s row', async () => {
      const store = await stores.open();
      const ids = await confirmed(store, 6);
      await store.prepareIssue(day);
      const mine = (await store.claimRecipients(day, 'run-a', 4, minute)).map((subscriber) => subscriber.id);
      const theirs = (await store.claimRecipients(day, 'run-b', 2, minute)).map((subscriber) => subscriber.id);
      const asked = [mine[0]!, theirs[0]!, mine[1]!, mine[2]!, theirs[1]!, mine[3]!];
      const held = await Promise.all(asked.map((id) => store.holdClaim(day, id, 'run-a', minute)));
      expect(held).toEqual([true, false, true, true, false, true]);
      expect(new Set([...mine, ...theirs])).toEqual(new Set(ids));
    });

    it('holds a claim with more than half its lease left as it is, without starting the lease again', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const [id] = (await confirmed(store, 1)) as [number];
      await store.prepareIssue(day);
      await store.claimRecipients(day, 'run-a', 10, minute);
      clock.advance(minute / 2 - 1_000);
      expect(await store.holdClaim(day, id, 'run-a', minute)).toBe(true);
      clock.advance(minute / 2 + 1_000);
      // The lease ended when the claim's did: another run may take the row, and the first may not send it.
      expect((await store.claimRecipients(day, 'run-b', 10, minute)).map((subscriber) => subscriber.id)).toEqual([id]);
      expect(await store.holdClaim(day, id, 'run-a', minute)).toBe(false);
    });

    it('starts the lease again when a held claim has less than half of it left', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const [id] = (await confirmed(store, 1)) as [number];
      await store.prepareIssue(day);
      await store.claimRecipients(day, 'run-a', 10, minute);
      clock.advance(minute / 2 + 1_000);
      expect(await store.holdClaim(day, id, 'run-a', minute)).toBe(true);
      clock.advance(minute / 2);
      expect(await store.claimRecipients(day, 'run-b', 10, minute)).toEqual([]);
      expect(await store.holdClaim(day, id, 'run-a', minute)).toBe(true);
    });
    it('answers holds made at once for claims of different ages: the young one as it is, the old one with its lease started again', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const [early, late] = (await confirmed(store, 2)) as [number, number];
      await store.prepareIssue(day);
      expect((await store.claimRecipients(day, 'run-a', 1, minute)).map((subscriber) => subscriber.id)).toEqual([early]);
      clock.advance(minute / 2 + 1_000);
      expect((await store.claimRecipients(day, 'run-a', 1, minute)).map((subscriber) => subscriber.id)).toEqual([late]);
      clock.advance(5_000);
      expect(await Promise.all([store.holdClaim(day, early, 'run-a', minute), store.holdClaim(day, late, 'run-a', minute)])).toEqual([true, true]);
      // Past the early claim's first lease: the hold started it again, so neither row can be taken over.
      clock.advance(minute / 2 - 5_000);
      expect(await store.claimRecipients(day, 'run-b', 10, minute)).toEqual([]);
      // Past the late claim's lease, which its hold left as it was: that one can be.
      clock.advance(minute / 2);
      expect((await store.claimRecipients(day, 'run-b', 10, minute)).map((subscriber) => subscriber.id)).toEqual([late]);
    });
  });

  describe(`${name}: the day-wide send rate`, () => {
    it('hands out a day’s send slots one after the other, starting now, whoever asks', async () => {
      const clock = manualClock();
      const [first, second] = [await stores.open(clock), await stores.open(clock)];
      const start = clock.now().getTime();
      // 4 slots at 10 a second last 400 ms; the next caller's begin after them.
      expect(await first.reserveSendSlots(day, 4, 10)).toEqual({ waitMs: 0, firstSlotAt: start });
      expect(await second.reserveSendSlots(day, 2, 10)).toEqual({ waitMs: 400, firstSlotAt: start + 400 });
      clock.advance(100);
      expect(await first.reserveSendSlots(day, 1, 10)).toEqual({ waitMs: 500, firstSlotAt: start + 600 });
    });

    it('starts at the store’s now once the day’s slots have passed, saving no idle time for a burst', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      await store.reserveSendSlots(day, 5, 5);
      clock.advance(10 * minute);
      expect(await store.reserveSendSlots(day, 1, 5)).toEqual({ waitMs: 0, firstSlotAt: clock.now().getTime() });
    });

    it('keeps each day’s slots apart', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      await store.reserveSendSlots(day, 10, 1);
      expect(await store.reserveSendSlots('2025-10-02', 1, 1)).toMatchObject({ waitMs: 0 });
    });

    it('never hands the same slot to two connections reserving at the same moment', async () => {
      const clock = manualClock();
      const runs = [await stores.open(clock), await stores.open(clock), await stores.open(clock)];
      const reserved = await Promise.all(Array.from({ length: 9 }, (_, index) => runs[index % 3]!.reserveSendSlots(day, 3, 30)));
      // Nine reservations of 3 slots at 30 a second: 100 ms each, back to back, none overlapping.
      const starts = reserved.map((slots) => Math.round(slots.firstSlotAt - clock.now().getTime())).sort((a, b) => a - b);
      expect(starts).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800]);
    });

    it('rejects a count or a rate that is not a positive whole number', async () => {
      const store = await stores.open();
      await expect(store.reserveSendSlots(day, 0, 10)).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringContaining('count') });
      await expect(store.reserveSendSlots(day, 1, 0)).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringContaining('perSecond') });
    });
  });

  describe(`${name}: health`, () => {
    it('is ok for a store it can write', async () => {
      const store = await stores.open();
      expect(await store.health()).toEqual({ ok: true });
    });

  });

  describe(`${name}: the prepare lock of a day`, () => {
    it('refuses a second owner while the first holds the lock', async () => {
      const store = await stores.open(manualClock());
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(true);
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(false);
    });

    it('lets the holder acquire again', async () => {
      const store = await stores.open(manualClock());
      const owner = lockOwnerId();
      await store.acquirePrepareLock(day, owner, 10 * minute);
      expect(await store.acquirePrepareLock(day, owner, 10 * minute)).toBe(true);
    });

    it('locks each issue date separately', async () => {
      const store = await stores.open(manualClock());
      await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute);
      expect(await store.acquirePrepareLock('2025-10-02', lockOwnerId(), 10 * minute)).toBe(true);
    });

    it('hands an expired lock to the next owner', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      await store.acquirePrepareLock(day, 'elsewhere.example:1234:abc', 10 * minute);
      clock.advance(10 * minute);
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(true);
    });

    it('takes over at once from a holder on this host whose process has died', async () => {
      const store = await stores.open(manualClock());
      const dead = `${hostname()}:${await deadPid()}:abc`;
      await store.acquirePrepareLock(day, dead, 60 * minute);
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(true);
      expect(await store.refreshPrepareLock(day, dead, 10 * minute)).toBe(false);
    });

    it('does not judge a holder on another host by its pid, and waits for its expiry', async () => {
      const store = await stores.open(manualClock());
      await store.acquirePrepareLock(day, `another-host.example:${await deadPid()}:abc`, 60 * minute);
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(false);
    });

    it('does not take over from a live process on this host', async () => {
      const store = await stores.open(manualClock());
      await store.acquirePrepareLock(day, `${hostname()}:${process.ppid}:abc`, 60 * minute);
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(false);
    });

    it('extends the lock only for its owner', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const owner = lockOwnerId();
      await store.acquirePrepareLock(day, owner, 10 * minute);
      expect(await store.refreshPrepareLock(day, lockOwnerId(), 10 * minute)).toBe(false);
      clock.advance(8 * minute);
      expect(await store.refreshPrepareLock(day, owner, 10 * minute)).toBe(true);
      clock.advance(8 * minute);
      // 16 minutes after taking a 10-minute lock, the refresh still keeps others out.
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(false);
    });

    it('is released only by its owner', async () => {
      const store = await stores.open(manualClock());
      const owner = lockOwnerId();
      await store.acquirePrepareLock(day, owner, 10 * minute);
      await store.releasePrepareLock(day, lockOwnerId());
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(false);
      await store.releasePrepareLock(day, owner);
      expect(await store.acquirePrepareLock(day, lockOwnerId(), 10 * minute)).toBe(true);
    });

    it('is shared by two connections to the same database, as the cron run and a manual send are', async () => {
      const runs = [
        { store: await stores.open(manualClock()), owner: lockOwnerId() },
        { store: await stores.open(manualClock()), owner: lockOwnerId() },
      ];
      const results = await Promise.all(runs.map(({ store, owner }) => store.acquirePrepareLock(day, owner, 10 * minute)));
      // Either may win the race; exactly one does.
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = runs[results.indexOf(true)]!;
      const loser = runs[results.indexOf(false)]!;
      await winner.store.releasePrepareLock(day, winner.owner);
      expect(await loser.store.acquirePrepareLock(day, loser.owner, 10 * minute)).toBe(true);
      expect(await winner.store.refreshPrepareLock(day, winner.owner, 10 * minute)).toBe(false);
    });

    it('rejects a lock time that is not a positive whole number', async () => {
      const store = await stores.open(manualClock());
      await expect(store.acquirePrepareLock(day, lockOwnerId(), 0)).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringContaining('ttlMs') });
    });
  });

  describe(`${name}: several connections at once`, () => {
    it('adds an address signed up on several connections at the same moment exactly once', async () => {
      const [first, second] = [await stores.open(), await stores.open()];
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? first : second).addIfNew({ email: 'ann@example.com' })),
      );
      expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
      expect(new Set(outcomes.map((outcome) => outcome.subscriber.id)).size).toBe(1);
      expect(await first.countByStatus()).toMatchObject({ pending: 1 });
    });

    it('claims one delivery for only one of two runs asking at the same moment, once it was settled', async () => {
      const [first, second] = [await stores.open(), await stores.open()];
      const [id] = (await confirmed(first, 1)) as [number];
      await first.markSent(day, id, '<m@example.com>');
      expect(await Promise.all([first.markSending(day, id), second.markSending(day, id)])).toEqual([false, false]);
      expect(await second.ledgerCounts(day)).toMatchObject({ sent: 1, sending: 0 });
    });
  });

  describe(`${name}: importing subscribers`, () => {
    it('adds the sample list as confirmed subscribers', async () => {
      const store = await stores.open();
      expect(await importCsv(store, await sample())).toEqual({ added: 5, updated: 0, unchanged: 0, skipped: [] });
      expect(await store.countByStatus()).toMatchObject({ confirmed: 5 });
    });

    it('changes nothing when the same file is imported again', async () => {
      const store = await stores.open();
      await importCsv(store, await sample());
      const before = await collect(store.all());
      expect(await importCsv(store, await sample())).toEqual({ added: 0, updated: 0, unchanged: 5, skipped: [] });
      expect(await collect(store.all())).toEqual(before);
    });

    it('updates the name and topics of subscribers already on the list', async () => {
      const store = await stores.open();
      await importCsv(store, 'email,name,topics\nann@example.com,Ann,\nbob@example.com,Bob,\n');
      expect(await importCsv(store, 'email,name,topics\nann@example.com,Ann Smith,vision\nbob@example.com,Bob,\n')).toMatchObject({
        updated: 1,
        unchanged: 1,
      });
      expect(await store.findByEmail('ann@example.com')).toMatchObject({ name: 'Ann Smith', topics: ['vision'] });
    });

    it('leaves fields alone whose column the file does not have', async () => {
      const store = await stores.open();
      await importCsv(store, 'email,name,topics\nann@example.com,Ann,vision\n');
      expect(await importCsv(store, 'email\nann@example.com\n')).toMatchObject({ unchanged: 1 });
      expect(await store.findByEmail('ann@example.com')).toMatchObject({ name: 'Ann', topics: ['vision'] });
    });

    it('reports invalid rows by line number and imports the valid ones', async () => {
      const store = await stores.open();
      const report = await importCsv(store, 'email,name\nann@example.com,Ann\nnot-an-email,Nobody\n\nbob@example.com,Bob\n');
      expect(report).toEqual({
        added: 2,
        updated: 0,
        unchanged: 0,
        skipped: [{ line: 3, reason: 'email "not-an-email" is not a valid address (needs one "@" between a name and a domain)' }],
      });
    });

    it('never resubscribes someone who unsubscribed, and says why on their line', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
      await store.setStatus(subscriber.id, 'unsubscribed');
      const report = await importCsv(store, 'email,name,status\nbob@example.com,Bob,\nann@example.com,Ann,confirmed\n');
      expect(report.added).toBe(1);
      expect(report.skipped).toEqual([
        { line: 3, reason: expect.stringMatching(/^ann@example\.com unsubscribed on \d{4}-\d{2}-\d{2}; an import never subscribes them again/) },
      ]);
      expect(await store.findById(subscriber.id)).toMatchObject({ status: 'unsubscribed', name: null });
    });

    it('never re-adds someone who complained, and says they complained', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
      await store.recordDeliveryEvent(reported(subscriber.id, day, { kind: 'complaint' }), rules);
      const report = await importCsv(store, 'email,status\nann@example.com,confirmed\n');
      expect(report.skipped).toEqual([{ line: 2, reason: expect.stringMatching(/^ann@example\.com complained \(marked an issue as spam\) on \d{4}-\d{2}-\d{2}; an import never/) }]);
      expect(await store.findById(subscriber.id)).toMatchObject({ status: 'unsubscribed', suppression: { reason: 'complaint' } });
    });

    it('keeps a list’s suppression for an address that gets no mail, refuses one that asks for mail, and never replaces the store’s', async () => {
      const store = await stores.open(manualClock());
      const { subscriber: kept } = await store.upsert({ email: 'kept@example.com', status: 'confirmed' });
      await store.markFailed(day, kept.id, '550 5.1.1 user unknown', 1);
      const report = await importCsv(
        store,
        'email,status,suppression\nann@example.com,unsubscribed,complaint\nbob@example.com,confirmed,complaint\nkept@example.com,bounced,soft-bounce\n',
      );
      expect(report).toMatchObject({ added: 1, unchanged: 1 });
      expect(report.skipped).toEqual([{ line: 3, reason: expect.stringMatching(/^bob@example\.com is suppressed \(complaint\) in the file but has status confirmed/) }]);
      expect(await store.findByEmail('ann@example.com')).toMatchObject({
        status: 'unsubscribed',
        suppression: { reason: 'complaint', detail: 'from an imported list', at: '2025-10-01T08:00:00.000Z' },
      });
      expect(await store.findByEmail('kept@example.com')).toMatchObject({ suppression: { reason: 'hard-bounce' } });
      expect(await store.findByEmail('bob@example.com')).toBeUndefined();
    });

    it('does not re-enable an address suppressed for bouncing', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
      await store.markFailed('2025-10-01', subscriber.id, '550 no such user', 1);
      const report = await importCsv(store, 'email\nann@example.com\n');
      expect(report.skipped).toEqual([{ line: 2, reason: expect.stringContaining('suppressed after 1 hard bounce(s)') }]);
      expect((await store.findById(subscriber.id))?.status).toBe('bounced');
    });

    it('can unsubscribe people, as importing another tool’s suppression list does', async () => {
      const store = await stores.open();
      await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
      expect(await importCsv(store, 'email,status\nann@example.com,unsubscribed\n')).toMatchObject({ updated: 1 });
      expect((await store.findByEmail('ann@example.com'))?.status).toBe('unsubscribed');
    });

    it('keeps a confirmed subscriber confirmed when the file says pending', async () => {
      const store = await stores.open();
      await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
      expect(await importCsv(store, 'email,status\nann@example.com,pending\n')).toMatchObject({ unchanged: 1 });
      expect((await store.findByEmail('ann@example.com'))?.status).toBe('confirmed');
    });

    it('treats the same address twice in one file as one subscriber, the later row updating it', async () => {
      const store = await stores.open();
      // The CSV reader already refuses a repeated address; rows handed to the store directly may still repeat one.
      const rows = [
        { line: 2, email: 'ann@example.com', name: 'Ann' },
        { line: 3, email: 'ANN@example.com', name: 'Ann Smith' },
      ];
      expect(await store.importSubscribers(rows)).toEqual({ added: 1, updated: 1, unchanged: 0, skipped: [] });
      expect((await collect(store.all())).map(({ email, name }) => ({ email, name }))).toEqual([{ email: 'ann@example.com', name: 'Ann Smith' }]);
    });
  });

  describe(`${name}: what readers told papermail (votes, interests, models)`, () => {
    const vote = (paperId: string, kind: 'up' | 'down' = 'up', issueId = day) => ({ paperId, vote: kind, issueId, title: `Paper ${paperId}` });

    it('records a vote with the store’s time, and a new vote on the same paper replaces it', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const [ann] = await confirmed(store, 1);
      expect(await store.recordVote(ann!, vote('2510.00001', 'up'))).toEqual({ ...vote('2510.00001', 'up'), at: '2025-10-01T08:00:00.000Z' });
      clock.advance(minute);
      await store.recordVote(ann!, vote('2510.00001', 'down', '2025-10-02'));
      expect((await store.readerSignals(ann!)).votes).toEqual([{ ...vote('2510.00001', 'down', '2025-10-02'), at: '2025-10-01T08:01:00.000Z' }]);
    });

    it('lists a reader’s votes newest first, and only theirs', async () => {
      const clock = manualClock();
      const store = await stores.open(clock);
      const [ann, bob] = await confirmed(store, 2);
      for (const paperId of ['2510.00001', '2510.00002', '2510.00003']) {
        await store.recordVote(ann!, vote(paperId));
        clock.advance(minute);
      }
      await store.recordVote(bob!, vote('2510.00009', 'down'));
      // A revote moves the paper to the top.
      await store.recordVote(ann!, vote('2510.00001', 'down'));
      expect((await store.readerSignals(ann!)).votes.map((stored) => [stored.paperId, stored.vote])).toEqual([
        ['2510.00001', 'down'],
        ['2510.00003', 'up'],
        ['2510.00002', 'up'],
      ]);
    });

    it('undoes one vote, saying whether there was one, and leaves the others', async () => {
      const store = await stores.open();
      const [ann] = await confirmed(store, 1);
      await store.recordVote(ann!, vote('2510.00001'));
      await store.recordVote(ann!, vote('2510.00002'));
      expect(await store.removeVote(ann!, '2510.00001')).toBe(true);
      expect(await store.removeVote(ann!, '2510.00001')).toBe(false);
      expect((await store.readerSignals(ann!)).votes.map((stored) => stored.paperId)).toEqual(['2510.00002']);
    });

    it('clears all of a reader’s votes, counting them, and nobody else’s', async () => {
      const store = await stores.open();
      const [ann, bob] = await confirmed(store, 2);
      await store.recordVote(ann!, vote('2510.00001'));
      await store.recordVote(ann!, vote('2510.00002', 'down'));
      await store.recordVote(bob!, vote('2510.00001'));
      expect(await store.clearVotes(ann!)).toBe(2);
      expect(await store.clearVotes(ann!)).toBe(0);
      expect((await store.readerSignals(ann!)).votes).toEqual([]);
      expect((await store.readerSignals(bob!)).votes).toHaveLength(1);
    });

    it('refuses a vote that is not one, naming the field, and stores nothing', async () => {
      const store = await stores.open();
      const [ann] = await confirmed(store, 1);
      await expect(store.recordVote(ann!, { ...vote('2510.00001'), vote: 'sideways' as 'up' })).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringMatching(/^vote vote:/) });
      await expect(store.recordVote(ann!, vote('2510.00001', 'up', '30 Sep'))).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringMatching(/^vote issueId: must be an issue id/) });
      await expect(store.recordVote(ann!, vote('<script>'))).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringMatching(/^vote paperId:/) });
      expect((await store.readerSignals(ann!)).votes).toEqual([]);
    });

    it('keeps interests as given (trimmed), and saving none removes them', async () => {
      const store = await stores.open();
      const [ann] = await confirmed(store, 1);
      expect((await store.readerSignals(ann!)).interests).toEqual({ text: '', include: [], exclude: [], follow: [] });
      await store.setInterests(ann!, { text: ' speculative decoding, KV cache ', include: ['KV cache'], exclude: ['robotics '], follow: ['DeepSeek'] });
      expect((await store.readerSignals(ann!)).interests).toEqual({ text: 'speculative decoding, KV cache', include: ['KV cache'], exclude: ['robotics'], follow: ['DeepSeek'] });
      await store.setInterests(ann!, { text: '', include: [], exclude: [], follow: [] });
      expect((await store.readerSignals(ann!)).interests).toEqual({ text: '', include: [], exclude: [], follow: [] });
    });

    it('refuses interests that break the schema, naming the field, and keeps the stored ones', async () => {
      const store = await stores.open();
      const [ann] = await confirmed(store, 1);
      await store.setInterests(ann!, { text: 'diffusion', include: [], exclude: [], follow: [] });
      await expect(store.setInterests(ann!, { text: '', include: ['   '], exclude: [], follow: [] })).rejects.toMatchObject({
        code: 'EINPUT',
        message: 'interests include.0: must not be empty',
      });
      expect((await store.readerSignals(ann!)).interests.text).toBe('diffusion');
    });

    it('answers nothing for an unknown subscriber and refuses to write for one', async () => {
      const store = await stores.open();
      expect(await store.readerSignals(404)).toEqual({ votes: [], interests: { text: '', include: [], exclude: [], follow: [] } });
      expect(await store.removeVote(404, '2510.00001')).toBe(false);
      expect(await store.clearVotes(404)).toBe(0);
      await expect(store.recordVote(404, vote('2510.00001'))).rejects.toMatchObject({ code: 'ENOTFOUND', message: 'no subscriber #404' });
      await expect(store.setInterests(404, { text: 'agents', include: [], exclude: [], follow: [] })).rejects.toMatchObject({ code: 'ENOTFOUND' });
      await expect(store.saveReaderModel({ subscriberId: 404, json: '{}', trainedAt: day })).rejects.toMatchObject({ code: 'ENOTFOUND' });
      expect(await store.readerModels([404])).toEqual(new Map());
    });

    it('deletes a reader’s votes, interests and model with them, and a new subscriber starts with none', async () => {
      const store = await stores.open();
      const [ann, bob] = await confirmed(store, 2);
      for (const id of [ann!, bob!]) {
        await store.recordVote(id, vote('2510.00001'));
        await store.setInterests(id, { text: 'agents', include: ['tool use'], exclude: [], follow: [] });
        await store.saveReaderModel({ subscriberId: id, json: `{"reader":${id}}`, trainedAt: day });
      }
      expect(await store.remove('reader1@example.com')).toBe(true);
      expect(await store.readerSignals(ann!)).toEqual({ votes: [], interests: { text: '', include: [], exclude: [], follow: [] } });
      expect([...(await store.readerModels([ann!, bob!])).keys()]).toEqual([bob!]);
      const { subscriber: again } = await store.upsert({ email: 'reader1@example.com', status: 'confirmed' });
      expect(again.id).not.toBe(ann);
      expect(await store.readerSignals(again.id)).toEqual({ votes: [], interests: { text: '', include: [], exclude: [], follow: [] } });
      expect((await store.readerSignals(bob!)).votes).toHaveLength(1);
    });

    it('keeps one model per reader, the last saved, and answers the models of the ids asked for', async () => {
      const store = await stores.open();
      const [ann, bob, cat] = await confirmed(store, 3);
      await store.saveReaderModel({ subscriberId: ann!, json: '{"v":1}', trainedAt: '2025-10-01' });
      await store.saveReaderModel({ subscriberId: ann!, json: '{"v":2}', trainedAt: '2025-10-02' });
      await store.saveReaderModel({ subscriberId: bob!, json: '{"v":3}', trainedAt: '2025-10-02' });
      await store.saveReaderModel({ subscriberId: cat!, json: '{"v":4}', trainedAt: '2025-10-02' });
      const models = await store.readerModels([ann!, bob!, 404]);
      expect(models).toEqual(
        new Map([
          [ann!, { subscriberId: ann!, json: '{"v":2}', trainedAt: '2025-10-02' }],
          [bob!, { subscriberId: bob!, json: '{"v":3}', trainedAt: '2025-10-02' }],
        ]),
      );
      expect(await store.readerModels([])).toEqual(new Map());
    });

    it('answers the vocabulary saved last, or null before any', async () => {
      const store = await stores.open();
      expect(await store.latestVocabulary()).toBeNull();
      await store.saveVocabulary({ json: '{"terms":["a"]}', fittedThrough: '2025-09-30' });
      await store.saveVocabulary({ json: '{"terms":["a","b"]}', fittedThrough: '2025-10-01' });
      expect(await store.latestVocabulary()).toEqual({ json: '{"terms":["a","b"]}', fittedThrough: '2025-10-01' });
      await expect(store.saveVocabulary({ json: '{}', fittedThrough: 'yesterday' })).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringMatching(/^vocabulary fittedThrough:/) });
    });

    it('writes interests given with a subscriber (the operator’s add), replacing only the fields given', async () => {
      const store = await stores.open();
      const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'confirmed', interests: { text: 'agents', include: ['tool use'] } });
      await store.upsert({ email: 'ann@example.com', interests: { exclude: ['robotics'] } });
      expect((await store.readerSignals(subscriber.id)).interests).toEqual({ text: 'agents', include: ['tool use'], exclude: ['robotics'], follow: [] });
      await expect(store.upsert({ email: 'ann@example.com', interests: { follow: [''] } })).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringMatching(/^interests follow\.0: must not be empty/) });
    });

    it('imports interests with the rows, counting a row whose interests changed as updated', async () => {
      const store = await stores.open();
      const rows = [
        { line: 2, email: 'ann@example.com', interests: { text: 'diffusion distillation', follow: ['Stability AI'] } },
        { line: 3, email: 'bob@example.com' },
      ];
      expect(await store.importSubscribers(rows)).toEqual({ added: 2, updated: 0, unchanged: 0, skipped: [] });
      const ann = (await store.findByEmail('ann@example.com'))!;
      expect((await store.readerSignals(ann.id)).interests).toEqual({ text: 'diffusion distillation', include: [], exclude: [], follow: ['Stability AI'] });
      expect(await store.importSubscribers(rows)).toMatchObject({ added: 0, updated: 0, unchanged: 2 });
      expect(await store.importSubscribers([{ line: 2, email: 'ann@example.com', interests: { include: ['KV cache'] } }])).toMatchObject({ updated: 1 });
      expect((await store.readerSignals(ann.id)).interests.include).toEqual(['KV cache']);
      // A refused row writes nothing of its interests either.
      expect((await store.importSubscribers([{ line: 2, email: 'cat@example.com', interests: { include: [''] } }])).skipped).toEqual([
        { line: 2, reason: expect.stringMatching(/^interests include\.0: must not be empty/) },
      ]);
    });
  });
}
