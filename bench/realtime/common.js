// Shared pieces of the real-time benchmarks: the ws package from tests/node_modules, REST calls,
// /ws connections that resolve on the server's "ready" frame, percentiles and the server's RSS.
'use strict';
const fs = require('fs');
const path = require('path');
const WebSocket = require(path.join(__dirname, '..', '..', 'tests', 'node_modules', 'ws'));

async function api(base, method, target, token, body) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + target, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${target} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function login(base, email, password) {
  return (await api(base, 'POST', '/api/v1/auth/login', null, { email, password })).access_token;
}

/// Opens /ws?access_token=… and resolves with the socket once the server sent {"type":"ready"}.
/// `onEvent(frame, receivedAt)` sees every later frame (receivedAt from performance.now()).
function connect(base, token, onEvent) {
  const url = base.replace(/^http/, 'ws') + '/ws?access_token=' + encodeURIComponent(token);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let ready = false;
    ws.on('message', (raw) => {
      const at = performance.now();
      const frame = JSON.parse(raw);
      if (!ready && frame.type === 'ready') {
        ready = true;
        resolve(ws);
      } else if (onEvent) {
        onEvent(frame, at);
      }
    });
    ws.once('error', (err) => (ready ? undefined : reject(err)));
    ws.once('close', (code) => (ready ? undefined : reject(new Error(`closed ${code} before ready`))));
  });
}

/// Runs `open(i)` for i in [0, n) with at most `parallel` in flight (a burst of 10,000 handshakes
/// would only measure the accept queue).
async function openMany(n, parallel, open) {
  const out = new Array(n);
  let next = 0;
  async function lane() {
    while (next < n) {
      const i = next++;
      out[i] = await open(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, lane));
  return out;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

async function metricsText(base) {
  const res = await fetch(base + '/metrics');
  return res.ok ? res.text() : '';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { WebSocket, api, login, connect, openMany, percentile, rssKiB, metricsText, sleep };
