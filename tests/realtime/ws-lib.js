// Shared helpers of the /ws node tests: start the real `emporium` binary, call the REST API,
// open WebSocket clients (the `ws` package from tests/node_modules) and wait for their frames.
'use strict';
const { spawn, execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const WebSocket = require(path.join(__dirname, '..', 'node_modules', 'ws'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// A test run: numbered checks, servers to stop and logs to keep when something fails.
class Run {
  constructor(name) {
    this.name = name;
    this.checks = 0;
    this.servers = [];
    this.work = fs.mkdtempSync(path.join(os.tmpdir(), `emporium-${name}.`));
    this.runId = Date.now().toString(36);
    this.jwtSecret = `rt-${crypto.randomBytes(24).toString('hex')}`;
  }

  fail(message) {
    console.error(`${this.name}: FAIL: ${message}`);
    for (const s of this.servers) if (s.process.exitCode === null) s.process.kill('SIGKILL');
    console.error(`${this.name}: logs kept in ${this.work}`);
    process.exit(1);
  }

  // `detail` is shown only on failure.
  check(condition, message, detail) {
    if (!condition) this.fail(detail === undefined ? message : `${message}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
    this.checks += 1;
    console.log(`  ok ${this.checks} - ${message}`);
  }

  /// The environment of every server of this run (same secret, so tokens work on every instance).
  baseEnv(extra = {}) {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME || this.work,
      JWT_SECRET: this.jwtSecret,
      EMPORIUM_ENV: 'test',
      LOG_FORMAT: 'json',
      LOG_LEVEL: process.env.LOG_LEVEL || 'info',
      PASSWORD_HASH_OPS: '1',
      PASSWORD_HASH_MEMORY_KIB: '8',
      RATE_LIMIT_IP_PER_MINUTE: '60000',
      RATE_LIMIT_IP_BURST: '10000',
      ...extra,
    };
  }

  /// `emporium user create` before serving, as the operator would for the first admin.
  createUser(binary, env, { email, password, role }) {
    execFileSync(binary, ['user', 'create', '--email', email, '--password', password, '--role', role],
      { cwd: this.work, env, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /// Starts `emporium serve --port 0` and resolves with {url, port, process, log} once it listens.
  async startServer(binary, env, label) {
    const stdoutFile = path.join(this.work, `${label}.stdout.log`);
    const logFile = path.join(this.work, `${label}.server.log`);
    const child = spawn(binary, ['serve', '--port', '0'], {
      cwd: this.work, env, stdio: ['ignore', fs.openSync(stdoutFile, 'w'), fs.openSync(logFile, 'w')],
    });
    const server = { process: child, log: logFile, label, exit: null };
    child.on('exit', (code, signal) => { server.exit = { code, signal }; });
    this.servers.push(server);
    for (let i = 0; i < 600 && !server.exit; i++) {
      const m = /listening on (http:\/\/(\S+?):(\d+))/.exec(fs.readFileSync(stdoutFile, 'utf8'));
      if (m) {
        server.url = m[1].replace('0.0.0.0', '127.0.0.1');
        server.port = Number(m[3]);
        return server;
      }
      await sleep(50);
    }
    this.fail(`${label} did not start: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    return null;
  }

  async stopServer(server) {
    if (server.exit) return server.exit;
    server.process.kill('SIGTERM');
    for (let i = 0; i < 200 && !server.exit; i++) await sleep(50);
    if (!server.exit) this.fail(`${server.label} did not stop within 10 s of SIGTERM`);
    return server.exit;
  }

  /// Error lines in a server's log (the run fails on unexpected errors).
  errorsIn(server) {
    return fs.readFileSync(server.log, 'utf8').split('\n').filter((l) => /"level":"(error|critical)"/.test(l));
  }

  finish() {
    for (const s of this.servers) {
      const errors = this.errorsIn(s);
      this.check(errors.length === 0, `${s.label} logged no errors`, errors.slice(-5).join('\n'));
    }
    fs.rmSync(this.work, { recursive: true, force: true });
    console.log(`${this.name}: ${this.checks} checks passed`);
  }
}

function request(method, url, { body, token, headers: extra } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = { ...(extra || {}) };
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

/// A WebSocket client that records every frame, so tests can wait for one by predicate.
class Client {
  constructor(url, options = {}) {
    this.frames = [];
    this.waiters = [];
    this.closed = null;  // {code, reason}
    this.unexpected = null;  // {status, body} when the upgrade was refused
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve) => {
      this.ws.on('open', () => resolve(true));
      this.ws.on('unexpected-response', (req, res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          let json;
          try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch (e) { json = undefined; }
          this.unexpected = { status: res.statusCode, headers: res.headers, json };
          resolve(false);
        });
      });
      this.ws.on('error', () => resolve(false));
    });
    this.ws.on('message', (data, isBinary) => {
      let frame;
      try { frame = JSON.parse(data.toString('utf8')); } catch (e) { frame = { type: '<not json>', raw: data.toString('utf8') }; }
      this.frames.push(frame);
      this.poke();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString('utf8') };
      this.poke();
    });
    this.ws.on('error', () => {});
  }

  poke() {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  send(frame) { this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)); }

  /// The first recorded frame (from index `from`) matching `predicate`, or null after `timeoutMs`.
  async next(predicate, timeoutMs = 5000, from = 0) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(predicate);
      if (found) return found;
      if (this.closed || Date.now() >= deadline) return null;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /// Sends a frame with a fresh data.id and waits for the reply carrying it.
  async ask(type, data = {}, timeoutMs = 5000) {
    Client.seq = (Client.seq || 0) + 1;
    const id = `q${Client.seq}`;
    this.send({ type, data: { ...data, id } });
    return this.next((f) => f.data && f.data.id === id, timeoutMs);
  }

  async waitClosed(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    return this.closed;
  }

  count(predicate) { return this.frames.filter(predicate).length; }

  close() { if (!this.closed) this.ws.close(1000); }
}

/// An HS256 access token signed with the run's secret, as the server issues them, with a chosen
/// issue time: lets a test hold a token that expires in a few seconds without waiting out the TTL.
function forgeToken(secret, { userId, role, issuedAt, ttlSeconds }) {
  const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
  const header = b64({ alg: 'HS256', typ: 'JWT' });
  const payload = b64({
    sub: String(userId), role, iat: issuedAt, exp: issuedAt + ttlSeconds, jti: crypto.randomBytes(8).toString('hex'),
  });
  const signature = crypto.createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/// The shop data the order tests need: an admin token, a product variant in stock, and customers.
async function seedShop(run, base, admin) {
  const login = await request('POST', `${base}/api/v1/auth/login`, { body: admin });
  run.check(login.status === 200, 'the admin signs in', login.text);
  const adminToken = login.json.access_token;
  const category = await request('POST', `${base}/api/v1/admin/categories`, {
    token: adminToken, body: { name: `Realtime ${run.runId}` },
  });
  run.check(category.status === 201, 'the admin creates a category', category.text);
  const product = await request('POST', `${base}/api/v1/admin/products`, {
    token: adminToken,
    body: {
      name: `Realtime Lamp ${run.runId}`,
      description: 'A lamp that lights up when your order is paid',
      category_id: category.json.id,
      variants: [{ sku: `RT-${run.runId}`, options: { colour: 'white' }, price: { amount: 1999, currency: 'USD' },
        weight_grams: 500, stock: 50 }],
    },
  });
  run.check(product.status === 201, 'the admin creates a product with stock', product.text);
  return { adminToken, variantId: product.json.variants[0].id };
}

async function registerCustomer(run, base, label) {
  const email = `${label}-${run.runId}@example.com`;
  const reg = await request('POST', `${base}/api/v1/auth/register`, {
    body: { email, password: 'correct horse battery', first_name: label, last_name: 'Realtime' },
  });
  run.check(reg.status === 201, `${label} registers`, reg.text);
  return { token: reg.json.access_token, id: reg.json.user.id, email };
}

const kAddress = {
  name: 'Sam Shopper', line1: '1 Market Street', city: 'Berlin', postal_code: '10115', country: 'DE', lat: 52.52, lng: 13.405,
};

/// Puts one unit in the customer's cart and places a paid order with the simulated processor.
async function placePaidOrder(run, base, customer, variantId, key) {
  const add = await request('POST', `${base}/api/v1/cart/items`, {
    token: customer.token, body: { variant_id: variantId, quantity: 1 },
  });
  run.check(add.status === 200 || add.status === 201, 'the customer adds the product to the cart', add.text);
  const order = await request('POST', `${base}/api/v1/orders`, {
    token: customer.token,
    headers: { 'Idempotency-Key': `rt-${run.runId}-${key}` },
    body: { address: kAddress, shipping_method: 'standard', payment_method_id: 'pm_card_visa' },
  });
  run.check(order.status === 201 && order.json.status === 'paid', 'the order is placed and paid', order.text);
  return order.json;
}

module.exports = {
  Run, Client, WebSocket, request, forgeToken, seedShop, registerCustomer, placePaidOrder, sleep,
};
