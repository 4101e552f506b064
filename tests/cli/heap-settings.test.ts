/**
 * papermail's V8 heap settings (src/cli/heap-settings.ts): which flags it applies, and that
 * they take effect when set at start-up, checked in node processes of their own
 * (fixtures/heap-probe.ts) on the Node this project runs on.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HEAP_FLAGS, heapFlagsToApply } from '../../src/cli/heap-settings.js';

const PROBE = fileURLToPath(new URL('./fixtures/heap-probe.ts', import.meta.url));

interface Probe {
  applied: string[];
  youngBefore: number;
  youngAfter: number;
  fullCollections: number;
}

async function probe(mode: 'apply' | 'none'): Promise<Probe> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', PROBE, mode], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  return JSON.parse(stdout) as Probe;
}

describe('heapFlagsToApply', () => {
  it('applies every setting when the operator gave node none of their own', () => {
    expect(heapFlagsToApply('')).toEqual(HEAP_FLAGS);
    expect(heapFlagsToApply('--enable-source-maps --max-old-space-size=512')).toEqual(HEAP_FLAGS);
  });

  it("leaves the young generation to an operator who sized it, in either spelling", () => {
    expect(heapFlagsToApply('--max-semi-space-size=64')).toEqual(['--heap-growing-percent=30']);
    expect(heapFlagsToApply('--inspect --min_semi_space_size=8')).toEqual(['--heap-growing-percent=30']);
    expect(heapFlagsToApply('--semi-space-growth-factor=4')).toEqual(['--heap-growing-percent=30']);
  });

  it("leaves the old generation's growth to an operator who set it", () => {
    expect(heapFlagsToApply('--heap-growing-percent=100')).toEqual(['--semi-space-growth-factor=1']);
  });
});

describe('applyHeapSettings, set at start-up', () => {
  it('keeps the young generation at its first size and collects the old one sooner, where the defaults grow both', async () => {
    const [defaults, applied] = await Promise.all([probe('none'), probe('apply')]);
    expect(defaults.applied).toEqual([]);
    expect(applied.applied).toEqual(HEAP_FLAGS);
    // Without the settings the same allocations grow the young generation (to 32 MB on Node 20).
    expect(defaults.youngAfter).toBeGreaterThan(defaults.youngBefore);
    expect(applied.youngAfter).toBe(applied.youngBefore);
    expect(applied.fullCollections).toBeGreaterThan(defaults.fullCollections * 3);
  }, 60_000);
});
