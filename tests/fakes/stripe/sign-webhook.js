#!/usr/bin/env node
// Prints a Stripe-Signature header for a payload, made by the official `stripe` package, so the
// C++ verifier is checked against Stripe's own signing code rather than our reading of the docs.
//
//   node sign-webhook.js <secret> <timestamp> < payload     → t=...,v1=...
'use strict';

const path = require('path');
const Stripe = require(require.resolve('stripe', { paths: [path.join(__dirname, '..', '..')] }));

const [secret, timestamp] = process.argv.slice(2);
let payload = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { payload += chunk; });
process.stdin.on('end', () => {
  const stripe = Stripe('sk_test_x');
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Number(timestamp) });
  process.stdout.write(header);
});
