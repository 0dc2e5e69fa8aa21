import { Injectable } from '@nestjs/common';
import { SelectQueryBuilder } from 'typeorm';
import { AppError } from '../common/app-error';
import { checkEmail } from '../common/normalise';
import { TransactionService } from '../database/transaction.service';
import {
  ATTRIBUTE_NAME_MAX,
  ATTRIBUTE_VALUE_MAX,
  IdentitiesArgs,
  IdentityInput,
  IdentityWhereInput,
} from './dto/identity.input';
import { IdentityProfileEntity } from './identity.entity';
import {
  attributeText,
  attributeValueKey,
  byText,
  CUSTOM_ATTRIBUTE_PREFIX,
  CUSTOM_IDENTIFIER_PREFIX,
  customAttributeKey,
  DEFAULT_IDENTIFIER_TYPES,
} from './identity-codec';
import { Identifier, IdentityAttribute } from './identity.model';
import { PrivacyStore } from './privacy-store';
import { ProfileStore } from './profile-store';

const CONTROL_CHARACTERS = /\p{Cc}/u;
/** attribute conditions one `identities` query may combine (each is one indexed join) */
export const MAX_SEGMENT_CONDITIONS = 10;

const IDENTIFIER_ORDER = new Map<string, number>(DEFAULT_IDENTIFIER_TYPES.map((type, i) => [type, i]));

/** Why an attribute name cannot be used, or null. */
function attributeNameProblem(name: string): string | null {
  if (name.length < 1 || name.length > ATTRIBUTE_NAME_MAX)
    return `the name must be 1 to ${ATTRIBUTE_NAME_MAX} characters`;
  if (CONTROL_CHARACTERS.test(name)) return 'the name cannot contain control characters';
  return null;
}

/** `"name"` for a message, shortened when long. */
function label(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

/** Nosto's identity API (SPEC §3.4) on the shared profile store. */
@Injectable()
export class IdentityService {
  constructor(
    private readonly store: ProfileStore,
    private readonly tx: TransactionService,
    private readonly privacy: PrivacyStore,
  ) {}

  /**
   * Creates the identity when the email (normalised by the DTO) is unknown; given attributes overwrite,
   * others are kept.
   */
  async upsert(input: IdentityInput): Promise<IdentityProfileEntity> {
    const email = input.email;
    const attributes = this.checkAttributes(input.attributes ?? []);
    const names = this.store.unrecordedNames(attributes, []);
    const profileId = await this.tx.run(async (manager) => {
      await this.privacy.refuseSuppressed(manager, [{ type: 'email', value: email }]);
      const { id } = await this.store.ensureProfile(manager, 'email', email);
      await this.store.upsertAttributes(manager, id, attributes);
      await this.store.recordNames(manager, names); // custom attributes new to the metadata catalogue
      return id;
    });
    this.store.rememberNames(names);
    return this.store.profile(this.tx.manager, profileId);
  }

  async byEmail(emailInput: string): Promise<IdentityProfileEntity | null> {
    // An address no upsert would accept is held by no profile (and never reaches the database).
    const checked = checkEmail(emailInput);
    if (!('email' in checked)) return null;
    return this.store.profileByIdentifier(this.tx.manager, 'email', checked.email);
  }

  /** Segments: profiles having every attribute condition, oldest first. */
  async list(args: IdentitiesArgs): Promise<IdentityProfileEntity[]> {
    const query = this.segmentQuery(args); // validates the conditions first
    return args.take === 0 ? [] : query.getMany(); // (LIMIT 0 would mean no limit to TypeORM)
  }

  /** The `identities` query, its conditions checked (ProfileStore builds it on the (key, value_key) index). */
  segmentQuery(args: IdentitiesArgs): SelectQueryBuilder<IdentityProfileEntity> {
    const conditions: { name: string; value: string }[] = [];
    const collect = (where?: IdentityWhereInput | null) => {
      if (!where) return;
      if (where.attributes) conditions.push(where.attributes.some);
      for (const nested of where.AND ?? []) collect(nested);
    };
    collect(args.where);
    if (conditions.length > MAX_SEGMENT_CONDITIONS) {
      throw AppError.badInput(`where: at most ${MAX_SEGMENT_CONDITIONS} attribute conditions in one query`, {
        field: 'where',
      });
    }
    const keys = conditions.map((c) => {
      const name = c.name.trim();
      const problem = attributeNameProblem(name);
      if (problem) throw AppError.badInput(`where: attribute ${label(c.name)}: ${problem}`, { attribute: c.name });
      return { key: customAttributeKey(name), valueKey: attributeValueKey(c.value) };
    });
    return this.store.segmentQuery(this.tx.manager, keys, args.take ?? 50, args.skip ?? 0);
  }

  // ---- batch loaders for the Identity fields ----------------------------------------------------

  /** The custom attributes of each profile (Nosto sees those), by name, values as text. */
  async attributesFor(profileIds: readonly string[]): Promise<IdentityAttribute[][]> {
    const rows = await this.store.attributes(this.tx.manager, profileIds);
    const byProfile = new Map<string, IdentityAttribute[]>();
    for (const row of rows) {
      if (!row.key.startsWith(CUSTOM_ATTRIBUTE_PREFIX)) continue;
      const list = byProfile.get(row.profileId) ?? [];
      list.push({ name: row.key.slice(CUSTOM_ATTRIBUTE_PREFIX.length), value: attributeText(row.value) });
      byProfile.set(row.profileId, list);
    }
    return profileIds.map((id) => (byProfile.get(id) ?? []).sort((a, b) => byText(a.name, b.name)));
  }

  /** Each profile's identifiers: uuid, email, phone_number, then custom ones by name (without `custom:`). */
  async identifiersFor(profileIds: readonly string[]): Promise<Identifier[][]> {
    const rows = await this.store.identifiers(this.tx.manager, profileIds);
    const rank = (type: string) => IDENTIFIER_ORDER.get(type) ?? IDENTIFIER_ORDER.size;
    rows.sort((a, b) => rank(a.type) - rank(b.type) || byText(a.type, b.type));
    const byProfile = new Map<string, Identifier[]>();
    for (const row of rows) {
      const list = byProfile.get(row.profileId) ?? [];
      const type = row.type.startsWith(CUSTOM_IDENTIFIER_PREFIX)
        ? row.type.slice(CUSTOM_IDENTIFIER_PREFIX.length)
        : row.type;
      list.push({ type, value: row.value });
      byProfile.set(row.profileId, list);
    }
    return profileIds.map((id) => byProfile.get(id) ?? []);
  }

  /** The identity linked to each user id (for `User.identity`). */
  async forUsers(userIds: readonly string[]): Promise<(IdentityProfileEntity | null)[]> {
    const rows = await this.store.profilesOfUsers(this.tx.manager, userIds);
    const byUser = new Map(rows.map((r) => [r.userId, r]));
    return userIds.map((id) => byUser.get(id) ?? null);
  }

  // ---- validation ---------------------------------------------------------------------------------

  /** Names are trimmed, 1–128 characters, no control characters; values at most 4096 characters. */
  private checkAttributes(attributes: { name: string; value: string }[]): { key: string; value: string }[] {
    const seen = new Set<string>();
    return attributes.map(({ name: given, value }) => {
      const name = given.trim();
      const problem = attributeNameProblem(name);
      if (problem) throw AppError.badInput(`attribute ${label(given)}: ${problem}`, { attribute: given });
      if (value.length > ATTRIBUTE_VALUE_MAX) {
        throw AppError.badInput(
          `attribute ${label(name)}: the value must be at most ${ATTRIBUTE_VALUE_MAX} characters`,
          {
            attribute: name,
          },
        );
      }
      if (seen.has(name))
        throw AppError.badInput(`attribute ${label(name)} is given more than once`, { attribute: name });
      seen.add(name);
      return { key: customAttributeKey(name), value };
    });
  }
}
