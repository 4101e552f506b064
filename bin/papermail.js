#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` and `npm install` run
// through `prepare`). A missing or out-of-date build is refused with the command that fixes it,
// rather than running old code. Development runs the TypeScript directly: `npm run dev -- …`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = new URL('../dist/cli/main.js', import.meta.url);
// Written by `npm run build` after tsc succeeds: the time of the last complete build.
const stamp = `${root}dist/.build-complete`;

function newestSourceChange(folder) {
  let newest = 0;
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
  }
  return newest;
}

function refuse(problem) {
  process.stderr.write(`papermail: ${problem}: run \`npm run build\` in ${root} (or \`npm run dev -- …\` to run the TypeScript)\n`);
  process.exit(1);
}

if (!existsSync(stamp) || !existsSync(entry)) refuse('the compiled CLI (dist/) is missing');
// A checkout without src/ (a packed build) has nothing to be out of date with.
if (existsSync(`${root}src`) && newestSourceChange(`${root}src`) > statSync(stamp).mtimeMs) {
  refuse('the compiled CLI (dist/) is older than src/');
}
// Before anything else runs: how V8 sizes the heap of a long send (src/cli/heap-settings.ts).
const { applyHeapSettings } = await import(new URL('../dist/cli/heap-settings.js', import.meta.url).href);
applyHeapSettings();
await import(entry.href);
