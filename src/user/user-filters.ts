import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { applyIdFilter, applyStringFilter, mapStringFilter } from '../common/keystone-inputs';
import { normaliseEmail } from '../common/normalise';
import { UserWhereInput } from './dto/user.input';

/** The fields `UserOrderByInput` orders by. */
export const USER_ORDER_FIELDS = ['name', 'email', 'createdAt'] as const;

/**
 * Keystone's `UserWhereInput` on the users of a query (`alias`: the users' alias), shared by the `users`
 * query and the to-many field `CustomerGroup.users`.
 */
export function applyUserWhere<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  where: UserWhereInput | null | undefined,
): SelectQueryBuilder<T> {
  if (!where) return qb;
  applyIdFilter(qb, `${alias}.id`, where.id);
  // Stored emails are normalised: so is every value they are compared with, whatever the operator.
  applyStringFilter(qb, `${alias}.email`, mapStringFilter(where.email, normaliseEmail));
  applyStringFilter(qb, `${alias}.name`, where.name);
  if (where.hasRole === true) qb.andWhere(`${alias}.roleId IS NOT NULL`);
  if (where.hasRole === false) qb.andWhere(`${alias}.roleId IS NULL`);
  if (typeof where.emailVerified === 'boolean') {
    qb.andWhere(`${alias}.emailVerified = :${alias}EmailVerified`, { [`${alias}EmailVerified`]: where.emailVerified });
  }
  if (where.role) {
    const role = `${alias}_role`;
    qb.innerJoin(`${alias}.role`, role);
    applyIdFilter(qb, `${role}.id`, where.role.id);
    applyStringFilter(qb, `${role}.name`, where.role.name);
  }
  return qb;
}
