#!/usr/bin/env node
// Socket.IO end to end: the stock socket.io-client against the real `emporium serve`.
//
//   node tests/realtime/socketio-e2e.js <path/to/emporium>
//
// Starts the server on a port of the kernel's choosing (`--port 0`) with a temporary SQLite
// database (or E2E_DATABASE_URL, or with E2E_DATABASE=mariadb the MariaDB of scripts/with-services),
// creates an admin with `emporium user create`, registers two customers through the REST API and
// checks: connect with auth {token} over polling only, websocket only and polling upgraded to
// websocket; the access_token query parameter; rejection without or with a bad token
// (connect_error "unauthorized"); Engine.IO errors for an unknown sid or transport, a malformed or
// oversized polling body; a subscribe
// ack for the customer's own order and a refusal for another customer's; `order.updated` when an
// order is paid with the simulated processor. Exit status 0 on success.
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const nodeModules = path.join(__dirname, '..', 'node_modules');
const { io } = require(path.join(nodeModules, 'socket.io-client'));

const NAME = 'socketio-e2e';
let work = null;
let server = null;
let checks = 0;
const sockets = [];

const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary || !fs.existsSync(binary)) fail(`usage: ${NAME}.js <emporium binary> (got ${process.argv[2]})`);
work = fs.mkdtempSync(path.join(os.tmpdir(), `emporium-${NAME}.`));

function fail(message) {
  console.error(`${NAME}: FAIL: ${message}`);
  for (const s of sockets) s.disconnect();
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (work) console.error(`${NAME}: logs kept in ${work}`);
  process.exit(1);
}

function check(condition, message, detail) {
  if (!condition) fail(detail ? `${message}: ${detail}` : message);
  checks += 1;
  console.log(`  ok ${checks} - ${message}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function request(method, url, { body, token, raw, idempotencyKey } = {}) {
  return new Promise((resolve, reject) => {
    const data = raw !== undefined ? Buffer.from(raw) : body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = {};
    if (data) Object.assign(headers, { 'Content-Type': raw ? 'text/plain' : 'application/json', 'Content-Length': data.length });
    if (token) headers.Authorization = `Bearer ${token}`;
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
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

async function startServer(env) {
  const stdoutFile = path.join(work, 'stdout.log');
  server = spawn(binary, ['serve', '--port', '0'], {
    cwd: work, env, stdio: ['ignore', fs.openSync(stdoutFile, 'w'), fs.openSync(path.join(work, 'server.log'), 'w')],
  });
  server.on('exit', (code, signal) => {
    if (!stopping) fail(`server exited early (code ${code}, signal ${signal}); see ${work}/server.log`);
  });
  for (let i = 0; i < 300; i += 1) {
    const m = /listening on (http:\/\/\S+)/.exec(fs.readFileSync(stdoutFile, 'utf8'));
    if (m) return m[1].replace('0.0.0.0', '127.0.0.1');
    await sleep(100);
  }
  fail('server did not start');
}
let stopping = false;

/// Connects and resolves with the socket once connected, or rejects with the connect_error.
function connect(base, options) {
  const socket = io(base, { reconnection: false, forceNew: true, timeout: 5000, ...options });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      // The client gives up (reconnection is off); the error is the server's CONNECT_ERROR message.
      socket.disconnect();
      reject(err);
    });
  });
}

function emitWithAck(socket, event, payload) {
  return within(5000, new Promise((resolve) => socket.emit(event, payload, resolve)), `ack of ${event}`);
}

/// Records every event of `type`; wait(pred) resolves with the first recorded one matching.
function recorder(socket, type) {
  const seen = [];
  const waiters = [];
  socket.on(type, (data) => {
    seen.push(data);
    for (const w of waiters.splice(0)) {
      if (w.pred(data)) w.resolve(data); else waiters.push(w);
    }
  });
  return {
    wait(pred, what) {
      const hit = seen.find(pred);
      if (hit) return Promise.resolve(hit);
      return within(10000, new Promise((resolve) => waiters.push({ pred, resolve })), what);
    },
  };
}

const ADDRESS = {
  name: 'Sam Shopper', line1: '1 Market Street', city: 'Berlin', postal_code: '10115', country: 'DE', lat: 52.52, lng: 13.405,
};

async function main() {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || work,
    DATA_DIR: path.join(work, 'data'),
    DATABASE_URL: process.env.E2E_DATABASE_URL
      || (process.env.E2E_DATABASE === 'mariadb' && process.env.EMPORIUM_TEST_MARIADB_URL)
      || `sqlite://${path.join(work, 'emporium.db')}`,
    JWT_SECRET: `e2e-${Math.random().toString(36).slice(2)}-${Date.now()}-socketio-secret-0123456789`,
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    // Short heartbeat so that the polling transport round-trips several times during the test.
    REALTIME_PING_INTERVAL_MS: '500',
    REALTIME_PING_TIMEOUT_MS: '2000',
    REALTIME_MAX_PAYLOAD: '4096',
  };
  const runId = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const adminEmail = `admin-${runId}@example.com`;
  const adminPassword = 'socket admin passphrase 2026';
  execFileSync(binary, ['user', 'create', '--email', adminEmail, '--password', adminPassword, '--role', 'admin'],
    { cwd: work, env, stdio: 'ignore' });
  const base = await startServer(env);
  const api = (p) => `${base}/api/v1${p}`;

  // --- accounts and a product (as in tests/e2e/checkout.postman_collection.json)
  const admin = await request('POST', api('/auth/login'), { body: { email: adminEmail, password: adminPassword } });
  check(admin.status === 200, 'admin logs in', admin.text);
  const adminToken = admin.json.access_token;
  const register = async (who) => {
    const r = await request('POST', api('/auth/register'), {
      body: { email: `${who}-${runId}@example.com`, password: 'correct horse battery', first_name: who, last_name: 'Test' },
    });
    check(r.status === 201, `${who} registers`, r.text);
    return r.json.access_token;
  };
  const buyerToken = await register('buyer');
  const otherToken = await register('other');
  const category = await request('POST', api('/admin/categories'), { token: adminToken, body: { name: `Socket ${runId}` } });
  check(category.status === 201, 'category created', category.text);
  const product = await request('POST', api('/admin/products'), {
    token: adminToken,
    body: {
      name: `Socket Speaker ${runId}`, description: 'A speaker', category_id: category.json.id,
      variants: [{ sku: `SS-${runId}`, options: { colour: 'red' }, price: { amount: 2500, currency: 'USD' }, weight_grams: 400, stock: 10 }],
    },
  });
  check(product.status === 201, 'product created', product.text);
  const variantId = product.json.variants[0].id;

  // --- Engine.IO errors on raw requests
  const unknownSid = await request('GET', `${base}/socket.io/?EIO=4&transport=polling&sid=nope`);
  check(unknownSid.status === 400 && unknownSid.json && unknownSid.json.code === 1, 'unknown sid → 400 code 1', unknownSid.text);
  const badTransport = await request('GET', `${base}/socket.io/?EIO=4&transport=carrier-pigeon`);
  check(badTransport.status === 400 && badTransport.json && badTransport.json.code === 0, 'unknown transport → 400 code 0', badTransport.text);
  const handshake = await request('GET', `${base}/socket.io/?EIO=4&transport=polling`);
  check(handshake.status === 200 && handshake.text.startsWith('0{'), 'polling handshake', handshake.text);
  const open = JSON.parse(handshake.text.slice(1));
  check(open.pingInterval === 500 && JSON.stringify(open.upgrades) === '["websocket"]', 'open packet carries the configuration', handshake.text);
  const second = JSON.parse((await request('GET', `${base}/socket.io/?EIO=4&transport=polling`)).text.slice(1));
  const tooLarge = await request('POST', `${base}/socket.io/?EIO=4&transport=polling&sid=${second.sid}`,
    { raw: `4${'x'.repeat(5000)}` });
  check(tooLarge.status === 413, 'a polling body above REALTIME_MAX_PAYLOAD → 413', tooLarge.text);
  const afterTooLarge = await request('GET', `${base}/socket.io/?EIO=4&transport=polling&sid=${second.sid}`);
  check(afterTooLarge.status === 400, '... and the session is closed', afterTooLarge.text);
  const garbage = await request('POST', `${base}/socket.io/?EIO=4&transport=polling&sid=${open.sid}`, { raw: '4\u001e9zz' });
  check(garbage.status === 400, 'a malformed polling payload → 400', garbage.text);
  const afterGarbage = await request('GET', `${base}/socket.io/?EIO=4&transport=polling&sid=${open.sid}`);
  check(afterGarbage.status === 400, '... and the session is closed', afterGarbage.text);

  // --- authentication
  for (const [what, options] of [['without a token', {}], ['with a bad token', { auth: { token: 'not-a-token' } }]]) {
    const err = await connect(base, options).then(() => null, (e) => e);
    check(err && err.message === 'unauthorized', `connect_error "unauthorized" ${what}`, err && err.message);
  }
  const viaQuery = await connect(base, { query: { access_token: buyerToken }, transports: ['websocket'] });
  check(viaQuery.connected, 'the access_token query parameter authenticates');
  viaQuery.disconnect();

  // --- transports
  const polling = await connect(base, { auth: { token: buyerToken }, transports: ['polling'], upgrade: false });
  check(polling.io.engine.transport.name === 'polling', 'polling-only client connects');
  await sleep(1200);  // two heartbeats over long-polling
  check(polling.connected, 'polling client survives the heartbeat');
  const pollAck = await emitWithAck(polling, 'subscribe', { room: 'nope:1' });
  check(pollAck && pollAck.ok === false, 'ack over polling', JSON.stringify(pollAck));
  polling.disconnect();

  const websocket = await connect(base, { auth: { token: buyerToken }, transports: ['websocket'] });
  check(websocket.io.engine.transport.name === 'websocket', 'websocket-only client connects');
  websocket.disconnect();

  const buyer = await connect(base, { auth: { token: buyerToken } });
  const upgraded = buyer.io.engine.transport.name === 'websocket' ? Promise.resolve()
    : new Promise((resolve) => buyer.io.engine.once('upgrade', resolve));
  await within(5000, upgraded, 'the upgrade to websocket');
  check(buyer.io.engine.transport.name === 'websocket', 'polling upgrades to websocket');
  const orderEvents = recorder(buyer, 'order.updated');

  // --- an order paid with the simulated processor
  const add = await request('POST', api('/cart/items'), { token: buyerToken, body: { variant_id: variantId, quantity: 1 } });
  check(add.status === 200 || add.status === 201, 'item added to the cart', add.text);
  const order = await request('POST', api('/orders'), {
    token: buyerToken, idempotencyKey: `order-${runId}`, body: { address: ADDRESS, shipping_method: 'standard', payment_method_id: 'pm_card_visa' },
  });
  check(order.status === 201 && order.json.status === 'paid', 'order placed and paid', order.text);
  const orderId = order.json.id;
  const paid = await orderEvents.wait((e) => e.order_id === orderId && e.status === 'paid', 'order.updated (paid)');
  check(paid.user_id !== undefined, 'order.updated "paid" received as a named Socket.IO event', JSON.stringify(paid));

  // --- room ownership
  const own = await emitWithAck(buyer, 'subscribe', { room: `order:${orderId}` });
  check(own && own.ok === true, 'subscribe to own order is acknowledged', JSON.stringify(own));
  const other = await connect(base, { auth: { token: otherToken }, transports: ['websocket'] });
  const theirs = await emitWithAck(other, 'subscribe', { room: `order:${orderId}` });
  check(theirs && theirs.ok === false && theirs.error === 'forbidden', "another customer's order is refused", JSON.stringify(theirs));
  const noRoom = await emitWithAck(other, 'subscribe', {});
  check(noRoom && noRoom.ok === false, 'subscribe without a room is refused', JSON.stringify(noRoom));
  const left = await emitWithAck(buyer, 'unsubscribe', { room: `order:${orderId}` });
  check(left && left.ok === true, 'unsubscribe is acknowledged', JSON.stringify(left));

  for (const s of sockets) s.disconnect();
  stopping = true;
  server.kill('SIGTERM');
  await within(10000, new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', resolve))), 'server exit');
  check(server.exitCode === 0, 'server stops cleanly', `exit code ${server.exitCode}`);
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`${NAME}: ${checks} checks passed`);
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
