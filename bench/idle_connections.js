// Opens N keep-alive connections, sends one request on each, holds them idle for a while, then
// checks every one still answers. Prints how many were held and the server's RSS (from /proc).
//   node bench/idle_connections.js <port> <server-pid> [connections=2000] [idle-seconds=10]
'use strict';
const net = require('net');
const fs = require('fs');

const [port, pid, count = '2000', idle = '10'] = process.argv.slice(2);
const n = Number(count);
const request = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

function rssMiB() {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

function ask(socket) {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (chunk) => {
      data += chunk;
      if (data.includes('\r\n\r\n') && data.includes('"ok"')) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(request);
  });
}

async function main() {
  const before = rssMiB();
  const sockets = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(Number(port), '127.0.0.1');
    s.setNoDelay(true);
    await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    sockets.push(s);
  }
  await Promise.all(sockets.map(ask));
  const held = rssMiB();
  await new Promise((r) => setTimeout(r, Number(idle) * 1000));
  let alive = 0;
  await Promise.all(sockets.map((s) => ask(s).then(() => { alive++; }, () => {})));
  console.log(JSON.stringify({
    connections: n, still_answering_after_idle: alive, idle_seconds: Number(idle),
    rss_before_mib: before.toFixed(1), rss_with_connections_mib: held.toFixed(1),
    per_connection_kib: (((held - before) * 1024) / n).toFixed(1),
  }));
  sockets.forEach((s) => s.destroy());
}
main().catch((e) => { console.error(e); process.exit(1); });
