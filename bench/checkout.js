#!/usr/bin/env node
// Checkout throughput: N concurrent customers, each looping "3 cart lines → POST /orders (simulated
// payment, pm_card_visa)" against a running server, for a fixed duration. Prints orders/s, POST
// /orders latency percentiles, the SQL statements of one order (X-Sql-Statements, outside
// production), the error count, and the jobs (receipts) still waiting when the load stops with the
// time they take to drain (orders_per_second_jobs_included counts that time). Plain Node http with keep-alive agents (no dependencies).
//
//   node bench/checkout.js <base-url> <admin-token> [customers=32] [seconds=20]
'use strict';
const http = require('http');

const [base, adminToken, customersArg, secondsArg] = process.argv.slice(2);
if (!base || !adminToken) {
  console.error('usage: checkout.js <base-url> <admin-token> [customers] [seconds]');
  process.exit(2);
}
const customers = Number(customersArg || 32);
const seconds = Number(secondsArg || 20);
const url = new URL(base);

function request(agent, method, path, token, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({
      host: url.hostname, port: url.port, method, path, agent,
      headers: Object.assign({'content-type': 'application/json', 'content-length': data ? data.length : 0},
                             token ? {authorization: `Bearer ${token}`} : {}, headers),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch (_) { /* not JSON */ }
        resolve({status: res.statusCode, headers: res.headers, json, text});
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

function must(r, status, what) {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

async function setup(agent) {
  const cat = must(await request(agent, 'POST', '/api/v1/admin/categories', adminToken,
                                 {name: `Bench ${Date.now()}`}), 201, 'category');
  const variants = [];
  for (let i = 0; i < 3; i++) {
    const p = must(await request(agent, 'POST', '/api/v1/admin/products', adminToken, {
      name: `Bench product ${i} ${Date.now()}`, description: 'benchmark product', category_id: cat.id,
      variants: [{sku: `BENCH-${Date.now()}-${i}`, options: {size: 'M'}, price: {amount: 1000 + i * 250, currency: 'USD'},
                  weight_grams: 400, stock: 100000000}],
    }), 201, 'product');
    variants.push(p.variants[0].id);
  }
  return variants;
}

// The customers are created by checkout.sh with `emporium user create` (sign-ups are throttled per
// address, as they should be); here they only sign in.
async function customer(agent, n) {
  const r = must(await request(agent, 'POST', '/api/v1/auth/login', null,
                               {email: `bench-customer-${n}@example.com`, password: 'bench-password-2026'}),
                 200, 'login');
  return r.access_token;
}

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
}

(async () => {
  const setupAgent = new http.Agent({keepAlive: true, maxSockets: 4});
  const variants = await setup(setupAgent);
  const tokens = [];
  for (let i = 0; i < customers; i++) tokens.push(await customer(setupAgent, i));
  const address = {name: 'Bench Customer', line1: '1 Bench Street', city: 'Berlin', postal_code: '10115', country: 'DE'};

  const latencies = [];
  let orders = 0, errors = 0, statements = null, firstError = null;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(tokens.map(async (token, n) => {
    const agent = new http.Agent({keepAlive: true, maxSockets: 1});
    let seq = 0;
    while (Date.now() < deadline) {
      try {
        for (const [i, v] of variants.entries()) {
          must(await request(agent, 'POST', '/api/v1/cart/items', token, {variant_id: v, quantity: 1 + (i % 2)}), 201, 'cart');
        }
        const t0 = process.hrtime.bigint();
        const r = await request(agent, 'POST', '/api/v1/orders', token,
                                {address, shipping_method: 'standard', payment_method_id: 'pm_card_visa'},
                                {'idempotency-key': `bench-${process.pid}-${n}-${seq++}`});
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        must(r, 201, 'order');
        if (r.json.status !== 'paid') throw new Error(`order not paid: ${r.json.status}`);
        if (statements === null && r.headers['x-sql-statements']) statements = Number(r.headers['x-sql-statements']);
        orders++;
      } catch (e) {
        errors++;
        if (!firstError) firstError = e.message;
      }
    }
  }));
  const elapsed = (Date.now() - started) / 1000;
  // The receipts (and any other job the orders enqueued) that the runner has not finished yet: work
  // the orders/s above did not pay for. Wait for the queue to drain and count that time too.
  const admin = new http.Agent({keepAlive: true, maxSockets: 1});
  const pending = async () => {
    const s = must(await request(admin, 'GET', '/api/v1/admin/jobs/stats', adminToken), 200, 'job stats');
    return s.due + s.running;
  };
  const jobsPendingAtEnd = await pending();
  let drainSeconds = 0;
  for (let left = jobsPendingAtEnd; left > 0 && drainSeconds < 120;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    drainSeconds = (Date.now() - started) / 1000 - elapsed;
    left = await pending();
  }
  latencies.sort((a, b) => a - b);
  const out = {
    customers, seconds: Number(elapsed.toFixed(1)), orders, orders_per_second: Number((orders / elapsed).toFixed(1)),
    jobs_pending_at_end: jobsPendingAtEnd, seconds_to_drain_jobs: Number(drainSeconds.toFixed(1)),
    orders_per_second_jobs_included: Number((orders / (elapsed + drainSeconds)).toFixed(1)),
    post_orders_ms: {p50: +percentile(latencies, 50).toFixed(2), p90: +percentile(latencies, 90).toFixed(2),
                     p99: +percentile(latencies, 99).toFixed(2), max: +(latencies[latencies.length - 1] || 0).toFixed(2)},
    sql_statements_per_order: statements, errors, first_error: firstError,
  };
  console.log(JSON.stringify(out, null, 2));
  process.exit(errors > 0 && orders === 0 ? 1 : 0);
})().catch((e) => { console.error(e.message); process.exit(1); });
