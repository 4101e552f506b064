/**
 * The memory bench's sender: one whole day's send (runIssue, the same composition as
 * `papermail send`) in a process of its own, so its peak RSS is its own. Plain JavaScript
 * on the compiled dist/ (`npm run build`), the way production runs: through tsx the same
 * process starts about 35 MB larger, which would be measured as papermail's. argv[2] is a
 * job { databasePath, day, environment } (JSON); { type: 'result', result: SenderResult }
 * goes back over IPC (see sender-process.ts for the fields).
 *
 * The messages go to a discarding transport: at about 110 messages a second over SMTP,
 * 100,000 messages would take a quarter of an hour. Everything papermail itself does per
 * recipient still runs: reading the list in pages, the ledger writes, tokens, assembling each
 * copy's bytes. The transport only touches the bytes, as an encoder would, and yields as a
 * socket write would; the SMTP figure at the send bench's size is send.oursRssMB.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { loadConfig } from '../dist/config/config.js';
import { runIssue } from '../dist/delivery/run-issue.js';
import { createLogger } from '../dist/logger.js';
import { openSqliteStore } from '../dist/subscribers/sqlite-store.js';

const job = JSON.parse(process.argv[2] ?? '{}');
const cpuAtStart = process.cpuUsage();
const config = loadConfig({ ...job.environment, DATABASE_PATH: job.databasePath });
const store = openSqliteStore(config.DATABASE_PATH);
try {
  const outcome = await runIssue({ source: job.source, day: job.day }, { config, store, transport: discardingTransport(), logger: createLogger(config.LOG_LEVEL) });
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
    },
  });
} finally {
  await store.close();
}
process.disconnect?.();

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
