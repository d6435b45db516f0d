#!/usr/bin/env node
// A real SMTP server on loopback for the tests (npm package smtp-server): accepts every message,
// with or without AUTH, and writes each one as <dir>/<n>.eml (temp file + rename, so a reader
// never sees half a message), plus <dir>/<n>.json with the envelope and the AUTH credentials it
// received (a test fixture: they are recorded so tests can check what the client sent). STARTTLS
// is not offered, so clients using "STARTTLS when offered" stay on plain text.
//
//   node smtp-sink.js <port> <dir>
'use strict';
const fs = require('fs');
const path = require('path');
const { SMTPServer } = require('smtp-server');

const [portArg, dir] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !dir) {
  console.error('usage: node smtp-sink.js <port> <dir>');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });

let counter = 0;

function writeAtomically(file, data) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

const server = new SMTPServer({
  authOptional: true,
  allowInsecureAuth: true,  // AUTH without TLS, so clients can exercise credentials on loopback
  disabledCommands: ['STARTTLS'],
  logger: false,
  size: 10 * 1024 * 1024,
  onAuth(auth, session, callback) {
    // Any credentials are accepted; they are kept with the session for the envelope file.
    callback(null, { user: { username: auth.username, password: auth.password, method: auth.method } });
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', callback);
    stream.on('end', () => {
      if (stream.sizeExceeded) {
        const err = new Error('Message too large');
        err.responseCode = 552;
        callback(err);
        return;
      }
      counter += 1;
      const name = String(counter).padStart(6, '0');
      const final = path.join(dir, `${name}.eml`);
      const envelope = {
        mail_from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        rcpt_to: session.envelope.rcptTo.map((r) => r.address),
        auth: session.user || null,
        client_hostname: session.hostNameAppearsAs,
      };
      try {
        // The .json first: once the .eml appears, its envelope is already there.
        writeAtomically(path.join(dir, `${name}.json`), JSON.stringify(envelope));
        writeAtomically(final, Buffer.concat(chunks));
      } catch (e) {
        const err = new Error('Cannot store the message');
        err.responseCode = 451;
        callback(err);
        return;
      }
      const rcpt = session.envelope.rcptTo.map((r) => r.address).join(',');
      console.log(`stored ${final} from=${session.envelope.mailFrom && session.envelope.mailFrom.address} to=${rcpt}`);
      callback(null, 'Queued');
    });
  },
});
server.on('error', (e) => {
  console.error('smtp-sink:', e.message);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`smtp-sink listening on 127.0.0.1:${server.server.address().port}`));

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
