import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { OrderTerm } from '../common/keystone-inputs';

export interface ParentPage {
  /** the column holding each row's parent (`a.userId`): the page is counted per parent */
  parent: string;
  /** the columns identifying a row (`['a.id']`, or a join table's key pair) */
  keys: readonly string[];
  /** the order of the rows within a parent, ending with a unique column so that pages are stable */
  order: readonly OrderTerm[];
  skip: number;
  take: number;
}

/** NULLs sort as PostgreSQL sorts them by default (after everything ascending), on SQLite too. */
const nulls = (direction: OrderTerm['direction']) => (direction === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST');

/**
 * Restricts a query that lists the children of several parents at once (a DataLoader batch of a to-many
 * field with Keystone's `take` / `skip`) to each parent's page, in the same single statement: the rows
 * whose number within their parent, in `order`, is in (skip, skip + take], found by a `ROW_NUMBER()`
 * window over the same filtered query (both engines have window functions and row-value `IN`). The
 * query is ordered by `order` too, so each parent's rows come back in their page's order.
 */
export function pagePerParent<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  page: ParentPage,
): SelectQueryBuilder<T> {
  const over = page.order.map((t) => `${t.column} ${t.direction} ${nulls(t.direction)}`).join(', ');
  const numbered = qb.clone().orderBy();
  numbered.select(page.keys.map((key, i) => `${key} AS page_key_${i}`));
  numbered.addSelect(`ROW_NUMBER() OVER (PARTITION BY ${page.parent} ORDER BY ${over})`, 'page_row');
  const keys = page.keys.map((_, i) => `page_key_${i}`).join(', ');
  qb.andWhere(
    `(${page.keys.join(', ')}) IN (SELECT ${keys} FROM (${numbered.getQuery()}) page WHERE page.page_row > :pageSkip AND page.page_row <= :pageEnd)`,
    { pageSkip: page.skip, pageEnd: page.skip + page.take },
  );
  for (const term of page.order) qb.addOrderBy(term.column, term.direction, nulls(term.direction));
  return qb;
}
