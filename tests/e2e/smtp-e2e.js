#!/usr/bin/env node
// The verification e-mail travels over real SMTP and its link works.
//
//   scripts/with-services smtp -- node tests/e2e/smtp-e2e.js <path/to/emporium>
//
// Starts `emporium serve` with SMTP_URL pointing at the sink (tests/support/smtp-sink.js, which
// stores each message as <n>.eml + <n>.json in EMPORIUM_TEST_SMTP_DIR) and PUBLIC_URL at the
// server itself, registers a user, waits for the mail, opens the link exactly as written in the
// text part, and checks GET /api/v1/me reports email_verified true. Exit status 0 on success.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

let work = null;
let server = null;
let checks = 0;

const binary = process.argv[2] && path.resolve(process.argv[2]);
const smtpUrl = process.env.EMPORIUM_TEST_SMTP_URL;
const smtpDir = process.env.EMPORIUM_TEST_SMTP_DIR;
if (!binary || !fs.existsSync(binary)) fail(`usage: smtp-e2e.js <emporium binary> (got ${process.argv[2]})`);
if (!smtpUrl || !smtpDir) fail('EMPORIUM_TEST_SMTP_URL / EMPORIUM_TEST_SMTP_DIR are not set: run under scripts/with-services smtp');

work = fs.mkdtempSync(path.join(os.tmpdir(), 'emporium-smtp-e2e.'));

function fail(message) {
  console.error(`smtp-e2e: FAIL: ${message}`);
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (work) console.error(`smtp-e2e: logs kept in ${work}`);
  process.exit(1);
}

// `detail` is shown only on failure (it may hold response bodies).
function check(condition, message, detail) {
  if (!condition) fail(detail ? `${message}: ${detail}` : message);
  checks += 1;
  console.log(`  ok ${checks} - ${message}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// A port below the kernel's ephemeral range (so no client socket beside us holds it) that we could
/// bind a moment ago. PUBLIC_URL must name the port before the server starts, hence no `--port 0`.
async function freePort() {
  const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  for (;;) {
    const port = 10000 + Math.floor(Math.random() * (low - 10000));
    const free = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

function request(method, url, { body, token } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = {};
    if (data) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': data.length });
    if (token) headers.Authorization = `Bearer ${token}`;
    const req = http.request(url, { method, headers, timeout: 15000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch (e) { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

// --- a small MIME reader: enough for multipart/alternative with quoted-printable or base64 parts.
function splitEntity(text) {
  const normalized = text.replace(/\r\n/g, '\n');
  const blank = normalized.indexOf('\n\n');
  const head = blank < 0 ? normalized : normalized.slice(0, blank);
  const body = blank < 0 ? '' : normalized.slice(blank + 2);
  const headers = {};
  head.replace(/\n[ \t]/g, ' ').split('\n').forEach((line) => {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!(name in headers)) headers[name] = line.slice(colon + 1).trim();
    }
  });
  return { headers, body };
}

function decodeQuotedPrintable(s) {
  const bytes = Buffer.from(s.replace(/[ \t]+$/gm, '').replace(/=\n/g, ''), 'binary');
  const out = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x3d && /^[0-9A-Fa-f]{2}$/.test(String.fromCharCode(bytes[i + 1], bytes[i + 2]))) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16));
      i += 2;
    } else {
      out.push(bytes[i]);
    }
  }
  return Buffer.from(out).toString('utf8');
}

function decodeWords(value) {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=(\s+(?==\?))?/g, (_, charset, enc, text) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQuotedPrintable(text.replace(/_/g, ' ')));
}

function parseMessage(raw) {
  const top = splitEntity(raw);
  const parts = {};
  const collect = (entity) => {
    const type = (entity.headers['content-type'] || 'text/plain').toLowerCase();
    if (type.startsWith('multipart/')) {
      const m = /boundary="?([^";]+)"?/i.exec(entity.headers['content-type']);
      if (!m) return;
      const delimiter = `--${m[1]}`;
      const pieces = entity.body.split(new RegExp(`^${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*$`, 'm'));
      pieces.slice(1, -1).forEach((p) => collect(splitEntity(p.replace(/^\n/, '').replace(/\n$/, ''))));
      return;
    }
    const cte = (entity.headers['content-transfer-encoding'] || '7bit').toLowerCase();
    const body = cte === 'quoted-printable' ? decodeQuotedPrintable(entity.body)
      : cte === 'base64' ? Buffer.from(entity.body, 'base64').toString('utf8') : entity.body;
    const kind = type.startsWith('text/html') ? 'html' : type.startsWith('text/plain') ? 'text' : null;
    if (kind && !(kind in parts)) parts[kind] = body;
  };
  collect(top);
  const headers = {};
  Object.entries(top.headers).forEach(([k, v]) => { headers[k] = decodeWords(v); });
  return { headers, text: parts.text, html: parts.html };
}

async function waitForMail(to, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const name of fs.readdirSync(smtpDir).sort()) {
      if (!name.endsWith('.eml') || name.startsWith('.')) continue;
      const file = path.join(smtpDir, name);
      const message = parseMessage(fs.readFileSync(file, 'latin1'));
      if (message.headers.to === to) {
        const envelopeFile = file.replace(/\.eml$/, '.json');
        const envelope = fs.existsSync(envelopeFile) ? JSON.parse(fs.readFileSync(envelopeFile, 'utf8')) : null;
        return { file, message, envelope };
      }
    }
    await sleep(100);
  }
  return null;
}

async function main() {
  // Another test may bind the port between our check and the server's bind: a server that exits
  // before it listens is started again on another port.
  const stdoutFile = path.join(work, 'stdout.log');
  const logFile = path.join(work, 'server.log');
  let env = null;
  let publicUrl = null;
  let baseUrl = null;
  let exited = null;
  for (let attempt = 1; attempt <= 3 && !baseUrl; attempt++) {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME || work,
      DATA_DIR: path.join(work, 'data'),
      DATABASE_URL: process.env.E2E_DATABASE_URL || `sqlite://${path.join(work, 'emporium.db')}`,
      SMTP_URL: smtpUrl,
      MAIL_FROM: 'Emporium E2E <no-reply@emporium.test>',
      PUBLIC_URL: publicUrl,
      EMPORIUM_ENV: 'test',
      LOG_FORMAT: 'json',
      LOG_LEVEL: process.env.LOG_LEVEL || 'info',
      PASSWORD_HASH_OPS: '1',
      PASSWORD_HASH_MEMORY_KIB: '8',
    };
    exited = null;
    server = spawn(binary, ['serve', '--port', String(port)], {
      cwd: work, env, stdio: ['ignore', fs.openSync(stdoutFile, 'w'), fs.openSync(logFile, 'w')],
    });
    server.on('exit', (code, signal) => { exited = { code, signal }; });
    for (let i = 0; i < 600 && !baseUrl && !exited; i++) {
      const m = /listening on (http:\/\/\S+)/.exec(fs.readFileSync(stdoutFile, 'utf8'));
      if (m) baseUrl = m[1];
      else await sleep(50);
    }
    if (baseUrl || !exited) break;
    console.log(`smtp-e2e: the server exited at start on port ${port} (attempt ${attempt})`);
  }
  if (!baseUrl) fail(`the server did not start: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
  console.log(`smtp-e2e: server at ${baseUrl}, SMTP sink ${smtpUrl}`);

  const email = `smtp.e2e.${Date.now().toString(36)}@example.com`;
  const reg = await request('POST', `${baseUrl}/api/v1/auth/register`, {
    body: { email, password: 'Smtp-E2E-Passphrase', first_name: 'Grace', last_name: 'Hopper' },
  });
  check(reg.status === 201, 'register answers 201', `got ${reg.status} ${reg.text.slice(0, 500)}`);
  check(reg.json.user.email_verified === false, 'the new user is not verified yet');
  const token = reg.json.access_token;

  const received = await waitForMail(email, 20000);
  check(received !== null, `a message to ${email} reached the SMTP server`);
  const { message, envelope } = received;
  check(message.headers['x-emporium-template'] === 'verify_email', 'it is the verify_email template');
  check(/\S/.test(message.headers.subject || ''), `it has a subject ("${message.headers.subject}")`);
  check(/^Emporium E2E <no-reply@emporium\.test>$/.test(message.headers.from || ''), `From is MAIL_FROM ("${message.headers.from}")`);
  check(Boolean(message.headers['message-id']) && Boolean(message.headers.date), 'it has Message-ID and Date');
  check(typeof message.text === 'string' && typeof message.html === 'string', 'it has a text and an HTML part');
  check(envelope && envelope.mail_from === 'no-reply@emporium.test', `envelope MAIL FROM (${envelope && envelope.mail_from})`);
  check(envelope && envelope.rcpt_to.length === 1 && envelope.rcpt_to[0] === email, 'envelope RCPT TO is the user only');

  const link = /(https?:\/\/[^\s"<>]+\/api\/v1\/auth\/verify-email\?token=[A-Za-z0-9_-]+)/.exec(message.text);
  check(link !== null, 'the text part carries the verification link');
  check(link[1].startsWith(`${publicUrl}/`), `the link starts with PUBLIC_URL (${link[1].split('?')[0]})`);
  check(message.html.includes(link[1].split('token=')[1]), 'the HTML part carries the same token');

  const outbox = path.join(env.DATA_DIR, 'outbox');
  check(!fs.existsSync(outbox) || fs.readdirSync(outbox).length === 0, 'with SMTP_URL set nothing goes to the outbox folder');

  const opened = await request('GET', link[1]);
  check(opened.status === 200, 'opening the link answers 200', `got ${opened.status} ${opened.text.slice(0, 500)}`);
  check(opened.json && opened.json.user && opened.json.user.email_verified === true, 'the answer shows the user verified',
    opened.text.slice(0, 500));

  const me = await request('GET', `${baseUrl}/api/v1/me`, { token });
  check(me.status === 200 && me.json.email_verified === true, 'GET /me reports email_verified true',
    `got ${me.status} ${me.text.slice(0, 500)}`);

  const again = await request('GET', link[1]);
  check(again.status === 400, `the link works once (second open: ${again.status})`);

  server.kill('SIGTERM');
  for (let i = 0; i < 300 && !exited; i++) await sleep(50);
  check(exited !== null, 'the server stops on SIGTERM');
  check(exited.code === 0, `the server exits with status 0 (got ${JSON.stringify(exited)})`);
  console.log(`smtp-e2e: all ${checks} checks passed`);
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((e) => fail(e.stack || String(e)));
