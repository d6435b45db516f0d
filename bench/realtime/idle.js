// Memory per idle connection: opens CONNECTIONS authenticated /ws connections (all as one customer:
// the token is checked per connection, and each joins its user room), waits for the server to
// settle, and divides the growth of the server's RSS by the number of connections. Also prints the
// connection gauges the server exposes on /metrics, if any.
//   node bench/realtime/idle.js <base-url> <server-pid> <email> <password> [connections=10000] [idle-seconds=10]
'use strict';
const { login, connect, openMany, rssKiB, metricsText, sleep } = require('./common');

const [base, pid, email, password, countArg = '10000', idleArg = '10'] = process.argv.slice(2);
const count = Number(countArg);

function gauges(text) {
  return text.split('\n').filter((l) => /^[a-z_]*(connection|websocket|realtime|ws_)[a-z_]*(\{[^}]*\})? /i.test(l));
}

async function main() {
  const token = await login(base, email, password);
  await sleep(500);
  const before = rssKiB(pid);
  const started = performance.now();
  let closedEarly = 0;
  const sockets = await openMany(count, 100, async () => {
    const ws = await connect(base, token, null);
    ws.on('close', () => closedEarly++);
    return ws;
  });
  const opened = (performance.now() - started) / 1000;
  await sleep(Number(idleArg) * 1000);
  const after = rssKiB(pid);
  const open = sockets.filter((s) => s.readyState === s.OPEN).length;

  console.log(`opened ${count} /ws connections in ${opened.toFixed(1)} s; open after ${idleArg} s idle: ${open} ` +
              `(closed by the server: ${closedEarly})`);
  console.log(`server RSS ${(before / 1024).toFixed(1)} MiB → ${(after / 1024).toFixed(1)} MiB: ` +
              `${((after - before) / count).toFixed(2)} KiB per idle connection`);
  const reported = gauges(await metricsText(base));
  console.log(reported.length ? `server /metrics: ${reported.join('; ')}` : 'server /metrics: no connection gauge');
  for (const s of sockets) s.terminate();
  process.exit(open === count ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
