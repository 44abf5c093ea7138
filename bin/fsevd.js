#!/usr/bin/env node
// Starts fsevd from the JavaScript that `npm install` compiled into dist/ when it is at least as
// new as every source file; otherwise (a source edited since the build, or no build) from the
// TypeScript sources through tsx's loader, which costs a few hundred ms more at start-up.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}dist/.build-stamp`;

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(`${root}src`)) {
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
