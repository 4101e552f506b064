/**
 * The bench's papermail sender: one whole day's send (runIssue, the same composition as
 * `papermail send`) in a process of its own, so its CPU time and peak RSS are its own. Plain
 * JavaScript on the compiled dist/ (`npm run build`), the way production runs: through tsx
 * the same process starts about 35 MB larger and runs the pipeline's own code more slowly
 * (tsx keeps function names with a helper call per closure), which would be measured as
 * papermail's. argv[2] is a job { databasePath, databaseUrl?, day, source, environment,
 * smtpUrl?, waitForGo? } (JSON); { type: 'result', result: SenderResult } goes back over IPC
 * (see sender-process.ts for the fields), with the wall-clock start and end of the send
 * (startedAt, endedAt, ms since the epoch) for runs of several senders at once. With
 * `databaseUrl` the store is that PostgreSQL database (else the SQLite file). With
 * `waitForGo` the process opens its store, says { type: 'ready' } and starts only on
 * { type: 'go' }, so several senders start together and start-up is not measured.
 *
 * With `smtpUrl` the messages go over SMTP through papermail's own transport (the send bench).
 * Without it they go to a discarding transport (the memory bench): at a few hundred messages
 * a second over SMTP, 100,000 messages would take many minutes. Everything papermail itself
 * does per recipient still runs: reading the list in pages, the ledger writes, tokens,
 * assembling each copy's bytes. The discarding transport only touches the bytes, as an
 * encoder would, and yields as a socket write would.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import './heap-settings.mjs';
import { loadConfig } from '../dist/config/config.js';
import { runIssue } from '../dist/delivery/run-issue.js';
import { createTransport } from '../dist/delivery/transport.js';
import { createLogger } from '../dist/logger.js';
import { openStore } from '../dist/subscribers/open-store.js';

const job = JSON.parse(process.argv[2] ?? '{}');
let cpuAtStart = process.cpuUsage();
const config = loadConfig({
  ...job.environment,
  DATABASE_PATH: job.databasePath,
  ...(job.databaseUrl ? { DATABASE_URL: job.databaseUrl } : {}),
  ...(job.smtpUrl ? { SMTP_URL: job.smtpUrl } : {}),
});
const store = await openStore(config);
const transport = job.smtpUrl ? createTransport(config) : discardingTransport();
try {
  if (job.waitForGo) {
    await goSignal();
    cpuAtStart = process.cpuUsage();
  }
  const startedAt = Date.now();
  const outcome = await runIssue({ source: job.source, day: job.day }, { config, store, transport, logger: createLogger(config.LOG_LEVEL) });
  const endedAt = Date.now();
  if (outcome.kind !== 'sent') throw new Error(`expected a send, got ${outcome.kind}`);
  const { sent, durationMs, deferred, failed } = outcome.summary;
  if (deferred > 0 || failed > 0) throw new Error(`the measured send had ${deferred} deferred and ${failed} failed messages`);
  const cpu = process.cpuUsage(cpuAtStart);
  process.send?.({
    type: 'result',
    result: {
      sent,
      durationMs,
      perSecond: durationMs > 0 ? (sent * 1000) / durationMs : 0,
      cpuMsPerMessage: sent > 0 ? (cpu.user + cpu.system) / 1000 / sent : 0,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      startedAt,
      endedAt,
    },
  });
} finally {
  transport.close();
  await store.close();
}
process.disconnect?.();

/** Says 'ready' to the parent and resolves on its 'go'. */
function goSignal() {
  return new Promise((resolve) => {
    process.on('message', (message) => {
      if (message?.type === 'go') resolve();
    });
    process.send?.({ type: 'ready' });
  });
}

/** A MailTransport that takes every message and keeps nothing. */
function discardingTransport() {
  let bytes = 0;
  return {
    async send(message) {
      bytes += message.body.reduce((total, chunk) => total + chunk.length, 0);
      await nextTurn();
      return { messageId: message.messageId, accepted: true, response: `250 discarded (${bytes} bytes so far)` };
    },
    async verify() {},
    close() {},
    describe: () => 'a discarding transport (bench)',
  };
}
