import { change, FieldChange } from '../audit/audit-fields';
import type { Actor } from '../auth/actor';
import { AuditEntry, AuditService } from '../audit/audit.service';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { groupBy } from '../common/loaders';
import { checkEmail } from '../common/normalise';
import { TransactionService } from '../database/transaction.service';
import {
  ATTRIBUTE_NAME_MAX,
  ATTRIBUTE_VALUE_MAX,
  DEFAULT_TAKE,
  EVENTS_DEFAULT_TAKE,
  IdentitiesArgs,
  IdentityEventsArgs,
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
import { Identifier, IdentityAttribute, IdentityEvent } from './identity.model';
import { PrivacyStore } from './privacy-store';
import { ProfileStore } from './profile-store';
import { SegmentCondition } from './segment-query';

const CONTROL_CHARACTERS = /\p{Cc}/u;
/** attribute conditions one `identities` query may combine (each is one range of the segment index) */
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
    private readonly audit: AuditService,
    private readonly privacy: PrivacyStore,
  ) {}

  /**
   * Creates the identity when the email (normalised by the DTO) is unknown; given attributes overwrite,
   * others are kept. A known email with attribute names the catalogue has (the common case) is one
   * statement on PostgreSQL; otherwise one transaction (where a concurrent creator of the same email
   * wins and its profile gets the attributes), which records new names last.
   */
  async upsert(input: IdentityInput, actor: Actor | null = null): Promise<IdentityProfileEntity> {
    const email = input.email;
    const attributes = this.checkAttributes(input.attributes ?? []);
    const names = this.store.unrecordedNames(attributes, []);
    // Nosto's upsertIdentity is an integration's hot path: audited through the buffer, like the partner
    // API; the one-statement path is kept unless a webhook endpoint wants these events in the transaction.
    const entry = (id: string, created: boolean): AuditEntry => {
      const changes: FieldChange[] = attributes.map((a) => ({ ...change(a.key, null, a.value), old: undefined }));
      if (created) changes.unshift(change('email', null, email));
      return {
        action: created ? 'identity.created' : 'identity.updated',
        actor,
        resource: { type: 'identity', id },
        changes,
      };
    };
    const inTransaction = await this.audit.needsTransaction(['identity.created', 'identity.updated']);
    if (!names.length && !inTransaction) {
      const known = await this.tx.single((m) => this.store.writeByIdentifier(m, 'email', email, attributes));
      if (known) {
        await this.audit.buffer(null, [entry(known.id, false)]);
        return known;
      }
    }
    const profile = await this.tx.run(async (manager) => {
      // a new profile: not of an erased and suppressed email (a profile never holds one)
      await this.privacy.refuseSuppressed(manager, [{ type: 'email', value: email }]);
      const { created } = await this.store.ensureProfile(manager, 'email', email);
      const written = await this.store.writeByIdentifier(manager, 'email', email, attributes);
      // ensureProfile made it, or a concurrent creator did, and then someone deleted it meanwhile
      if (!written) throw AppError.conflict('the identity was deleted while it was being written; try again');
      await this.audit.buffer(manager, [entry(written.id, created)]);
      await this.store.recordNames(manager, names); // custom attributes new to the metadata catalogue
      return written;
    });
    this.store.rememberNames(names);
    return profile;
  }

  async byEmail(emailInput: string): Promise<IdentityProfileEntity | null> {
    // An address no upsert would accept is held by no profile (and never reaches the database).
    const checked = checkEmail(emailInput);
    if (!('email' in checked)) return null;
    return this.store.profileByIdentifier(this.tx.manager, 'email', checked.email);
  }

  /**
   * Segments: the profiles having every attribute condition, by id (time-ordered ids: oldest first), a
   * page after the cursor `after` (the id of the last profile of the previous page) and `skip`.
   */
  async list(args: IdentitiesArgs): Promise<IdentityProfileEntity[]> {
    const conditions = this.segmentConditions(args.where); // checked before any query
    return this.store.segment(this.tx.manager, conditions, {
      take: args.take ?? DEFAULT_TAKE,
      skip: args.skip ?? 0,
      after: args.after ?? null,
    });
  }

  /** How many profiles a segment holds, without reading them. */
  async count(where?: IdentityWhereInput | null): Promise<number> {
    return this.store.segmentCount(this.tx.manager, this.segmentConditions(where));
  }

  /** The attribute conditions of a `where` (nested ANDs flattened), checked, as stored keys. */
  private segmentConditions(where?: IdentityWhereInput | null): SegmentCondition[] {
    const conditions: { name: string; value: string }[] = [];
    const collect = (w?: IdentityWhereInput | null) => {
      if (!w) return;
      if (w.attributes) conditions.push(w.attributes.some);
      for (const nested of w.AND ?? []) collect(nested);
    };
    collect(where);
    if (conditions.length > MAX_SEGMENT_CONDITIONS) {
      throw AppError.badInput(`where: at most ${MAX_SEGMENT_CONDITIONS} attribute conditions in one query`, {
        field: 'where',
      });
    }
    return conditions.map((c) => {
      const name = c.name.trim();
      const problem = attributeNameProblem(name);
      if (problem) throw AppError.badInput(`where: attribute ${label(c.name)}: ${problem}`, { attribute: c.name });
      return { key: customAttributeKey(name), valueKey: attributeValueKey(c.value) };
    });
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

  /**
   * Each profile's newest events (`Identity.events`), at most `take` (default 20) per profile, newest
   * first, with the `where` filters; params as the partner API stored them.
   */
  async eventsFor(profileIds: readonly string[], args: IdentityEventsArgs): Promise<IdentityEvent[][]> {
    const where = args.where ?? {};
    if (where.from && where.to && where.from >= where.to) {
      throw AppError.badInput('where.from must be before where.to', { field: 'where.from' });
    }
    const rows = await this.store.recentEvents(this.tx.manager, profileIds, {
      take: args.take ?? EVENTS_DEFAULT_TAKE,
      names: where.name ? [where.name] : null,
      from: where.from ?? null,
      to: where.to ?? null,
    });
    return groupBy(profileIds, rows, (row) => row.profileId).map((events) =>
      events.map(({ name, timestamp, params }) => ({ name, timestamp, params })),
    );
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
