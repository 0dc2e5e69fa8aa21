import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/app-error';
import { checkEmail, normalisePhone } from '../common/normalise';
import { CUSTOM_IDENTIFIER_NAME } from './dto/identity-settings.input';
import { IdentityWhereUniqueInput } from './dto/identity-where.input';
import { customIdentifierType, DEFAULT_IDENTIFIER_TYPES, identifierKey } from './identity-codec';
import { ProfileStore } from './profile-store';

/**
 * The stored identifier an `IdentityWhereUniqueInput.identifier` or `email` names (type as stored,
 * value normalised), or a BAD_USER_INPUT saying what is wrong with it.
 */
export function whereIdentifier(where: IdentityWhereUniqueInput, field: string): { type: string; value: string } {
  if (where.email !== undefined && where.email !== null) {
    const checked = checkEmail(where.email);
    if (!('email' in checked)) throw AppError.badInput(`${field}.email is not a valid email address`, { field });
    return { type: 'email', value: checked.email };
  }
  const { type, value: given } = where.identifier!;
  const value = given.trim();
  if (!value) throw AppError.badInput(`${field}.identifier.value cannot be empty`, { field });
  if (type === 'email') return whereIdentifier({ email: value }, field);
  if (type === 'phone_number') {
    const phone = normalisePhone(value);
    if (!phone) throw AppError.badInput(`${field}.identifier.value is not a valid phone number (E.164)`, { field });
    return { type, value: phone };
  }
  if ((DEFAULT_IDENTIFIER_TYPES as readonly string[]).includes(type)) return { type, value };
  if (!CUSTOM_IDENTIFIER_NAME.test(type)) {
    throw AppError.badInput(
      `${field}.identifier.type must be uuid, email, phone_number or a custom identifier name (${CUSTOM_IDENTIFIER_NAME.source})`,
      { field },
    );
  }
  return { type: customIdentifierType(type), value };
}

/**
 * Finds the profile an `IdentityWhereUniqueInput` names, by id (insider_id), email or identifier,
 * following the aliases merges left: a merged profile's id or identifier finds its survivor.
 */
@Injectable()
export class IdentityLocator {
  constructor(private readonly store: ProfileStore) {}

  /** The profile ids, in the order given; null for those that name no profile. */
  async locate(
    manager: EntityManager,
    wheres: readonly { where: IdentityWhereUniqueInput; field: string }[],
  ): Promise<(string | null)[]> {
    const ids = wheres.flatMap(({ where }) => (where.id ? [where.id] : []));
    const identifiers = wheres.map(({ where, field }) => (where.id ? null : whereIdentifier(where, field)));
    const current = ids.length ? await this.store.currentProfileIds(manager, ids) : new Map<string, string>();
    const wanted = identifiers.filter((i): i is { type: string; value: string } => i !== null);
    const owners = wanted.length ? await this.store.ownersOf(manager, wanted) : new Map<string, string>();
    return wheres.map(({ where }, i) =>
      where.id ? (current.get(where.id) ?? null) : (owners.get(identifierKey(identifiers[i]!)) ?? null),
    );
  }

  /** The profile id, or NOT_FOUND naming the field. */
  async require(manager: EntityManager, where: IdentityWhereUniqueInput, field: string): Promise<string> {
    const [id] = await this.locate(manager, [{ where, field }]);
    if (!id) throw AppError.notFound(`No identity matches ${field}`);
    return id;
  }
}
