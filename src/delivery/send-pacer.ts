/**
 * The day-wide send rate in one run: SMTP_RATE_PER_SECOND is a relay's limit per account, so
 * it holds for every run of the day together, however many workers send. Slots come from the
 * store (reserveSendSlots, by the store's clock), a quarter of a second's worth at a time; the
 * run then hands one message to the transport per slot. A run that ends with slots left over
 * wastes at most that quarter second of the day's rate.
 */
import { performance } from 'node:perf_hooks';
import { slotSpacingMs } from '../subscribers/rules.js';
import type { SendSlots } from './send-ledger.js';

export class SendPacer {
  /** When each reserved, unused slot is due, on this process's monotonic clock. */
  private readonly due: number[] = [];
  private reserving: Promise<void> | undefined;
  private readonly perReservation: number;

  constructor(
    private readonly reserve: (count: number) => Promise<SendSlots>,
    private readonly perSecond: number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.perReservation = Math.max(1, Math.ceil(perSecond / 4));
  }

  /** Resolves when this run may hand the relay its next message. */
  async nextSlot(): Promise<void> {
    // Several messages wait at once; one reservation at a time serves them in turn.
    while (this.due.length === 0) {
      this.reserving ??= this.reserveMore().finally(() => (this.reserving = undefined));
      await this.reserving;
    }
    const wait = this.due.shift()! - performance.now();
    if (wait > 0) await this.sleep(wait);
  }

  private async reserveMore(): Promise<void> {
    const { waitMs } = await this.reserve(this.perReservation);
    // The store says how long from now, by its clock; this process only counts the time since.
    const first = performance.now() + waitMs;
    for (let index = 0; index < this.perReservation; index += 1) this.due.push(first + index * slotSpacingMs(this.perSecond));
  }
}
