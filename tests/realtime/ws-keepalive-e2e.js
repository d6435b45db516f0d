#!/usr/bin/env node
// /ws keep-alive: the server pings an idle connection, keeps one whose client answers, and drops
// one whose client stays silent (no pong), with short REALTIME_PING_* settings.
//
//   node tests/realtime/ws-keepalive-e2e.js <path/to/emporium>
'use strict';
const fs = require('fs');
const path = require('path');
const { Run, Client, registerCustomer, sleep } = require('./ws-lib');

const run = new Run('ws-keepalive-e2e');
const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary || !fs.existsSync(binary)) run.fail(`usage: ws-keepalive-e2e.js <emporium binary> (got ${process.argv[2]})`);

async function main() {
  const env = run.baseEnv({
    DATA_DIR: path.join(run.work, 'data'),
    DATABASE_URL: `sqlite://${path.join(run.work, 'emporium.db')}`,
    REALTIME_PING_INTERVAL_MS: '400',
    REALTIME_PING_TIMEOUT_MS: '400',
  });
  const server = await run.startServer(binary, env, 'server');
  const user = await registerCustomer(run, server.url, 'idle');
  const url = `${server.url.replace(/^http/, 'ws')}/ws?access_token=${encodeURIComponent(user.token)}`;

  const polite = new Client(url);
  let pings = 0;
  polite.ws.on('ping', () => { pings += 1; });
  const mute = new Client(url, { autoPong: false });
  run.check(await polite.opened && await mute.opened, 'two idle clients connect');
  run.check(await polite.next((f) => f.type === 'ready') && await mute.next((f) => f.type === 'ready'), 'both are ready');

  const dropped = await mute.waitClosed(4000);
  run.check(dropped, 'a client that never answers pings is dropped after the ping timeout', dropped);
  await sleep(1000);
  run.check(pings >= 2, 'the server pings an idle connection', pings);
  run.check(!polite.closed && (await polite.ask('ping')).type === 'pong', 'a client that answers pings stays connected');

  polite.close();
  const exit = await run.stopServer(server);
  run.check(exit.code === 0, 'the server exits 0', exit);
  run.finish();
}

main().catch((e) => run.fail(e.stack || String(e)));
