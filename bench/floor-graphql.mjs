// The GraphQL floor of `npm run bench`: a bare Fastify + Apollo Server 5 (@as-integrations/fastify)
// answering `{ authenticatedItem { id } }` (the same document the service's scenario sends) with one
// indexed row read from PostgreSQL (the user FLOOR_USER_ID), pool of the service's size. No Nest, no
// guard, no credential, no DataLoaders: what the framework pair and one round trip cost on this machine.
//   FLOOR_PORT, FLOOR_DATABASE_URL (postgres://…), FLOOR_SCHEMA, FLOOR_USER_ID, FLOOR_POOL (default 20)
import { ApolloServer } from '@apollo/server';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify from 'fastify';
import pg from 'pg';

const { FLOOR_PORT, FLOOR_DATABASE_URL, FLOOR_SCHEMA, FLOOR_USER_ID, FLOOR_POOL = '20' } = process.env;
const pool = new pg.Pool({
  connectionString: FLOOR_DATABASE_URL,
  options: `-c search_path=${FLOOR_SCHEMA}`,
  max: Number(FLOOR_POOL),
});
pool.on('error', () => {});

const typeDefs = /* GraphQL */ `
  type User {
    id: ID!
    name: String
    email: String
  }
  type Query {
    authenticatedItem: User
  }
`;
const resolvers = {
  Query: {
    authenticatedItem: async () => {
      const { rows } = await pool.query('SELECT id, name, email FROM users WHERE id = $1', [FLOOR_USER_ID]);
      return rows[0] ?? null;
    },
  },
};

const fastify = Fastify({ logger: false });
const apollo = new ApolloServer({ typeDefs, resolvers, plugins: [fastifyApolloDrainPlugin(fastify)] });
await apollo.start();
await fastify.register(fastifyApollo(apollo));
await fastify.listen({ port: Number(FLOOR_PORT), host: '127.0.0.1' });

process.on('SIGTERM', () => {
  fastify
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
});
process.send?.('ready');
