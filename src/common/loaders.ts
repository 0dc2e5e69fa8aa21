import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import DataLoader from 'dataloader';

/**
 * Per-request DataLoaders, created on first use: `loaders.get('User.addresses', batchFn).load(id)`.
 * Nested GraphQL fields go through these, so a list of N parents costs one query per field, not N.
 */
export class LoaderRegistry {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  get<K, V>(name: string, batch: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
    let loader = this.loaders.get(name) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = new DataLoader<K, V>(batch, { maxBatchSize: 500 });
      this.loaders.set(name, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}

/** The request's LoaderRegistry (GraphQL resolvers). */
export const Loaders = createParamDecorator((_data: unknown, context: ExecutionContext): LoaderRegistry => {
  const ctx = GqlExecutionContext.create(context).getContext<{ loaders?: LoaderRegistry }>();
  ctx.loaders ??= new LoaderRegistry();
  return ctx.loaders;
});

/** Groups rows by a key, in the order of `keys` (for one-to-many DataLoaders). */
export function groupBy<T, K>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const map = new Map<K, T[]>();
  for (const row of rows) {
    const k = keyOf(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

/** Picks one row per key, in the order of `keys` (for many-to-one DataLoaders). */
export function indexBy<T, K>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): (T | null)[] {
  const map = new Map<K, T>();
  for (const row of rows) map.set(keyOf(row), row);
  return keys.map((k) => map.get(k) ?? null);
}

/**
 * The part of a loader's name that tells its field arguments apart (`User.addresses {"take":2}`): a
 * to-many field asked with different arguments in one request gets one loader per set of arguments.
 */
export function argumentsKey(args: object): string {
  return JSON.stringify(args, (_key, value: unknown) => (value === null ? undefined : value));
}
