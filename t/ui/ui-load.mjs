// SPDX-License-Identifier: MIT
// How long the page takes to show "at T" on a big ledger (t/5011-ui-scale.bats):
// reported, not asserted.  Checks that it renders no more rows than fit, pages
// and filters.  Environment: SL_URL, SL_SOURCES (the distinct sources).
import { launch } from './browser.mjs';

const URL_ = process.env.SL_URL;
let browser;
try {
  browser = await launch();
} catch (e) {
  console.log(`not ok - the browser cannot be started\n#   ${String(e.message).split('\n')[0]}`);
  process.exit(2);
}
let failures = 0, n = 0;
const check = (ok, what, detail) => {
  n++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}${ok || detail === undefined ? '' : `\n#   ${detail}`}`);
  if (!ok) failures++;
};
try {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    await page.goto(`${URL_}/?at=now`);
    await page.waitForSelector('#at-view tbody tr');
    times.push(Date.now() - t0);
  }
  console.log(`# page load at T (goto to the first rows), loopback: ${times.join(' ms, ')} ms`);
  const counts = await page.$$eval('#view section', (ss) => ss.map((s) => [s.id, s.querySelectorAll('tbody tr').length, s.querySelector('h2').textContent]));
  const fit = await page.evaluate(() => Math.max(5, Math.floor((window.innerHeight - 260) / 34)));
  const total = counts.reduce((a, c) => a + Number((/\((\d+)/.exec(c[2]) || [0, 0])[1]), 0);
  check(counts.every((c) => c[1] <= fit), `no group renders more than the ${fit} rows that fit`, JSON.stringify(counts));
  check(total === Number(process.env.SL_SOURCES), `the groups count all ${process.env.SL_SOURCES} sources and namespaces`, `${total}: ${JSON.stringify(counts)}`);
  const big = counts.find((c) => c[1] === fit);
  if (big) {
    await page.click(`#${big[0]} .pager button:last-child`);
    const p2 = await page.$eval(`#${big[0]} .pager span`, (s) => s.textContent);
    check(p2.startsWith('page 2 of'), 'Next shows the second page', p2);
  }
  const t1 = Date.now();
  await page.fill('#filter', 'no-such-thing-at-all');
  await page.waitForFunction(() => document.querySelectorAll('#view tbody tr').length === 0);
  console.log(`# filter over every row: ${Date.now() - t1} ms`);
  check(true, 'the filter empties every group');
} catch (e) {
  check(false, 'the browser run ended early', e.stack);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failures ? 1 : 0);
