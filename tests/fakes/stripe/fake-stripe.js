#!/usr/bin/env node
// A small Stripe API stand-in for Emporium's integration tests: it speaks Stripe's wire format
// (form-encoded bodies with nested keys, Bearer auth, error objects, Idempotency-Key replay) for
// exactly the endpoints StripeProvider calls, with Stripe's test payment methods.
//
//   node fake-stripe.js --port 0 [--secret sk_test_x]   prints "PORT=<n>" once listening
//
// Test controls (not Stripe):
//   POST /__control {"fail_next": n, "status": 500}         the next n API requests fail with status
//   POST /__control {"delay_next": n, "delay_ms": 3000}     the next n API requests answer late
//   POST /__control {"authenticate": "pi_..."}              the customer completed 3-D Secure
//   POST /__control {"reset": true}                         forget faults and recorded requests
//   GET  /__requests                                        [{method, path, idempotency_key, body, ...}]
'use strict';

const http = require('http');
const crypto = require('crypto');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const expectedSecret = option('--secret', null);

// Stripe's test payment methods (https://docs.stripe.com/testing), as in SimulatedProvider.
const TEST_CARDS = {
  visa: { brand: 'visa', last4: '4242', outcome: 'succeed' },
  mastercard: { brand: 'mastercard', last4: '4444', outcome: 'succeed' },
  chargeDeclined: { brand: 'visa', last4: '0002', outcome: 'decline', decline_code: 'card_declined',
    message: 'Your card was declined.' },
  insufficientFunds: { brand: 'visa', last4: '9995', outcome: 'decline', decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.' },
  authenticationRequired: { brand: 'visa', last4: '3184', outcome: 'authenticate' },
};

const state = {
  faults: { fail: 0, failStatus: 500, delay: 0, delayMs: 0 },
  requests: [],
  idempotency: new Map(),   // key → {fingerprint, status, body}
  customers: new Map(),
  paymentMethods: new Map(), // id → {card name, customer}
  intents: new Map(),
  charges: new Map(),       // charge id → {fee, refunded}
};

const randomId = (prefix) => prefix + crypto.randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 24);
const fee = (amount) => Math.floor((amount * 29 + 500) / 1000) + 30;
const now = () => Math.floor(Date.now() / 1000);

// application/x-www-form-urlencoded with Stripe's nested keys: a[b]=1, a[]=x, a[b][c]=2.
function parseForm(text) {
  const out = {};
  if (!text) return out;
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const decode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    const path = [key.split('[')[0], ...Array.from(key.matchAll(/\[([^\]]*)\]/g), (m) => m[1])];
    let node = out;
    for (let i = 0; i < path.length; i++) {
      const name = path[i];
      const last = i === path.length - 1;
      if (name === '') {  // "[]": append
        if (last) node.push(value);
        else { const child = {}; node.push(child); node = child; }
        continue;
      }
      if (last) { node[name] = value; continue; }
      if (node[name] === undefined) node[name] = path[i + 1] === '' ? [] : {};
      node = node[name];
    }
  }
  return out;
}

function stripeError(status, error) {
  return { status, body: { error } };
}
const missing = (param, what) => stripeError(404, { type: 'invalid_request_error', code: 'resource_missing', param,
  message: `No such ${what}` });
const invalid = (param, message, code = 'parameter_invalid') =>
  stripeError(400, { type: 'invalid_request_error', code, param, message });

function testCardOf(id) {
  for (const prefix of ['pm_card_', 'tok_']) {
    if (id.startsWith(prefix)) return TEST_CARDS[id.slice(prefix.length)] ? id.slice(prefix.length) : null;
  }
  const saved = state.paymentMethods.get(id);
  return saved ? saved.card : null;
}

function paymentMethodObject(id, card, customer) {
  const c = TEST_CARDS[card];
  return { id, object: 'payment_method', type: 'card', customer: customer || null,
    card: { brand: c.brand, last4: c.last4, exp_month: 12, exp_year: 2034 } };
}

function intentObject(intent, expand) {
  const out = { ...intent };
  delete out.card;
  if (intent.latest_charge && expand.includes('latest_charge.balance_transaction')) {
    const charge = state.charges.get(intent.latest_charge);
    out.latest_charge = { id: intent.latest_charge, object: 'charge',
      balance_transaction: { id: charge.txn, object: 'balance_transaction', fee: charge.fee } };
  }
  return out;
}

function charge(intent) {
  const id = randomId('ch_');
  state.charges.set(id, { fee: fee(intent.amount), refunded: 0, txn: randomId('txn_') });
  intent.status = 'succeeded';
  intent.latest_charge = id;
  intent.next_action = null;
}

const expandOf = (params) => (Array.isArray(params.expand) ? params.expand : []);

const routes = [
  ['POST', /^\/v1\/customers$/, (p) => {
    const customer = { id: randomId('cus_'), object: 'customer', email: p.email || null, name: p.name || null };
    state.customers.set(customer.id, customer);
    return { status: 200, body: customer };
  }],
  ['POST', /^\/v1\/payment_methods$/, (p) => {
    if (p.type !== 'card') return invalid('type', 'Only card payment methods are supported here.');
    const card = p.card && p.card.token ? testCardOf(p.card.token) : null;
    if (!card) return missing('card[token]', `token: '${p.card && p.card.token}'`);
    const id = randomId('pm_');
    state.paymentMethods.set(id, { card, customer: null });
    return { status: 200, body: paymentMethodObject(id, card, null) };
  }],
  ['GET', /^\/v1\/payment_methods\/([^/]+)$/, (p, [id]) => {
    const card = testCardOf(id);
    if (!card) return missing('payment_method', `PaymentMethod '${id}'`);
    const saved = state.paymentMethods.get(id);
    return { status: 200, body: paymentMethodObject(id, card, saved && saved.customer) };
  }],
  ['POST', /^\/v1\/payment_methods\/([^/]+)\/attach$/, (p, [id]) => {
    const card = testCardOf(id);
    if (!card) return missing('payment_method', `PaymentMethod '${id}'`);
    if (!p.customer) return invalid('customer', 'Missing required param: customer.', 'parameter_missing');
    if (!state.customers.has(p.customer)) return missing('customer', `customer: '${p.customer}'`);
    const test = TEST_CARDS[card];
    if (test.outcome === 'decline') {
      return stripeError(402, { type: 'card_error', code: 'card_declined', decline_code: test.decline_code,
        message: test.message });
    }
    // Attaching a shared test method (pm_card_visa) makes a new PaymentMethod, as at Stripe.
    const attachedId = state.paymentMethods.has(id) ? id : randomId('pm_');
    state.paymentMethods.set(attachedId, { card, customer: p.customer });
    return { status: 200, body: paymentMethodObject(attachedId, card, p.customer) };
  }],
  ['POST', /^\/v1\/payment_methods\/([^/]+)\/detach$/, (p, [id]) => {
    const saved = state.paymentMethods.get(id);
    if (!saved || !saved.customer) return missing('payment_method', `PaymentMethod '${id}' attached to a customer`);
    saved.customer = null;
    return { status: 200, body: paymentMethodObject(id, saved.card, null) };
  }],
  ['POST', /^\/v1\/payment_intents$/, (p) => {
    const amount = Number.parseInt(p.amount, 10);
    if (!(amount > 0) || String(amount) !== p.amount) return invalid('amount', 'Invalid positive integer');
    if (!/^[a-z]{3}$/.test(p.currency || '')) return invalid('currency', 'Invalid currency');
    if (!p.payment_method) return invalid('payment_method', 'Missing required param: payment_method.', 'parameter_missing');
    const card = testCardOf(p.payment_method);
    if (!card) return missing('payment_method', `PaymentMethod '${p.payment_method}'`);
    const id = randomId('pi_');
    const intent = { id, object: 'payment_intent', amount, currency: p.currency, customer: p.customer || null,
      payment_method: p.payment_method, metadata: p.metadata || {}, description: p.description || null,
      status: 'requires_confirmation', client_secret: `${id}_secret_${randomId('')}`, latest_charge: null,
      last_payment_error: null, next_action: null, created: now(), card };
    state.intents.set(id, intent);
    if (p.confirm !== 'true') return { status: 200, body: intentObject(intent, expandOf(p)) };
    const test = TEST_CARDS[card];
    if (test.outcome === 'decline' || (test.outcome === 'authenticate' && p.off_session === 'true')) {
      const code = test.outcome === 'decline' ? 'card_declined' : 'authentication_required';
      const decline = test.decline_code || 'authentication_required';
      const message = test.message || 'Your card was declined. This transaction requires authentication.';
      intent.status = 'requires_payment_method';
      intent.last_payment_error = { type: 'card_error', code, decline_code: decline, message };
      return stripeError(402, { type: 'card_error', code, decline_code: decline, message,
        payment_intent: intentObject(intent, expandOf(p)) });
    }
    if (test.outcome === 'authenticate') {
      intent.status = 'requires_action';
      intent.next_action = { type: 'use_stripe_sdk' };
    } else {
      charge(intent);
    }
    return { status: 200, body: intentObject(intent, expandOf(p)) };
  }],
  ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (p, [id]) => {
    const intent = state.intents.get(id);
    if (!intent) return missing('intent', `payment_intent: '${id}'`);
    return { status: 200, body: intentObject(intent, expandOf(p)) };
  }],
  ['POST', /^\/v1\/payment_intents\/([^/]+)\/confirm$/, (p, [id]) => {
    const intent = state.intents.get(id);
    if (!intent) return missing('intent', `payment_intent: '${id}'`);
    if (intent.status === 'requires_confirmation') charge(intent);
    return { status: 200, body: intentObject(intent, expandOf(p)) };
  }],
  ['POST', /^\/v1\/payment_intents\/([^/]+)\/cancel$/, (p, [id]) => {
    const intent = state.intents.get(id);
    if (!intent) return missing('intent', `payment_intent: '${id}'`);
    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      return invalid('intent', 'You cannot cancel this PaymentIntent because it has a status of ' +
        `${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ` +
        'requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.',
      'payment_intent_unexpected_state');
    }
    const reasons = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'];
    if (p.cancellation_reason !== undefined && !reasons.includes(p.cancellation_reason)) {
      return invalid('cancellation_reason', 'Invalid cancellation_reason');
    }
    intent.status = 'canceled';
    intent.cancellation_reason = p.cancellation_reason || null;
    intent.canceled_at = now();
    intent.next_action = null;
    return { status: 200, body: intentObject(intent, expandOf(p)) };
  }],
  ['POST', /^\/v1\/refunds$/, (p) => {
    const intent = state.intents.get(p.payment_intent || '');
    if (!intent) return missing('payment_intent', `payment_intent: '${p.payment_intent}'`);
    if (intent.status !== 'succeeded') return invalid('payment_intent', 'This PaymentIntent has no successful charge.');
    const c = state.charges.get(intent.latest_charge);
    const amount = p.amount === undefined ? intent.amount - c.refunded : Number.parseInt(p.amount, 10);
    if (!(amount > 0)) return invalid('amount', 'Invalid positive integer');
    if (c.refunded + amount > intent.amount) {
      return invalid('amount', `Refund amount (${amount}) is greater than unrefunded amount on charge`, 'amount_too_large');
    }
    c.refunded += amount;
    return { status: 200, body: { id: randomId('re_'), object: 'refund', amount, currency: intent.currency,
      payment_intent: intent.id, charge: intent.latest_charge, metadata: p.metadata || {}, status: 'succeeded' } };
  }],
];

function route(method, path, params) {
  for (const [m, pattern, handler] of routes) {
    const match = path.match(pattern);
    if (match && m === method) return handler(params, match.slice(1).map(decodeURIComponent));
  }
  return stripeError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': randomId('req_'), ...headers });
  res.end(text);
}

function control(res, body) {
  const c = body ? JSON.parse(body) : {};
  if (c.reset) {
    state.faults = { fail: 0, failStatus: 500, delay: 0, delayMs: 0 };
    state.requests = [];
  }
  if (c.fail_next !== undefined) Object.assign(state.faults, { fail: c.fail_next, failStatus: c.status || 500 });
  if (c.delay_next !== undefined) Object.assign(state.faults, { delay: c.delay_next, delayMs: c.delay_ms || 0 });
  if (c.authenticate) {
    const intent = state.intents.get(c.authenticate);
    if (!intent) return send(res, 404, { error: 'no such intent' });
    if (intent.status === 'requires_action') charge(intent);
  }
  return send(res, 200, { ok: true });
}

function handleApi(req, res, body) {
  const url = new URL(req.url, 'http://fake-stripe');
  const key = req.headers['idempotency-key'] || null;
  const params = parseForm(req.method === 'GET' ? url.search.slice(1) : body);
  state.requests.push({ method: req.method, path: url.pathname, idempotency_key: key, body: params, raw_body: body,
    stripe_version: req.headers['stripe-version'] || null, content_type: req.headers['content-type'] || null });

  const auth = req.headers.authorization || '';
  const secret = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  if (!secret.startsWith('sk_') || (expectedSecret && secret !== expectedSecret)) {
    return send(res, 401, { error: { type: 'invalid_request_error',
      message: 'You did not provide a valid API key. Provide it as a Bearer token.' } });
  }
  if (state.faults.fail > 0) {
    state.faults.fail -= 1;
    // Stripe keeps no idempotent result for a request that failed before it executed.
    return send(res, state.faults.failStatus, { error: { type: 'api_error', message: 'Injected failure.' } });
  }
  if (req.method === 'POST' && key) {
    const fingerprint = `${url.pathname}?${body}`;
    const known = state.idempotency.get(key);
    if (known && known.fingerprint !== fingerprint) {
      return send(res, 400, { error: { type: 'idempotency_error', message:
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } });
    }
    if (known) return send(res, known.status, known.body, { 'Idempotent-Replayed': 'true' });
    const answer = route(req.method, url.pathname, params);
    state.idempotency.set(key, { fingerprint, ...answer });
    return send(res, answer.status, answer.body, { 'Idempotency-Key': key });
  }
  const answer = route(req.method, url.pathname, params);
  return send(res, answer.status, answer.body);
}

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    try {
      if (req.url === '/__control' && req.method === 'POST') return control(res, body);
      if (req.url === '/__requests' && req.method === 'GET') return send(res, 200, state.requests);
      if (state.faults.delay > 0) {
        state.faults.delay -= 1;
        return setTimeout(() => { if (!res.destroyed) handleApi(req, res, body); }, state.faults.delayMs);
      }
      return handleApi(req, res, body);
    } catch (e) {
      return send(res, 500, { error: { type: 'api_error', message: String(e && e.message) } });
    }
  });
});

server.listen(Number(option('--port', '0')), '127.0.0.1', () => {
  process.stdout.write(`PORT=${server.address().port}\n`);
});
// The test that started us closes our stdin when it is done (or dies).
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
