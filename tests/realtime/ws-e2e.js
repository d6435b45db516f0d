#!/usr/bin/env node
// GET /ws against the real binary with the stock `ws` client: authentication (header, query,
// first frame, refused, expiry and renewal), rooms and ownership checks, order.updated when an
// order is paid, malformed and oversized frames, and the going-away close on SIGTERM.
//
//   node tests/realtime/ws-e2e.js <path/to/emporium>
//
// Starts `emporium serve --port 0` on a fresh SQLite file (or E2E_DATABASE_URL) in a temp dir.
// Exit status 0 when every check passed.
'use strict';
const fs = require('fs');
const path = require('path');
const {
  Run, Client, request, forgeToken, seedShop, registerCustomer, placePaidOrder, sleep,
} = require('./ws-lib');

const run = new Run('ws-e2e');
const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary || !fs.existsSync(binary)) run.fail(`usage: ws-e2e.js <emporium binary> (got ${process.argv[2]})`);

const kMaxPayload = 4096;
const kTokenTtl = 60;
const kSendQueueLimit = 16;
const admin = { email: 'admin@example.com', password: 'Admin-Passphrase-ws' };

async function main() {
  const env = run.baseEnv({
    DATA_DIR: path.join(run.work, 'data'),
    DATABASE_URL: process.env.E2E_DATABASE_URL || `sqlite://${path.join(run.work, 'emporium.db')}`,
    REALTIME_MAX_PAYLOAD: String(kMaxPayload),
    REALTIME_SEND_QUEUE_LIMIT: String(kSendQueueLimit),
    ACCESS_TOKEN_TTL_SECONDS: String(kTokenTtl),
  });
  run.createUser(binary, env, { ...admin, role: 'admin' });
  const server = await run.startServer(binary, env, 'server');
  const base = server.url;
  const wsUrl = base.replace(/^http/, 'ws') + '/ws';
  console.log(`ws-e2e: server at ${base}`);

  // --- the endpoint refuses what is not a valid upgrade -----------------------------------------
  const plain = await request('GET', `${base}/ws`);
  run.check(plain.status === 426, 'a plain GET /ws answers 426', plain.text);
  run.check((plain.headers['content-type'] || '').startsWith('application/problem+json'), '426 is problem+json');
  run.check(plain.headers.upgrade === 'websocket', '426 names the protocol in Upgrade');

  const { adminToken, variantId } = await seedShop(run, base, admin);
  const buyer = await registerCustomer(run, base, 'buyer');
  const other = await registerCustomer(run, base, 'other');

  const badQuery = new Client(`${wsUrl}?access_token=not-a-token`);
  run.check(!(await badQuery.opened) && badQuery.unexpected && badQuery.unexpected.status === 401,
    'a bad token in the query refuses the upgrade with 401', badQuery.unexpected);
  run.check(badQuery.unexpected.json && badQuery.unexpected.json.status === 401, 'the 401 carries problem+json');

  const badHeader = new Client(wsUrl, { headers: { Authorization: 'Bearer nope' } });
  run.check(!(await badHeader.opened) && badHeader.unexpected && badHeader.unexpected.status === 401,
    'a bad token in the Authorization header refuses the upgrade with 401');

  // Started now, checked at the end: nobody authenticates on this one within the 10 s allowed.
  const silent = new Client(wsUrl);
  run.check(await silent.opened, 'an upgrade without a token is accepted, pending the auth frame');

  const rude = new Client(wsUrl);
  await rude.opened;
  rude.send({ type: 'subscribe', data: { room: 'admin' } });
  const rudeClose = await rude.waitClosed();
  run.check(rudeClose && rudeClose.code === 4401, 'a frame other than auth first closes with 4401', rudeClose);

  const wrongAuth = new Client(wsUrl);
  await wrongAuth.opened;
  wrongAuth.send({ type: 'auth', data: { token: 'forged.token.value' } });
  const wrongClose = await wrongAuth.waitClosed();
  run.check(wrongClose && wrongClose.code === 4401, 'a bad token in the auth frame closes with 4401', wrongClose);

  // --- the three ways to authenticate -----------------------------------------------------------
  const viaHeader = new Client(wsUrl, { headers: { Authorization: `Bearer ${buyer.token}` } });
  run.check(await viaHeader.opened, 'the header token is accepted');
  const ready = await viaHeader.next((f) => f.type === 'ready');
  run.check(ready && ready.data.user_id === buyer.id, 'ready names the user', ready);
  run.check(ready.data.rooms.length === 1 && ready.data.rooms[0] === `user:${buyer.id}`,
    'a customer joins only their own user room', ready.data.rooms);
  run.check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(ready.data.expires_at), 'ready carries the token expiry (RFC 3339)');
  const pong = await viaHeader.ask('ping');
  run.check(pong && pong.type === 'pong', 'ping is answered with pong, echoing data.id', pong);

  const viaQuery = new Client(`${wsUrl}?access_token=${encodeURIComponent(other.token)}`);
  run.check(await viaQuery.opened, 'the access_token query parameter is accepted');
  run.check(await viaQuery.next((f) => f.type === 'ready' && f.data.user_id === other.id), 'ready for the query token');

  const viaFrame = new Client(wsUrl);
  await viaFrame.opened;
  viaFrame.send({ type: 'auth', data: { token: adminToken } });
  const adminReady = await viaFrame.next((f) => f.type === 'ready');
  run.check(adminReady && adminReady.data.rooms.includes('admin'), 'the auth frame works, and staff join admin', adminReady);

  // --- events and ownership -------------------------------------------------------------------
  const order = await placePaidOrder(run, base, buyer, variantId, 'first');
  const paid = await viaHeader.next((f) => f.type === 'order.updated' && f.data.order_id === order.id &&
    f.data.status === 'paid');
  run.check(paid, 'the buyer receives order.updated when the order is paid', viaHeader.frames.slice(-5));
  run.check(paid.data.user_id === buyer.id, 'order.updated carries the order and user ids');
  const adminEvent = await viaFrame.next((f) => f.type === 'admin.event');
  run.check(adminEvent, 'staff receive admin.event for the new order', viaFrame.frames.slice(-5));
  await sleep(200);
  run.check(viaQuery.count((f) => f.type === 'order.updated') === 0, 'another customer receives none of it');

  const stolen = await viaQuery.ask('subscribe', { room: `order:${order.id}` });
  run.check(stolen && stolen.type === 'error' && stolen.data.code === 'forbidden' && stolen.data.room === `order:${order.id}`,
    'another customer cannot subscribe to the order', stolen);
  const missing = await viaQuery.ask('subscribe', { room: 'order:999999999' });
  run.check(missing && missing.type === 'error' && missing.data.code === 'forbidden',
    'nor learn whether some other order exists', missing);
  const otherUser = await viaQuery.ask('subscribe', { room: `user:${buyer.id}` });
  run.check(otherUser && otherUser.data.code === 'forbidden', "nor join another customer's user room", otherUser);
  const adminRoom = await viaQuery.ask('subscribe', { room: 'admin' });
  run.check(adminRoom && adminRoom.data.code === 'forbidden', 'nor the admin room', adminRoom);
  const garbage = await viaQuery.ask('subscribe', { room: 'order:abc' });
  run.check(garbage && garbage.data.code === 'invalid_argument', 'a malformed room name is invalid_argument', garbage);

  const own = await viaHeader.ask('subscribe', { room: `order:${order.id}` });
  run.check(own && own.type === 'subscribed' && own.data.room === `order:${order.id}`, 'the buyer subscribes to the order', own);
  const staffOrder = await viaFrame.ask('subscribe', { room: `order:${order.id}` });
  run.check(staffOrder && staffOrder.type === 'subscribed', 'staff may subscribe to any order', staffOrder);

  const mark = viaHeader.frames.length;
  const shipped = await request('POST', `${base}/api/v1/admin/orders/${order.id}/status`, {
    token: adminToken, body: { status: 'processing' },
  });
  run.check(shipped.status === 200, 'the admin moves the order to processing', shipped.text);
  const processing = await viaHeader.next((f) => f.type === 'order.updated' && f.data.status === 'processing', 5000, mark);
  run.check(processing, 'the order room delivers the status change', viaHeader.frames.slice(mark));
  await sleep(200);
  run.check(viaHeader.count((f, i) => f.type === 'order.updated' && f.data.status === 'processing') === 2,
    'a client in user:{id} and order:{id} gets the event once per room');

  const left = await viaHeader.ask('unsubscribe', { room: `order:${order.id}` });
  run.check(left && left.type === 'unsubscribed', 'unsubscribe is confirmed', left);

  // --- malformed input never breaks the connection ----------------------------------------------
  viaQuery.send('this is not json');
  run.check(await viaQuery.next((f) => f.type === 'error' && f.data.code === 'bad_request'), 'non-JSON text gets an error frame');
  const unknown = await viaQuery.ask('teleport', {});
  run.check(unknown && unknown.type === 'error' && unknown.data.code === 'invalid_argument', 'an unknown type gets an error frame', unknown);
  const noRoom = await viaQuery.ask('subscribe', {});
  run.check(noRoom && noRoom.data.code === 'invalid_argument' && /room/.test(noRoom.data.message), 'subscribe without a room is refused', noRoom);
  const before = viaQuery.frames.length;
  viaQuery.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  run.check(await viaQuery.next((f) => f.type === 'error', 5000, before), 'a binary frame gets an error frame');
  run.check((await viaQuery.ask('ping')).type === 'pong', 'and the connection still works');

  viaQuery.send('x'.repeat(kMaxPayload + 1));
  const tooBig = await viaQuery.waitClosed();
  run.check(tooBig && tooBig.code === 1009, 'a frame above REALTIME_MAX_PAYLOAD closes with 1009', tooBig);

  // --- token expiry and renewal -----------------------------------------------------------------
  const now = Math.floor(Date.now() / 1000);
  const expiring = forgeToken(run.jwtSecret, { userId: buyer.id, role: 'customer', issuedAt: now - kTokenTtl + 3, ttlSeconds: kTokenTtl });
  const lapses = new Client(wsUrl, { headers: { Authorization: `Bearer ${expiring}` } });
  const renews = new Client(wsUrl, { headers: { Authorization: `Bearer ${expiring}` } });
  run.check(await lapses.opened && await renews.opened, 'tokens about to expire are still accepted');
  await renews.next((f) => f.type === 'ready');
  const renewed = await renews.ask('auth', { token: buyer.token });
  run.check(renewed && renewed.type === 'authenticated', 'a fresh token in an auth frame is accepted', renewed);
  const hijack = await renews.ask('auth', { token: other.token });
  run.check(hijack && hijack.type === 'error' && hijack.data.code === 'forbidden', "another user's token cannot take over", hijack);
  const lapsed = await lapses.waitClosed(8000);
  run.check(lapsed && lapsed.code === 4401, 'the connection closes with 4401 when its token expires', lapsed);
  await sleep(500);
  run.check(!renews.closed && (await renews.ask('ping')).type === 'pong', 'the renewed connection outlives the old token');

  const silentClose = await silent.waitClosed(12000);
  run.check(silentClose && silentClose.code === 4401, 'no auth frame within the timeout closes with 4401', silentClose);

  // --- a client that does not read is disconnected, not buffered for ---------------------------
  const slow = new Client(wsUrl, { headers: { Authorization: `Bearer ${other.token}` } });
  run.check(await slow.opened && await slow.next((f) => f.type === 'ready'), 'a client that will stop reading connects');
  slow.ws._socket.pause();  // its receive window fills up, then the server's writes stall
  const bigId = 'x'.repeat(kMaxPayload - 100);
  for (let i = 0; i < 8000 && !slow.closed; i++) {
    slow.send({ type: 'ping', data: { id: bigId } });  // each pong echoes ~4 KB back
    if (i % 500 === 499) await sleep(20);
  }
  await sleep(1000);
  slow.ws._socket.resume();
  const dropped = await slow.waitClosed(15000);
  run.check(dropped && (dropped.code === 1008 || dropped.code === 1006),
    `past ${kSendQueueLimit} queued frames the slow client is disconnected (1008, or cut)`, dropped);
  run.check((await viaHeader.ask('ping')).type === 'pong', 'other connections are unaffected');

  // --- shutdown -------------------------------------------------------------------------------
  const exit = await run.stopServer(server);
  const goingAway = await viaHeader.waitClosed();
  run.check(goingAway && goingAway.code === 1001, 'SIGTERM closes open sockets with 1001 going away', goingAway);
  run.check(exit.code === 0, 'the server exits 0 after draining', exit);
  run.finish();
}

main().catch((e) => run.fail(e.stack || String(e)));
