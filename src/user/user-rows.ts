import { EntityManager } from 'typeorm';
import { columnList, PreparedStatement, preparedText } from '../database/sql';
import { UserEntity } from './user.entity';

/**
 * `SELECT <every column, listed> FROM users WHERE id = $1`: a user's row for hydrate, as a named prepared
 * statement on PostgreSQL (authenticatedItem, updateActiveUser's read), planned once per connection.
 */
export function userByIdStatement(manager: EntityManager): PreparedStatement | string {
  return preparedText('user-by-id', `SELECT ${columnList(manager, UserEntity)} FROM users WHERE id = $1`);
}
