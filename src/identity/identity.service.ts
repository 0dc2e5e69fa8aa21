import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { isEmail, normaliseEmail } from '../common/normalise';
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
  CUSTOM_ATTRIBUTE_PREFIX,
  CUSTOM_IDENTIFIER_PREFIX,
  customAttributeKey,
  decodeAttribute,
} from './identity-codec';
import { Identifier, IdentityAttribute } from './identity.model';
import { ProfileStore } from './profile-store';

const CONTROL_CHARACTERS = /\p{Cc}/u;

/** Nosto's identity API (SPEC §3.4) on the shared profile store. */
@Injectable()
export class IdentityService {
  constructor(
    @InjectRepository(IdentityProfileEntity) private readonly profiles: Repository<IdentityProfileEntity>,
    private readonly store: ProfileStore,
    private readonly tx: TransactionService,
  ) {}

  /** Creates the identity when the email is unknown; given attributes overwrite, others are kept. */
  async upsert(input: IdentityInput): Promise<IdentityProfileEntity> {
    const email = this.checkEmail(input.email);
    const attributes = this.checkAttributes(input.attributes ?? []);
    const profileId = await this.tx.run(async (manager) => {
      const { id } = await this.store.ensureProfile(manager, 'email', email);
      await this.store.upsertAttributes(manager, id, attributes);
      return id;
    });
    return this.profiles.findOneByOrFail({ id: profileId });
  }

  async byEmail(emailInput: string): Promise<IdentityProfileEntity | null> {
    const email = normaliseEmail(emailInput);
    const qb = this.profiles
      .createQueryBuilder('p')
      .innerJoin('identity_identifiers', 'i', 'i.profile_id = p.id')
      .where('i.type = :type AND i.value = :email', { type: 'email', email });
    return qb.getOne();
  }

  /** Segments: profiles having every attribute condition, from the (key, value_key) index. */
  async list(args: IdentitiesArgs): Promise<IdentityProfileEntity[]> {
    const qb = this.profiles.createQueryBuilder('p');
    const conditions: { name: string; value: string }[] = [];
    const collect = (where?: IdentityWhereInput | null) => {
      if (!where) return;
      if (where.attributes) conditions.push(where.attributes.some);
      for (const nested of where.AND ?? []) collect(nested);
    };
    collect(args.where);
    conditions.forEach((c, i) => {
      qb.innerJoin(
        'identity_attributes',
        `a${i}`,
        `a${i}.profile_id = p.id AND a${i}.key = :key${i} AND a${i}.value_key = :vk${i}`,
        { [`key${i}`]: customAttributeKey(c.name), [`vk${i}`]: attributeValueKey(c.value) },
      );
    });
    return qb
      .orderBy('p.createdAt', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .take(args.take ?? 50)
      .skip(args.skip ?? 0)
      .getMany();
  }

  // ---- batch loaders for the Identity fields ----------------------------------------------------

  async attributesFor(profileIds: readonly string[]): Promise<IdentityAttribute[][]> {
    const rows = await this.store.attributes(this.profiles.manager, profileIds);
    const byProfile = new Map<string, IdentityAttribute[]>();
    for (const row of rows) {
      if (!row.key.startsWith(CUSTOM_ATTRIBUTE_PREFIX)) continue; // Nosto sees the custom attributes
      const list = byProfile.get(row.profileId) ?? [];
      list.push({
        name: row.key.slice(CUSTOM_ATTRIBUTE_PREFIX.length),
        value: attributeText(decodeAttribute(row.value)),
      });
      byProfile.set(row.profileId, list);
    }
    return profileIds.map((id) => byProfile.get(id) ?? []);
  }

  async identifiersFor(profileIds: readonly string[]): Promise<Identifier[][]> {
    const rows = await this.store.identifiers(this.profiles.manager, profileIds);
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
    const rows = await this.profiles.findBy({ userId: In([...userIds]) });
    const byUser = new Map(rows.map((r) => [r.userId, r]));
    return userIds.map((id) => byUser.get(id) ?? null);
  }

  // ---- validation ---------------------------------------------------------------------------------

  private checkEmail(input: string): string {
    const email = normaliseEmail(input);
    if (!isEmail(email)) throw AppError.badInput(`email is not a valid email address: ${input}`, { field: 'email' });
    return email;
  }

  private checkAttributes(attributes: { name: string; value: string }[]): { key: string; value: string }[] {
    const seen = new Set<string>();
    return attributes.map(({ name, value }) => {
      const label = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
      if (name.length < 1 || name.length > ATTRIBUTE_NAME_MAX) {
        throw AppError.badInput(`attribute ${label}: the name must be 1 to ${ATTRIBUTE_NAME_MAX} characters`, {
          attribute: name,
        });
      }
      if (CONTROL_CHARACTERS.test(name)) {
        throw AppError.badInput(`attribute ${label}: the name cannot contain control characters`, { attribute: name });
      }
      if (value.length > ATTRIBUTE_VALUE_MAX) {
        throw AppError.badInput(`attribute ${label}: the value must be at most ${ATTRIBUTE_VALUE_MAX} characters`, {
          attribute: name,
        });
      }
      if (seen.has(name)) throw AppError.badInput(`attribute ${label} is given more than once`, { attribute: name });
      seen.add(name);
      return { key: customAttributeKey(name), value };
    });
  }
}
