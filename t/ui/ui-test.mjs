// SPDX-License-Identifier: MIT
// The timeline page in a real browser (t/5010-ui-browser.bats): Debian's
// chromium, driven by playwright-core, against sl-httpd through a small
// proxy made here.  The proxy passes every answer through unchanged,
// except when a case tells it to tamper with one (an entry's bytes, an
// inclusion proof, a checkpoint's signature): the server itself has no
// switch for this.  Prints one "ok"/"not ok" line a check (TAP-like), and
// exits 1 when one failed, 2 when the browser cannot be started.
//
// Environment: SL_URL (the server), SL_VKEY (the verifier key), SL_T1,
// SL_T2 (two times), SL_WANT (JSON: what the page must show, see the bats
// file), SL_SHOTS (a directory for the screenshots, or empty).
import http from 'node:http';
import path from 'node:path';
import { launch } from './browser.mjs';

const env = (k) => {
  if (!process.env[k]) { console.log(`not ok - ${k} is not set`); process.exit(2); }
  return process.env[k];
};
const SERVER = new URL(env('SL_URL'));
const VKEY = env('SL_VKEY');
const T1 = env('SL_T1');
const T2 = env('SL_T2');
const WANT = JSON.parse(env('SL_WANT'));
const SHOTS = process.env.SL_SHOTS || '';

let failures = 0, n = 0;
function check(ok, what, detail) {
  n++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}${ok || detail === undefined ? '' : `\n#   ${String(detail).replace(/\n/g, '\n#   ')}`}`);
  if (!ok) failures++;
}

// ------------------------------------------------------- the tampering proxy
let tamper = 'none';
const tampered = { entry: 0, proof: 0, signature: 0 };

function flipSignature(note) {
  return note.replace(/^(\u2014 \S+ )(\S+)$/gm, (m, head, b64) => {
    const b = Buffer.from(b64, 'base64');
    b[b.length - 1] ^= 0x01; // the last byte of the DER signature's s
    tampered.signature++;
    return head + b.toString('base64');
  });
}

function rewrite(url, body) {
  if (tamper === 'entry' && /^\/v1\/entries\/\d+$/.test(url.pathname)) {
    tampered.entry++;
    return body.replace('"payload":{', '"payload":{"a":"tampered",');
  }
  if (tamper === 'proof' && url.pathname === '/v1/proof/inclusion') {
    const p = JSON.parse(body);
    if (p.proof.length) { p.proof[0] = p.proof[0].replace(/^./, (c) => (c === '0' ? '1' : '0')); tampered.proof++; }
    return JSON.stringify(p) + '\n';
  }
  if (tamper === 'signature' && url.pathname === '/v1/checkpoint')
    return flipSignature(body);
  return body;
}

// Every path the page asked for, to check it calls only documented endpoints.
const asked = new Set();
const proxy = http.createServer((req, res) => {
  const url = new URL(req.url, SERVER);
  asked.add(url.pathname.replace(/^\/v1\/entries\/\d+/, '/v1/entries/{seq}'));
  const up = http.request({ host: SERVER.hostname, port: SERVER.port, method: req.method, path: req.url,
    headers: { ...req.headers, host: SERVER.host } }, (ur) => {
    const chunks = [];
    ur.on('data', (c) => chunks.push(c));
    ur.on('end', () => {
      let body = Buffer.concat(chunks);
      if (tamper !== 'none' && ur.statusCode === 200) body = Buffer.from(rewrite(url, body.toString('utf8')));
      const h = { ...ur.headers };
      delete h['content-length'];
      delete h['transfer-encoding'];
      res.writeHead(ur.statusCode, { ...h, 'content-length': body.length });
      res.end(body);
    });
  });
  up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
  req.pipe(up);
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const BASE = `http://127.0.0.1:${proxy.address().port}`;

// ------------------------------------------------------------- the browser
let browser;
try {
  browser = await launch();
} catch (e) {
  console.log(`not ok - the browser cannot be started\n#   ${String(e.message).split('\n')[0]}`);
  proxy.close();
  process.exit(2);
}

const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
const page = await ctx.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

async function rows(p, group) {
  return p.$$eval(`#group-${group} tbody tr`, (trs) => trs.map((tr) => Array.from(tr.cells, (td) => td.textContent)));
}
async function viewText(p) {
  return p.$eval('#view', (v) => v.innerText);
}

try {
  // The page loads (timed, reported, not asserted).
  const t0 = Date.now();
  await page.goto(`${BASE}/?at=${encodeURIComponent(T1)}`);
  await page.waitForSelector('#at-view');
  console.log(`# page with the view at T1 loaded in ${Date.now() - t0} ms`);

  // Rows at T1.
  const code1 = await rows(page, 'code');
  check(code1.length === 1 && code1[0][2] === WANT.commit1 && code1[0][3] === WANT.branch, 'at T1: the repository row shows the first commit and its branch', JSON.stringify(code1));
  const cfg1 = await rows(page, 'config');
  check(cfg1.length === 1 && cfg1[0][1] === WANT.config_path && cfg1[0][3].startsWith(WANT.config1.slice(0, 12)) && cfg1[0][4] === 'stored', 'at T1: the config row shows its path, first digest and that it is stored', JSON.stringify(cfg1));
  const dl = await page.$eval('#group-config a.download', (a) => [a.getAttribute('href'), a.getAttribute('download')]).catch((e) => [String(e)]);
  const dlBody = dl[0] && dl[0].startsWith('/') ? await page.evaluate(async (h) => (await fetch(h)).text(), dl[0]) : '';
  check(dl[1] === 'app.conf' && dlBody === WANT.config1_text, 'at T1: the stored config has a download link to its content', `${JSON.stringify(dl)} ${JSON.stringify(dlBody)}`);
  const env1 = await rows(page, 'environment');
  check(env1.length === 1 && env1[0][1].includes('kernel') && /^\d+$/.test(env1[0][2]), 'at T1: the environment is summarised with its seq', JSON.stringify(env1));
  check(code1.length && /^\d+$/.test(code1[0][6]) && /^\d{4}-\d\d-\d\dT/.test(code1[0][7]), 'each row shows its seq and ts', JSON.stringify(code1));
  check((await page.inputValue('#at-input')).startsWith(T1.slice(0, 16)), 'the time control shows T1', await page.inputValue('#at-input'));
  await page.waitForFunction(() => document.getElementById('head-verify').textContent.includes('passes'), null, { timeout: 10000 }).catch(() => {});
  const head = await page.$eval('#head', (h) => h.innerText);
  check(head.includes(`${WANT.size}`) && head.includes('passes (the server says)') && /signed by \S+/.test(head) && head.includes(WANT.root),
    'the head shows the size, root, checkpoint signer and that /v1/verify passes', head);
  const atT1 = await viewText(page);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'ui-at.png'), fullPage: true });

  // Rows at T2, reached with the keyboard: type the time, press Enter.
  // Chromium keeps a datetime-local value without its seconds when they are 0.
  await page.fill('#at-input', T2.slice(0, 16));
  await page.press('#at-input', 'Enter');
  await page.waitForFunction((t) => new URLSearchParams(location.search).get('at') === t, T2.slice(0, 19) + 'Z');
  await page.waitForFunction(() => document.querySelector('#at-view .note')?.textContent.includes('At 2'));
  await page.waitForFunction((c) => document.querySelector('#group-code tbody tr td:nth-child(3)')?.textContent === c, WANT.commit2, { timeout: 5000 }).catch(() => {});
  const code2 = await rows(page, 'code');
  check(code2.length === 1 && code2[0][2] === WANT.commit2, 'at T2 (typed and Enter): the repository row shows the second commit; the URL carries ?at=', JSON.stringify(code2));
  const cfg2 = (await rows(page, 'config')).filter((r) => r[1] === WANT.config_path);
  check(cfg2.length === 1 && cfg2[0][3].startsWith(WANT.config2.slice(0, 12)), 'at T2: the config row shows the second digest', JSON.stringify(cfg2));

  // The filter narrows the rows.
  await page.fill('#filter', 'no-such-source-anywhere');
  await page.waitForFunction(() => document.querySelectorAll('#view tbody tr').length === 0);
  await page.fill('#filter', WANT.config_path);
  await page.waitForFunction(() => document.querySelectorAll('#view tbody tr').length === 1);
  check(true, 'the text filter narrows the rows');
  await page.fill('#filter', '');

  // A shared ?at= URL restores the view, in a new browser context.
  const ctx2 = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const p2 = await ctx2.newPage();
  await p2.goto(`${BASE}/?at=${encodeURIComponent(T1)}`);
  await p2.waitForSelector('#at-view');
  check((await viewText(p2)) === atT1, 'a shared ?at=T1 URL shows the same view in a fresh browser');
  // A narrow screen: nothing wider than the viewport.
  await p2.setViewportSize({ width: 360, height: 740 });
  const wide = await p2.evaluate(() => [document.documentElement.scrollWidth - window.innerWidth,
    Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)]);
  check(wide[0] <= 0, 'on a 360 px wide screen the page does not scroll sideways', `${wide[0]} px too wide: ${wide[1].join(' ')}`);
  await ctx2.close();

  // The diff view.
  await page.goto(`${BASE}/?from=${encodeURIComponent(T1)}&to=${encodeURIComponent(T2)}`);
  await page.waitForSelector('#diff-view');
  const diff = await rows(page, 'diff');
  const kind = (src) => (diff.find((r) => r[2] === src) || [])[0];
  check(kind(WANT.git_source) === 'changed' && diff.find((r) => r[2] === WANT.git_source)[5].includes('payload.commit'), 'diff: the repository changed, its commit named', JSON.stringify(diff));
  check(kind(WANT.config_source) === 'changed', 'diff: the config changed', JSON.stringify(diff));
  await page.click('#group-diff button:has-text("Content diff")');
  await page.waitForSelector('#group-diff pre.diff, #group-diff .content-diff .note');
  const cdiff = await page.$eval('#group-diff .content-diff', (b) => b.innerText);
  check(cdiff.includes(`-${WANT.config1_text.trim()}`) && cdiff.includes(`+${WANT.config2_text.trim()}`), 'diff: both versions stored, the content diff shows the changed line', cdiff);
  check(kind(WANT.added_source) === 'added', 'diff: the source captured after T1 was added', JSON.stringify(diff));
  check(kind(WANT.env_source) === 'recaptured', 'diff: the environment captured again unchanged was recaptured', JSON.stringify(diff));
  check((await page.inputValue('#from-input')).startsWith(T1.slice(0, 16)) && (await page.inputValue('#to-input')).startsWith(T2.slice(0, 16)), 'the diff URL fills the from and to inputs');
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'ui-diff.png'), fullPage: true });

  // An entry, verified here: give the key in Settings first.
  await page.goto(`${BASE}/?seq=${WANT.seq}`);
  await page.click('#settings summary');
  await page.fill('#vkey-input', VKEY);
  await page.click('#vkey-save');
  async function verify(mode) {
    tamper = mode;
    await page.goto(`${BASE}/?seq=${WANT.seq}`);
    await page.waitForSelector('#verify');
    await page.focus('#verify');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#verdict[data-result]');
    const r = await page.$eval('#verdict', (v) => ({ result: v.dataset.result, text: v.innerText, cls: v.className }));
    tamper = 'none';
    return r;
  }
  const json = await page.$eval('#entry-json', (e) => e.textContent);
  check(json.startsWith('{"payload":') && json.includes(`"seq":${WANT.seq},`), 'the entry view shows its canonical JSON', json);
  let r = await verify('none');
  check(r.result === 'verified' && r.cls.includes('ok') && r.text.includes(WANT.leaf) && r.text.includes('signature by') && r.text.includes('inclusion proof'),
    'verify is green for an untouched entry, naming the leaf hash, the signature and the proof', r.text);

  r = await verify('entry');
  check(tampered.entry > 0 && r.result === 'failed' && r.cls.includes('bad') && !r.text.includes(WANT.leaf) && /leads to [0-9a-f]{64}, not the checkpoint's root/.test(r.text),
    'verify is red for a tampered entry: its leaf hash is another, so the proof leads to another root', r.text);
  r = await verify('proof');
  check(tampered.proof > 0 && r.result === 'failed' && r.text.includes(WANT.leaf) && r.text.includes('signature by') && /leads to [0-9a-f]{64}, not the checkpoint's root/.test(r.text),
    'verify is red for a wrong inclusion proof: the right leaf and signature, but the proof misses the root', r.text);
  r = await verify('signature');
  check(tampered.signature > 0 && r.result === 'failed' && /signature by \S+ does not verify/.test(r.text) && !r.text.includes('inclusion proof ('),
    'verify is red for a bad checkpoint signature, before any proof is trusted', r.text);
  r = await verify('none');
  check(r.result === 'verified', 'verify is green again once the proxy passes the answers through', r.text);

  // The same with the checkpoint's Ed25519 signature and its key.
  await page.click('#settings summary');
  await page.fill('#vkey-input', process.env.SL_VKEY_ED || '');
  await page.click('#vkey-save');
  r = await verify('none');
  check(r.result === 'verified' && r.text.includes('signature by witness.example verified'), 'verify is green with the Ed25519 key of a second signature', r.text);
  r = await verify('signature');
  check(r.result === 'failed' && /signature by witness.example does not verify/.test(r.text), 'verify is red when that Ed25519 signature is bad', r.text);

  check(errors.length === 0, 'no error in the browser console', errors.join('\n'));
  // doc/sl-httpd-api.7 names these as what the page asks (and the page's own files).
  const documented = ['/', '/ui/app.js', '/ui/app.css', '/v1/head', '/v1/checkpoint', '/v1/verify', '/v1/sources',
    '/v1/diff', '/v1/entries/{seq}', '/v1/entries/{seq}/content', '/v1/proof/inclusion'];
  const other = [...asked].filter((p) => !documented.includes(p));
  check(other.length === 0, `the page asked only documented paths (${asked.size})`, other.join(' '));
} catch (e) {
  check(false, 'the browser run ended early', e.stack);
} finally {
  await browser.close();
  proxy.close();
}
console.log(`1..${n}`);
process.exit(failures ? 1 : 0);
