// SPDX-License-Identifier: MIT
// The timeline page of sl-httpd: plain JavaScript, no library.  It reads
// only the documented API (doc/sl-httpd-api.7) and trusts the server for
// nothing it verifies: an entry's leaf hash, its inclusion proof and the
// checkpoint's signature are checked here, with WebCrypto, against the
// verifier key the reader gives in Settings.
'use strict';

const $ = (id) => document.getElementById(id);
const KEY_STORE = 'stateledger.vkey';

// ---------------------------------------------------------------- helpers

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}

async function api(path, kind) {
  const r = await fetch(path, { headers: { Accept: kind === 'text' ? 'text/plain' : 'application/json' } });
  const body = await r.text();
  if (!r.ok) {
    let msg = body;
    try { msg = JSON.parse(body).error.message; } catch (e) { /* keep the text */ }
    throw new Error(`${path}: ${r.status} ${msg}`);
  }
  return kind === 'text' ? body : JSON.parse(body);
}

// Answers for the view shown, so paging and filtering do not ask again; cleared on navigation.
const cache = new Map();
async function cached(path) {
  if (!cache.has(path)) cache.set(path, await api(path));
  return cache.get(path);
}

const short = (h) => (typeof h === 'string' && h.length > 16 ? h.slice(0, 12) + '…' : h);
const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
function unhex(s) {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) throw new Error('not hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}
function unb64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function cat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
const sha256 = async (u8) => new Uint8Array(await crypto.subtle.digest('SHA-256', u8));
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const utf8 = (s) => new TextEncoder().encode(s);

// A time as the inputs show it (UTC, to the second) and back.
const toInput = (t) => (typeof t === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(t) ? t.slice(0, 19) : '');
const fromInput = (v) => (v.length === 16 ? v + ':00Z' : v + 'Z');

// ------------------------------------------------------ verification code

// RFC 9162 §2.1.3.2: the root an inclusion proof leads to from a leaf hash.
async function rootFromInclusion(seq, size, leaf, proof) {
  if (!(seq < size)) throw new Error(`seq ${seq} is not below size ${size}`);
  let fn = seq, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error('the proof is longer than the tree is deep');
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(cat(Uint8Array.of(1), p, r));
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await sha256(cat(Uint8Array.of(1), r, p));
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error('the proof is shorter than the tree is deep');
  return r;
}

// An ASN.1 DER ECDSA signature (SEQUENCE of two INTEGERs) as WebCrypto's r||s.
function derToRaw(der) {
  let i = 0;
  const len = () => {
    let n = der[i++];
    if (n & 0x80) { const k = n & 0x7f; if (k < 1 || k > 2) throw new Error('bad DER length'); n = 0; for (let j = 0; j < k; j++) n = n * 256 + der[i++]; }
    return n;
  };
  if (der[i++] !== 0x30) throw new Error('signature is not a DER SEQUENCE');
  if (len() !== der.length - i) throw new Error('bad DER SEQUENCE length');
  const out = new Uint8Array(64);
  for (let k = 0; k < 2; k++) {
    if (der[i++] !== 0x02) throw new Error('signature part is not a DER INTEGER');
    let n = len(); let v = der.subarray(i, i + n); i += n;
    while (v.length > 32 && v[0] === 0) v = v.subarray(1);
    if (v.length > 32) throw new Error('signature integer too long');
    out.set(v, 32 * k + 32 - v.length);
  }
  if (i !== der.length) throw new Error('bytes after the DER signature');
  return out;
}

// A verifier key NAME+KEYID+BASE64 (type 0x02 ECDSA P-256 SPKI, or 0x01 Ed25519).
async function parseVkey(s) {
  // The name holds no '+'; the base64 key may.
  const t = s.trim(), a = t.indexOf('+'), b = t.indexOf('+', a + 1);
  const parts = a > 0 && b > a ? [t.slice(0, a), t.slice(a + 1, b), t.slice(b + 1)] : [];
  if (parts.length !== 3 || !/^[0-9a-f]{8}$/.test(parts[1]) || !parts[2]) throw new Error('the verifier key is not NAME+KEYID+BASE64');
  const name = parts[0], id = unhex(parts[1]), raw = unb64(parts[2]);
  let key, want;
  if (raw[0] === 0x02) {
    const spki = raw.subarray(1);
    want = (await sha256(spki)).subarray(0, 4);
    key = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } else if (raw[0] === 0x01 && raw.length === 33) {
    want = (await sha256(cat(utf8(name), Uint8Array.of(0x0a, 0x01), raw.subarray(1)))).subarray(0, 4);
    key = await crypto.subtle.importKey('raw', raw.subarray(1), { name: 'Ed25519' }, false, ['verify']);
  } else {
    throw new Error('the verifier key is neither ECDSA (0x02) nor Ed25519 (0x01)');
  }
  if (!same(want, id)) throw new Error('the verifier key\'s id does not match its key');
  return { name, id, type: raw[0], key };
}

// A checkpoint note: its signed text, origin, size, root and signature lines.
function parseCheckpoint(note) {
  const split = note.indexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('the checkpoint is not a signed note');
  const text = note.slice(0, split + 1);
  const lines = text.split('\n');
  if (lines.length < 4 || !/^\d+$/.test(lines[1])) throw new Error('the checkpoint body is malformed');
  const root = unb64(lines[2]);
  if (root.length !== 32) throw new Error('the checkpoint root is not 32 bytes');
  const sigs = note.slice(split + 2).split('\n').filter((l) => l).map((l) => {
    const m = /^\u2014 (\S+) (\S+)$/.exec(l);
    if (!m) throw new Error('a signature line is malformed');
    return { name: m[1], blob: unb64(m[2]) };
  });
  return { text, origin: lines[0], size: Number(lines[1]), root, sigs };
}

async function checkSignature(cp, vk) {
  for (const s of cp.sigs) {
    if (s.name !== vk.name || !same(s.blob.subarray(0, 4), vk.id)) continue;
    const sig = s.blob.subarray(4);
    if (vk.type === 0x02)
      return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, vk.key, derToRaw(sig), utf8(cp.text));
    return crypto.subtle.verify({ name: 'Ed25519' }, vk.key, sig, utf8(cp.text));
  }
  throw new Error(`the checkpoint carries no signature by ${vk.name}`);
}

// Verify entry `seq`: every step is done here; the first that fails says why.
async function verifyEntry(seq) {
  const done = [];
  const fail = (why) => ({ ok: false, done, why });
  const vkText = localStorage.getItem(KEY_STORE) || '';
  if (!vkText) return fail('no verifier key: give one in Settings');
  let vk;
  try { vk = await parseVkey(vkText); } catch (e) { return fail(e.message); }
  done.push(`verifier key ${vk.name}+${hex(vk.id)} parsed; its id matches the key`);

  let bytes;
  try {
    const body = await api(`/v1/entries/${seq}`, 'text');
    bytes = utf8(body.endsWith('\n') ? body.slice(0, -1) : body);
    const e = JSON.parse(new TextDecoder().decode(bytes));
    if (e.seq !== seq) return fail(`the entry served says seq ${e.seq}, not ${seq}`);
  } catch (e) { return fail(`entry: ${e.message}`); }
  const leaf = await sha256(cat(Uint8Array.of(0), bytes));
  done.push(`leaf hash computed here: SHA-256(0x00 ‖ entry) = ${hex(leaf)}`);

  let cp;
  try { cp = parseCheckpoint(await api('/v1/checkpoint', 'text')); } catch (e) { return fail(`checkpoint: ${e.message}`); }
  let good;
  try { good = await checkSignature(cp, vk); } catch (e) { return fail(e.message); }
  if (!good) return fail(`the checkpoint's signature by ${vk.name} does not verify`);
  done.push(`checkpoint of ${cp.origin} at size ${cp.size}: signature by ${vk.name} verified`);
  if (!(seq < cp.size)) return fail(`entry ${seq} is not in the newest checkpoint (size ${cp.size}) yet`);

  let proof;
  try {
    const p = await api(`/v1/proof/inclusion?seq=${seq}&size=${cp.size}`);
    if (p.seq !== seq || p.size !== cp.size || !Array.isArray(p.proof)) return fail('the proof served is not for this entry and size');
    proof = p.proof.map((h) => { const b = unhex(h); if (b.length !== 32) throw new Error('a proof hash is not 32 bytes'); return b; });
  } catch (e) { return fail(`proof: ${e.message}`); }
  let root;
  try { root = await rootFromInclusion(seq, cp.size, leaf, proof); } catch (e) { return fail(`inclusion proof: ${e.message}`); }
  if (!same(root, cp.root)) return fail(`the inclusion proof leads to ${hex(root)}, not the checkpoint's root ${hex(cp.root)}`);
  done.push(`inclusion proof (${proof.length} hashes) leads from the leaf to the signed root ${hex(cp.root)}`);
  return { ok: true, done };
}

// ----------------------------------------------------------------- views

const state = { page: {}, filter: '' };

function rowsThatFit() {
  return Math.max(5, Math.floor((window.innerHeight - 260) / 34));
}

function entryLink(seq) {
  return el('a', { href: `/?seq=${seq}`, text: String(seq), 'aria-label': `entry ${seq}` });
}

function table(id, title, cols, rows) {
  const sec = el('section', { id: `group-${id}`, 'aria-label': title });
  const q = state.filter.toLowerCase();
  const shown = q ? rows.filter((r) => r.text.toLowerCase().includes(q)) : rows;
  const per = rowsThatFit();
  const pages = Math.max(1, Math.ceil(shown.length / per));
  let page = Math.min(state.page[id] || 0, pages - 1);
  sec.append(el('h2', { text: `${title} (${shown.length}${shown.length !== rows.length ? ' of ' + rows.length : ''})` }));
  if (!shown.length) { sec.append(el('p', { class: 'note', text: 'none' })); return sec; }
  const tb = el('tbody');
  for (const r of shown.slice(page * per, page * per + per)) {
    const tr = el('tr', { 'data-source': r.source });
    r.cells.forEach((c, i) => tr.append(el('td', { 'data-label': cols[i] }, c)));
    tb.append(tr);
  }
  sec.append(el('table', {}, el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { text: c })))), tb));
  if (pages > 1) {
    const go = (d) => () => { state.page[id] = page + d; render(); };
    sec.append(el('div', { class: 'pager' },
      el('button', { type: 'button', onclick: go(-1), disabled: page === 0 ? '' : null, text: '‹ Previous' }),
      el('span', { text: `page ${page + 1} of ${pages}` }),
      el('button', { type: 'button', onclick: go(1), disabled: page === pages - 1 ? '' : null, text: 'Next ›' })));
  }
  return sec;
}

function atRows(snap) {
  const groups = { code: [], config: [], environment: [], other: [] };
  for (const it of snap.entries) {
    const e = JSON.parse(it.entry), p = e.payload || {};
    if (e.type === 'mutation') continue; // its namespace's head is listed below
    const base = [entryLink(e.seq), e.ts];
    let g, cells;
    if (e.type === 'code') {
      g = 'code';
      cells = [e.source, p.repo || '', el('code', { text: p.commit || '', title: p.commit }), p.branch || '',
        (p.tags || []).join(', '), p.dirty ? 'dirty' : 'clean'];
    } else if (e.type === 'config') {
      g = 'config';
      cells = [e.source, p.path || '', p.host || '', el('code', { text: short(p.sha256 || p.hmac_sha256 || ''), title: p.sha256 || '' }),
        p.private ? 'private' : p.stored ? el('a', { href: `/v1/entries/${e.seq}/content`, download: (p.path || 'content').split('/').pop(), text: 'stored', class: 'download' }) : 'digest only'];
    } else if (e.type === 'environment') {
      g = 'environment';
      const rt = Object.entries(p.runtimes || {}).map(([k, v]) => `${k} ${v}`).join(', ');
      const vars = Object.keys(p.variables || {}).length;
      cells = [e.source, [p.hostname, `${p.os} ${p.arch}`, `kernel ${p.kernel}`, rt, p.container && p.container.image,
        vars ? `${vars} variables` : ''].filter(Boolean).join(' · ')];
    } else {
      g = 'other';
      cells = [e.source, e.type, JSON.stringify(p).slice(0, 120)];
    }
    groups[g].push({ source: e.source, text: `${e.source} ${JSON.stringify(p)}`, cells: cells.concat(base) });
  }
  const ns = (snap.mutations || []).map((m) => ({
    source: m.namespace, text: `${m.namespace} ${m.id} ${m.position}`,
    cells: [m.namespace, String(m.position), m.id, entryLink(m.seq), ''],
  }));
  return { groups, ns };
}

async function showAt(at) {
  const snap = await cached(`/v1/sources?at=${encodeURIComponent(at)}`);
  const { groups, ns } = atRows(snap);
  const view = el('div', { id: 'at-view' },
    el('p', { class: 'note', text: `At ${snap.at}: ${snap.size} entries, root ${snap.root}.` }),
    table('code', 'Repositories', ['Source', 'Repo', 'Commit', 'Branch', 'Tags', 'Tree', 'Seq', 'Ts'], groups.code),
    table('config', 'Configuration', ['Source', 'Path', 'Host', 'Digest', 'Content', 'Seq', 'Ts'], groups.config),
    table('environment', 'Environments', ['Source', 'Summary', 'Seq', 'Ts'], groups.environment),
    table('ns', 'Namespace heads', ['Namespace', 'Position', 'Id', 'Seq', ''], ns),
    table('other', 'Other', ['Source', 'Type', 'Payload', 'Seq', 'Ts'], groups.other));
  return view;
}

async function showDiff(from, to) {
  const d = await cached(`/v1/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&all=1`);
  const rows = d.changes.map((c) => {
    if (c.change === 'mutations' || c.namespace) {
      return { source: c.namespace, text: JSON.stringify(c),
        cells: [el('span', { class: 'change-changed', text: 'mutations' }), 'mutation', c.namespace,
          c.from ? entryLink(c.from.seq) : '–', c.to ? entryLink(c.to.seq) : '–', `${c.count ?? ''} applied`] };
    }
    const what = (c.members || []).map((m) => `${m.member}: ${JSON.stringify(m.from)} → ${JSON.stringify(m.to)}`).join('; ');
    const both = c.type === 'config' && c.change === 'changed' && c.from_seq != null && c.to_seq != null;
    const whatCell = both ? el('div', {}, what, ' ', contentDiffButton(c.from_seq, c.to_seq)) : what;
    return { source: c.source, text: `${c.change} ${c.type} ${c.source} ${what}`,
      cells: [el('span', { class: `change-${c.change}`, text: c.change }), c.type, c.source,
        c.from_seq === null || c.from_seq === undefined ? '–' : entryLink(c.from_seq),
        c.to_seq === null || c.to_seq === undefined ? '–' : entryLink(c.to_seq), whatCell] };
  });
  const count = (k) => d.changes.filter((c) => c.change === k).length;
  return el('div', { id: 'diff-view' },
    el('p', { class: 'note', text: `From ${from} to ${to}: ${count('added')} added, ${count('removed')} removed, ${count('changed')} changed, ${count('recaptured')} recaptured.` }),
    table('diff', 'Changes', ['Change', 'Type', 'Source', 'From seq', 'To seq', 'What'], rows));
}

// The lines of a and b as a unified list: [' ', line], ['-', line], ['+', line] (LCS).
function lineDiff(a, b) {
  const n = a.length, m = b.length, L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { out.push([' ', a[i]]); i++; j++; }
    else if (L[i + 1][j] >= L[i][j + 1]) out.push(['-', a[i++]]);
    else out.push(['+', b[j++]]);
  }
  while (i < n) out.push(['-', a[i++]]);
  while (j < m) out.push(['+', b[j++]]);
  return out;
}

// A config's stored content at two entries, compared line by line here (both must be stored).
function contentDiffButton(from, to) {
  const box = el('div', { class: 'content-diff' });
  const btn = el('button', { type: 'button', text: 'Content diff' });
  btn.addEventListener('click', async () => {
    try {
      const [a, b] = await Promise.all([from, to].map((q) => api(`/v1/entries/${q}/content`, 'text')));
      const la = a.split('\n'), lb = b.split('\n');
      if (la.length * lb.length > 4e6) throw new Error('too many lines to compare here; use sl-diff --content');
      const pre = el('pre', { class: 'diff' });
      for (const [k, line] of lineDiff(la, lb))
        pre.append(el('span', { class: k === '+' ? 'change-added' : k === '-' ? 'change-removed' : null, text: `${k}${line}\n` }));
      box.replaceChildren(pre);
    } catch (e) {
      box.replaceChildren(el('p', { class: 'note', text: `No content diff: ${e.message}` }));
    }
  });
  return el('span', {}, btn, box);
}

async function showEntry(seq) {
  const body = await api(`/v1/entries/${seq}`, 'text');
  const verdict = el('div', { id: 'verdict', role: 'status', 'aria-live': 'polite' });
  const btn = el('button', { id: 'verify', type: 'button', text: 'Verify in this browser' });
  btn.addEventListener('click', async () => {
    verdict.className = 'verdict'; verdict.textContent = 'verifying…';
    const r = await verifyEntry(seq).catch((e) => ({ ok: false, done: [], why: e.message }));
    verdict.className = `verdict ${r.ok ? 'ok' : 'bad'}`;
    verdict.dataset.result = r.ok ? 'verified' : 'failed';
    verdict.replaceChildren(el('strong', { text: r.ok ? `Verified: entry ${seq} is in the signed log.` : `Not verified: ${r.why}` }),
      el('ul', {}, ...r.done.map((t) => el('li', { text: `✓ ${t}` })), r.ok ? null : el('li', { text: `✗ ${r.why}` })));
  });
  return el('div', { id: 'entry-view' },
    el('h2', { text: `Entry ${seq}` }),
    el('p', { class: 'note', text: 'Its canonical JSON (RFC 8785), the bytes its leaf hash is made of:' }),
    el('pre', { id: 'entry-json', text: body }),
    btn, verdict);
}

// ------------------------------------------------------------- the frame

async function showHead() {
  try {
    const h = await api('/v1/head');
    $('head-size').textContent = String(h.size);
    $('head-root').textContent = h.root;
    $('head-span').textContent = h.first_ts ? `${h.first_ts} – ${h.last_ts}` : 'empty';
    state.span = h;
    if (params().get('at')) syncRange(params().get('at'));
  } catch (e) { $('head-size').textContent = e.message; }
  try {
    const cp = parseCheckpoint(await api('/v1/checkpoint', 'text'));
    $('head-checkpoint').textContent = `${cp.origin}, size ${cp.size}, signed by ${cp.sigs.map((s) => s.name).join(', ')}`;
  } catch (e) { $('head-checkpoint').textContent = 'none'; }
}

// The server's own verification reads the whole ledger: asked for once the view is shown.
function showServerVerify() {
  api('/v1/verify').then((v) => {
    $('head-verify').replaceChildren(el('span', { class: v.verified ? 'ok' : 'bad', text: v.verified ? 'passes (the server says)' : 'FAILS (the server says)' }));
  }).catch((e) => { $('head-verify').textContent = e.message; });
}

function params() {
  return new URLSearchParams(location.search);
}

async function render() {
  const p = params(), view = $('view'), status = $('status');
  status.textContent = '';
  try {
    let v;
    if (p.has('seq') && /^\d+$/.test(p.get('seq'))) {
      $('filter-bar').hidden = true;
      v = await showEntry(Number(p.get('seq')));
    } else if (p.has('from') && p.has('to')) {
      $('filter-bar').hidden = false;
      $('from-input').value = toInput(p.get('from'));
      $('to-input').value = toInput(p.get('to'));
      v = await showDiff(p.get('from'), p.get('to'));
    } else {
      $('filter-bar').hidden = false;
      if (!p.get('at')) await state.headDone;
      const at = p.get('at') || (state.span && state.span.last_ts) || 'now';
      $('at-input').value = toInput(at);
      syncRange(at);
      v = await showAt(at);
    }
    view.replaceChildren(v);
  } catch (e) {
    status.textContent = e.message;
    view.replaceChildren();
  }
}

function syncRange(at) {
  const s = state.span;
  if (!s || !s.first_ts) return;
  const a = Date.parse(s.first_ts), b = Date.parse(s.last_ts), t = Date.parse(at);
  if (b > a && !Number.isNaN(t)) $('at-range').value = String(Math.round(1000 * Math.min(1, Math.max(0, (t - a) / (b - a)))));
}

function go(query) {
  history.pushState(null, '', `/?${query}`);
  state.page = {};
  cache.clear();
  render();
}

function wire() {
  $('at-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if ($('at-input').value) go(`at=${encodeURIComponent(fromInput($('at-input').value))}`);
  });
  $('at-range').addEventListener('change', () => {
    const s = state.span;
    if (!s || !s.first_ts) return;
    const a = Date.parse(s.first_ts), b = Date.parse(s.last_ts);
    const t = new Date(a + ((b - a) * Number($('at-range').value)) / 1000);
    // The end of the range is the last entry itself, to the microsecond.
    go(`at=${encodeURIComponent($('at-range').value === '1000' ? s.last_ts : t.toISOString())}`);
  });
  $('diff-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if ($('from-input').value && $('to-input').value)
      go(`from=${encodeURIComponent(fromInput($('from-input').value))}&to=${encodeURIComponent(fromInput($('to-input').value))}`);
  });
  $('filter').addEventListener('input', () => { state.filter = $('filter').value; state.page = {}; render(); });
  $('vkey-input').value = localStorage.getItem(KEY_STORE) || '';
  $('vkey-save').addEventListener('click', () => {
    localStorage.setItem(KEY_STORE, $('vkey-input').value.trim());
    $('vkey-save').textContent = 'Saved';
  });
  window.addEventListener('popstate', () => { state.page = {}; cache.clear(); render(); });
}

wire();
// The head and the view are asked for at once; only a view without ?at= waits for the head.
state.headDone = showHead();
render().then(showServerVerify);
