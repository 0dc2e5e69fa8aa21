// A webhook receiver that verifies Identity Hub's signatures (Standard Webhooks), with Node alone.
//   WEBHOOK_SECRET=whsec_… node docs/examples/webhook-receiver.mjs      (listens on PORT, default 4000)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.WEBHOOK_SECRET ?? '';
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const TOLERANCE_S = 300; // refuse replays of old messages
const seen = new Set(); // webhook-id: deliveries are at least once, so the same id may come again

function verified(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'] ?? '';
  if (!id || !timestamp || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_S) return false;
  const expected = Buffer.from(`v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`);
  return signatures.split(' ').some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), expected));
}

createServer((req, res) => {
  let body = ''; // the raw body: verify before parsing
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (!verified(req.headers, body)) {
      res.writeHead(401).end();
      return;
    }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      const event = JSON.parse(body);
      console.log(id, event.type, JSON.stringify(event.data));
    }
    res.writeHead(204).end(); // any 2xx; 410 Gone disables the endpoint; anything else is retried
  });
}).listen(Number(process.env.PORT ?? 4000));
