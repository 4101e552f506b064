/**
 * Start-up: `papermail --help` through the compiled CLI (bin/papermail.js → dist/) against
 * `node -e 0`, each a fresh process, alternating which runs first. The figure is the ratio of
 * the medians (target ≤ 4×); `--help` is what every command pays before its own work starts.
 * Builds dist/ first (the bin refuses a missing or stale one).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { median } from './stats.js';
import { buildDist, REPO_ROOT } from './workspace.js';

export interface StartupFigures {
  helpMs: number;
  nodeMs: number;
  ratio: number;
  runs: number;
}

const BIN = path.join(REPO_ROOT, 'bin', 'papermail.js');

export async function measureStartup(options: { runs: number; log: (line: string) => void }): Promise<StartupFigures> {
  await buildDist();
  const help: number[] = [];
  const node: number[] = [];
  runOnce([BIN, '--help']); // warm the file-system cache
  for (let run = 0; run < options.runs; run += 1) {
    const pair = run % 2 === 0 ? [help, node] : [node, help];
    for (const values of pair) values.push(timed(values === help ? [BIN, '--help'] : ['-e', '0']));
  }
  const helpMs = median(help);
  const nodeMs = median(node);
  return { helpMs, nodeMs, ratio: helpMs / nodeMs, runs: options.runs };
}

function runOnce(args: string[]) {
  return spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } });
}

function timed(args: string[]): number {
  const startedAt = performance.now();
  const result = runOnce(args);
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return performance.now() - startedAt;
}
