import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where the database work of one request goes. Created per request only when DATABASE_REPLICA_URLS is
 * set (replica-routing.ts); `replica` is turned on for a read-only GraphQL query or a REST profile
 * read whose actor has not written in the last REPLICA_STICKY_MS.
 */
export interface ReadContext {
  replica: boolean;
}

export const readContext = new AsyncLocalStorage<ReadContext>();
