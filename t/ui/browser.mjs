// SPDX-License-Identifier: MIT
// Debian's chromium, headless, started by playwright-core with the flags
// that work on a machine without a network (no background connections,
// no sandbox as root); Playwright gives it a new, empty profile of its own.
// SL_CHROMIUM names another browser binary.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export function launch() {
  return chromium.launch({
    executablePath: process.env.SL_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
