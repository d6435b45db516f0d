// Fan-out latency: CLIENTS staff connections (all in the `admin` room), then EVENTS low-stock
// crossings triggered through the REST API; for each event and each client, the delay between
// sending the request that crossed the threshold and the client receiving its admin.event.
// That delay includes the request's own handling and commit, so it is an upper bound of
// commit → receipt.
//   node bench/realtime/fanout.js <base-url> <admin-email> <password> [clients=1000] [events=300]
'use strict';
const { api, login, connect, openMany, percentile, sleep } = require('./common');

const [base, email, password, clientsArg = '1000', eventsArg = '300'] = process.argv.slice(2);
const clients = Number(clientsArg);
const events = Number(eventsArg);

async function main() {
  const token = await login(base, email, password);
  const inventory = await api(base, 'GET', '/api/v1/admin/inventory?limit=1', token);
  const item = inventory.items[0];
  const variant = item.variant_id;
  const threshold = item.low_stock_threshold;
  let available = item.available;

  // One crossing in flight at a time (the next is triggered once every client received this one,
  // or after 5 s), so every low-stock admin.event of the variant belongs to the current crossing.
  let current = null;  // {sent, received: [], done}
  const onEvent = (frame, at) => {
    if (frame.type !== 'admin.event' || frame.data.type !== 'inventory.low_stock') return;
    if (frame.data.variant_id !== variant || current === null) return;
    current.received.push(at - current.sent);
    if (current.received.length === clients) current.done();
  };

  const started = performance.now();
  const sockets = await openMany(clients, 50, () => connect(base, token, onEvent));
  console.log(`connected ${sockets.length} staff clients in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const adjust = async (delta) => {
    const v = await api(base, 'POST', `/api/v1/admin/inventory/${variant}/adjustments`, token, { delta, reason: 'fan-out bench' });
    available = v.inventory.available;
  };

  const latencies = [];
  let incomplete = 0;
  for (let e = 0; e < events; e++) {
    // Restock to threshold + 1 (no event: stock going up), then take one: the crossing.
    if (available !== threshold + 1) await adjust(threshold + 1 - available);
    const receipt = new Promise((resolve) => {
      current = { sent: 0, received: [], done: resolve };
    });
    current.sent = performance.now();
    await adjust(-1);
    const timedOut = await Promise.race([receipt.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) incomplete++;
    latencies.push(...current.received);
    current = null;
  }

  latencies.sort((a, b) => a - b);
  const ms = (x) => x.toFixed(2);
  console.log(`events ${events}, clients ${clients}, deliveries ${latencies.length} (expected ${events * clients}), ` +
              `events not delivered to every client within 5 s: ${incomplete}`);
  console.log(`fan-out latency ms (request sent → frame received): p50 ${ms(percentile(latencies, 50))} ` +
              `p90 ${ms(percentile(latencies, 90))} p99 ${ms(percentile(latencies, 99))} max ${ms(latencies[latencies.length - 1])}`);
  for (const s of sockets) s.terminate();
  process.exit(incomplete === 0 && latencies.length === events * clients ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
