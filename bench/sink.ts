/** Starts smtp-sink-process.ts in its own process and talks to it over IPC. */
import path from 'node:path';
import { NO_FAULTS, type FaultPlan } from './faults.js';
import { exitOf, spawnScript } from './processes.js';
import type { SinkReport, SinkRequest, SinkStats } from './smtp-sink-process.js';
import { REPO_ROOT } from './workspace.js';

export interface SinkProcess {
  port: number;
  /** smtp://127.0.0.1:<port> */
  url: string;
  stats(options?: { perRecipient?: boolean }): Promise<SinkStats>;
  /** Resolves once the sink has accepted this many messages in all (since the last reset); one wait at a time. */
  whenAccepted(count: number): Promise<number>;
  reset(): void;
  close(): Promise<void>;
}

const SCRIPT = path.join(REPO_ROOT, 'bench', 'smtp-sink-process.ts');

export async function startSinkProcess(plan: FaultPlan = NO_FAULTS): Promise<SinkProcess> {
  const child = spawnScript(SCRIPT, [JSON.stringify(plan)]);
  const exited = exitOf(child);
  const waiting = new Map<number, (stats: SinkStats) => void>();
  let onReached: ((accepted: number) => void) | undefined;
  let nextId = 1;

  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the SMTP sink process ended before listening (${signal ?? code})`)));
    child.on('message', (message: SinkReport) => {
      if (message.type === 'ready') resolve(message.port);
      else if (message.type === 'stats') waiting.get(message.id)?.(message.stats);
      else if (message.type === 'reached') onReached?.(message.accepted);
    });
  });

  const send = (request: SinkRequest) => {
    child.send(request);
  };

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    stats(options = {}) {
      const id = nextId++;
      return new Promise<SinkStats>((resolve) => {
        waiting.set(id, (stats) => {
          waiting.delete(id);
          resolve(stats);
        });
        send({ type: 'stats', id, perRecipient: options.perRecipient ?? false });
      });
    },
    whenAccepted(count) {
      return new Promise<number>((resolve) => {
        onReached = (accepted) => {
          onReached = undefined;
          resolve(accepted);
        };
        send({ type: 'notify', accepted: count });
      });
    },
    reset: () => send({ type: 'reset' }),
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
