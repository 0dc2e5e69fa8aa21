// The REST floor of `npm run bench`: bare node:http + pg running the service's PATCH statement
// (`UPDATE identity_identifiers SET value = $1 WHERE type = $2 AND value = $3`) on the same schema, with a
// pool of the service's size. No framework, no validation, no credential: what the HTTP stack and one
// round trip to PostgreSQL cost on this machine, which is the most a PATCH can reach here.
//   FLOOR_PORT, FLOOR_DATABASE_URL (postgres://…), FLOOR_SCHEMA, FLOOR_POOL (default 20)
import { createServer } from 'node:http';
import pg from 'pg';

const { FLOOR_PORT, FLOOR_DATABASE_URL, FLOOR_SCHEMA, FLOOR_POOL = '20' } = process.env;
const pool = new pg.Pool({
  connectionString: FLOOR_DATABASE_URL,
  options: `-c search_path=${FLOOR_SCHEMA}`,
  max: Number(FLOOR_POOL),
});
pool.on('error', () => {}); // an idle client's error: the next query reconnects

const SQL = 'UPDATE identity_identifiers SET value = $1 WHERE type = $2 AND value = $3';
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function send(res, status, body) {
  res.writeHead(status, JSON_HEADERS).end(body);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let oldValue;
    let newValue;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      oldValue = body.old_identifier.uuid;
      newValue = body.new_identifier.uuid;
      if (typeof oldValue !== 'string' || typeof newValue !== 'string') throw new Error('not strings');
    } catch {
      return send(res, 400, '{"error":"there must be exactly 1 entry for both new and old identifiers"}');
    }
    pool.query(SQL, [newValue, 'uuid', oldValue]).then(
      (result) => (result.rowCount ? send(res, 200, '{}') : send(res, 404, '{"error":"user not found"}')),
      (error) =>
        error.code === '23505'
          ? send(res, 400, '{"error":"new identifier already has a user assigned to it: bad request"}')
          : send(res, 500, JSON.stringify({ error: error.message })),
    );
  });
});
server.keepAliveTimeout = 65_000;

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  pool.end().finally(() => process.exit(0));
});
server.listen(Number(FLOOR_PORT), '127.0.0.1', () => process.send?.('ready'));
