#!/usr/bin/env node
// Two `emporium serve` instances sharing one database and one Redis: an event produced on
// instance A reaches a WebSocket client connected to instance B, exactly once.
//
//   scripts/with-services redis -- node tests/realtime/ws-redis-e2e.js <path/to/emporium>
//
// Needs EMPORIUM_TEST_REDIS_URL (exported by with-services). Both instances use one SQLite file
// (or E2E_DATABASE_URL). Exit status 0 when every check passed.
'use strict';
const fs = require('fs');
const path = require('path');
const {
  Run, Client, seedShop, registerCustomer, placePaidOrder, sleep,
} = require('./ws-lib');

const run = new Run('ws-redis-e2e');
const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary || !fs.existsSync(binary)) run.fail(`usage: ws-redis-e2e.js <emporium binary> (got ${process.argv[2]})`);
const redisUrl = process.env.EMPORIUM_TEST_REDIS_URL;
if (!redisUrl) run.fail('EMPORIUM_TEST_REDIS_URL is not set: run under scripts/with-services redis');

const admin = { email: 'admin@example.com', password: 'Admin-Passphrase-ws' };

async function main() {
  const database = process.env.E2E_DATABASE_URL || `sqlite://${path.join(run.work, 'emporium.db')}`;
  const envFor = (label) => run.baseEnv({ DATA_DIR: path.join(run.work, `data-${label}`), DATABASE_URL: database, REDIS_URL: redisUrl });
  run.createUser(binary, envFor('a'), { ...admin, role: 'admin' });
  const a = await run.startServer(binary, envFor('a'), 'instance-a');
  const b = await run.startServer(binary, envFor('b'), 'instance-b');
  console.log(`ws-redis-e2e: A at ${a.url}, B at ${b.url}, redis ${redisUrl}`);

  const { variantId } = await seedShop(run, a.url, admin);
  const buyer = await registerCustomer(run, a.url, 'buyer');

  const onB = new Client(`${b.url.replace(/^http/, 'ws')}/ws`, { headers: { Authorization: `Bearer ${buyer.token}` } });
  run.check(await onB.opened, 'the buyer connects to instance B');
  run.check(await onB.next((f) => f.type === 'ready'), 'B sends ready');
  const onA = new Client(`${a.url.replace(/^http/, 'ws')}/ws`, { headers: { Authorization: `Bearer ${buyer.token}` } });
  run.check(await onA.opened && await onA.next((f) => f.type === 'ready'), 'and, from another tab, to instance A');
  // Each instance SUBSCRIBEs to the user's channel in the background after the join.
  await sleep(300);

  const order = await placePaidOrder(run, a.url, buyer, variantId, 'redis');
  const isPaid = (f) => f.type === 'order.updated' && f.data.order_id === order.id && f.data.status === 'paid';
  run.check(await onB.next(isPaid), 'the order paid on A reaches the client on B', onB.frames);
  run.check(await onA.next(isPaid), 'and the client on A', onA.frames);
  await sleep(500);
  run.check(onB.count(isPaid) === 1, 'B delivers it exactly once', onB.count(isPaid));
  run.check(onA.count(isPaid) === 1, 'A delivers it exactly once', onA.count(isPaid));

  // The order room on B, joined after the fact, receives a change made through A.
  const sub = await onB.ask('subscribe', { room: `order:${order.id}` });
  run.check(sub && sub.type === 'subscribed', 'the buyer subscribes to the order on B', sub);
  await sleep(300);
  const cancel = await placePaidOrder(run, a.url, buyer, variantId, 'redis-2');
  run.check(await onB.next((f) => f.type === 'order.updated' && f.data.order_id === cancel.id), 'a second order reaches B too');

  onA.close();
  onB.close();
  for (const server of [a, b]) {
    const exit = await run.stopServer(server);
    run.check(exit.code === 0, `${server.label} exits 0`, exit);
  }
  run.finish();
}

main().catch((e) => run.fail(e.stack || String(e)));
