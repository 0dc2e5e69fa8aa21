import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../common/app-error';
import { RateLimitService } from '../../common/rate-limit.service';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { TransactionService } from '../../database/transaction.service';
import { CatalogueEntry, identifierKey } from '../identity-codec';
import { IdentitySettingsService } from '../identity-settings.service';
import { ProfileStore } from '../profile-store';
import { TableStatistics } from '../table-statistics';
import { PERSONAL_ATTRIBUTES } from './partner-attributes';
import {
  badRequest,
  JsonObject,
  noSuchUser,
  parseIdentifierChange,
  parseIdentifierToDelete,
  Problems,
  requireObject,
} from './partner-input';
import { contactColumns, eventColumns, parseMetadataTable } from './partner-metadata';
import { eventRange, parseProfileQuery, ProfileTarget, profileTarget, shapeProfile } from './profile-query';
import {
  appendKeys,
  appendReads,
  attributeRows,
  BatchResult,
  batchResult,
  batchRows,
  bringsNew,
  checkInsiderId,
  eventRows,
  groupBatch,
  identifiersToAdd,
  planAttributeDelete,
  planUpsert,
  partialDeleteRows,
  readyUsers,
  ReadyUser,
  requestNotAppend,
  requireUsers,
  targetOf,
  UpsertPlan,
  UserFailure,
  userProblems,
  UserRef,
} from './upsert-plan';

const TAKEN = 'new identifier already has a user assigned to it';

/**
 * Insider One's Unification API (SPEC §4, seed 003) on the shared profile store: one method per
 * endpoint. Bodies are parsed by the pure partner-input / upsert-plan / profile-query functions; every
 * statement is ProfileStore's; this class decides the transactions and the order of the calls.
 */
@Injectable()
export class PartnerService {
  private readonly logger = new Logger(PartnerService.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly store: ProfileStore,
    private readonly settingsService: IdentitySettingsService,
    private readonly limiter: RateLimitService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly statistics: TableStatistics,
  ) {}

  /** PATCH /identity: replace one identifier value of one profile, in one statement (no BEGIN/COMMIT on PostgreSQL). */
  async updateIdentifier(rawBody: unknown): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const change = parseIdentifierChange(body, await this.settingsService.get());
    // One statement: its unique violation is the "taken" answer, zero rows the 404.
    const updated = await this.tx.single(async (manager) => {
      try {
        return await this.store.changeIdentifierValue(manager, change.type, change.from, change.to);
      } catch (e) {
        if (isUniqueViolation(e)) throw badRequest(TAKEN);
        throw e;
      }
    });
    if (updated === 0) throw noSuchUser();
    return {};
  }

  /** DELETE /identity: remove one identifier from its profile (never the sole one). */
  async deleteIdentifier(rawBody: unknown): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const identifier = parseIdentifierToDelete(body, await this.settingsService.get());
    await this.tx.run(async (manager) => {
      const profileId = await this.store.ownerOf(manager, identifier.type, identifier.value);
      if (!profileId) throw noSuchUser();
      // Two deletes of a profile's last two identifiers must not both see "two left".
      await this.store.takeProfiles(manager, [profileId]);
      if ((await this.store.countIdentifiers(manager, profileId)) <= 1) {
        throw badRequest('you cannot delete the sole identifier specified for a user');
      }
      const deleted = await this.store.deleteIdentifier(manager, profileId, identifier.type, identifier.value);
      if (deleted === 0) throw noSuchUser(); // moved or removed while we waited for the lock
    });
    return {};
  }

  /**
   * POST /upsert: up to 1,000 users. Each user is validated whole; the valid ones are written together
   * in multi-row statements in one transaction (each user's writes all or nothing with it), and a user
   * that shares an identifier or a profile with another user of the request, or a batch that met a
   * concurrent writer, is written one by one, each user in its own transaction.
   */
  async upsert(rawBody: unknown): Promise<BatchResult> {
    const body = requireObject(rawBody);
    const users = requireUsers(body);
    const requestMode = requestNotAppend(body);
    const settings = await this.settingsService.get();
    const failures = new Map<number, Problems>();
    const plans: UpsertPlan[] = [];
    users.forEach((user, i) => {
      try {
        plans.push(planUpsert(user, i, settings, requestMode));
      } catch (e) {
        failures.set(i, userProblems(e, i));
      }
    });
    for (const plan of await this.upsertTogether(plans, failures)) {
      try {
        await this.upsertOne(plan);
      } catch (e) {
        failures.set(plan.index, userProblems(e, plan.index));
      }
    }
    return batchResult(users.length, failures);
  }

  /** POST /attribute/delete: whole or partial deletes of default and custom attributes, per user. */
  async deleteAttributes(rawBody: unknown): Promise<BatchResult> {
    const body = requireObject(rawBody);
    const users = requireUsers(body);
    const settings = await this.settingsService.get();
    const failures = new Map<number, Problems>();
    for (let i = 0; i < users.length; i++) {
      try {
        const plan = planAttributeDelete(users[i], i, settings);
        await this.tx.run(async (manager) => {
          const { profileId } = await this.resolve(manager, plan);
          if (!profileId) throw UserFailure.at(`${plan.path}.identifiers`, 'no such user for these identifiers');
          await this.store.takeProfiles(manager, [profileId]);
          await this.store.deleteAttributes(manager, profileId, plan.deletes.whole);
          const partial = plan.deletes.partial;
          if (partial.length) {
            const keys = partial.map(([key]) => key);
            const stored = await this.store.attributeValues(manager, [profileId], keys);
            await this.store.writeAttributes(manager, partialDeleteRows(partial, profileId, stored));
          }
        });
      } catch (e) {
        failures.set(i, userProblems(e, i));
      }
    }
    return batchResult(users.length, failures);
  }

  /**
   * POST /profile: the attributes asked for (with `iid`), the events of a date range grouped by name,
   * and the quota when asked. Also, beyond Insider: `iid` and `identifiers` at the top level.
   */
  async profile(rawBody: unknown): Promise<JsonObject> {
    const body = requireObject(rawBody);
    const q = parseProfileQuery(body);
    const target = profileTarget(body, await this.settingsService.get());
    const manager = this.tx.manager;
    const profileId = await this.locate(manager, target);
    if (!profileId) throw noSuchUser();
    const [identifiers, attributes, events, quota] = await Promise.all([
      this.store.identifiers(manager, [profileId]),
      this.store.attributes(manager, [profileId]),
      q.events ? this.store.events(manager, profileId, eventRange(q.events)) : undefined,
      q.quota ? this.quota() : undefined,
    ]);
    return shapeProfile(profileId, q, identifiers, attributes, events, quota);
  }

  /**
   * POST /anonymize: deletes the profile's personal attributes (PERSONAL_ATTRIBUTES: name, surname,
   * gender, birthday, age, city, country and the contact attributes email, phone_number, uuid); the
   * profile, its identifiers, its other attributes and its events stay.
   */
  async anonymize(rawBody: unknown): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const target = profileTarget(body, await this.settingsService.get());
    await this.tx.run(async (manager) => {
      const profileId = await this.locate(manager, target);
      if (!profileId) throw noSuchUser();
      await this.store.takeProfiles(manager, [profileId]);
      await this.store.deleteAttributes(manager, profileId, PERSONAL_ATTRIBUTES);
    });
    return {};
  }

  /**
   * POST /api/user/v3/metadata/columns: the attribute columns (`contacts`) or the events with their
   * parameters (`events`), from the fixed default attributes and the catalogue of names seen written.
   */
  async metadataColumns(rawBody: unknown): Promise<JsonObject[]> {
    const table = parseMetadataTable(requireObject(rawBody));
    if (table === 'contacts') return contactColumns(await this.store.catalogue(this.tx.manager, ['attribute']));
    return eventColumns(await this.store.catalogue(this.tx.manager, ['event', 'param']));
  }

  /** POST /delete: delete a whole profile (its account, if any, stays). */
  async deleteProfile(rawBody: unknown): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const target = profileTarget(body, await this.settingsService.get());
    await this.tx.run(async (manager) => {
      const profileId = await this.locate(manager, target);
      if (!profileId) throw noSuchUser();
      await this.store.deleteProfile(manager, profileId);
    });
    return {};
  }

  // ---- upsert -----------------------------------------------------------------------------------

  /**
   * Writes the users that stand alone in multi-row statements, in one transaction, and answers the
   * users to write one by one (in request order): those sharing an identifier or a profile with another
   * user of the request (so that their order holds), and all of them when the batch failed (a concurrent
   * writer took a value first: one by one, each user meets it alone).
   */
  private async upsertTogether(plans: UpsertPlan[], failures: Map<number, Problems>): Promise<UpsertPlan[]> {
    if (!plans.length) return [];
    const manager = this.tx.manager;
    const owners = await this.store.ownersOf(
      manager,
      plans.flatMap((plan) => plan.identifiers),
    );
    const existing = await this.store.existingProfiles(
      manager,
      plans.flatMap((plan) => (plan.insiderId ? [plan.insiderId] : [])),
    );
    const groups = groupBatch(plans, owners, existing, failures);
    // What the existing profiles hold, only for users that bring identifiers no profile has.
    const held = await this.heldIdentifiers(
      manager,
      groups.together.flatMap((plan) => {
        const target = groups.targets.get(plan);
        return target && bringsNew(plan, owners) ? [target] : [];
      }),
    );
    const ready = readyUsers(groups, owners, held, failures);
    if (!ready.length) return groups.oneByOne;
    try {
      const { names, written } = await this.tx.run((m) => this.writeTogether(m, ready));
      this.store.rememberNames(names);
      this.statistics.noteWrites(written); // committed: an ANALYZE now sees them
    } catch (error) {
      this.logger.warn(
        { err: error, users: ready.length },
        'bulk upsert met a concurrent writer (or failed); writing its users one by one',
      );
      return [...groups.oneByOne, ...ready.map((r) => r.plan)].sort((a, b) => a.index - b.index);
    }
    return groups.oneByOne;
  }

  /**
   * The writes of standalone users, in a handful of multi-row statements (one transaction); the names
   * new to the catalogue are recorded last and answered, to be remembered once committed, with the
   * number of rows written (for the statistics).
   */
  private async writeTogether(
    manager: EntityManager,
    ready: ReadyUser[],
  ): Promise<{ names: CatalogueEntry[]; written: number }> {
    await this.store.takeProfiles(
      manager,
      ready.flatMap((r) => (r.profileId ? [r.profileId] : [])),
    );
    const reads = appendReads(ready);
    const stored = await this.store.attributeValues(manager, reads.profileIds, reads.keys);
    const rows = batchRows(ready, stored);
    const now = new Date();
    await this.store.insertProfiles(manager, rows.profiles, now);
    await this.store.insertIdentifiers(manager, rows.identifiers);
    await this.store.writeAttributes(manager, rows.attributes, new Set(rows.profiles));
    await this.store.insertEvents(manager, rows.events, now);
    const names = this.store.unrecordedNames(rows.attributes, rows.events);
    await this.store.recordNames(manager, names);
    const written = rows.profiles.length + rows.identifiers.length + rows.attributes.length + rows.events.length;
    return { names, written };
  }

  /** One user, in its own transaction: the profile is taken first, so concurrent writers queue on it. */
  private async upsertOne(plan: UpsertPlan): Promise<void> {
    const keys = appendKeys(plan);
    const names = await this.tx.run(async (manager) => {
      const { profileId: found, owners } = await this.resolve(manager, plan);
      let profileId = found;
      let created = false;
      if (profileId) {
        await this.store.takeProfiles(manager, [profileId]);
        await this.addIdentifiers(manager, plan, profileId, owners);
      } else {
        const [first] = plan.identifiers;
        const ensured = await this.store.ensureProfile(manager, first.type, first.value);
        profileId = ensured.id;
        created = ensured.created;
        if (!created) await this.store.takeProfiles(manager, [profileId]);
        await this.addIdentifiers(manager, plan, profileId, new Map([[identifierKey(first), profileId]]));
      }
      const stored = keys.length && !created ? await this.store.attributeValues(manager, [profileId], keys) : null;
      const attributes = attributeRows(plan, profileId, stored);
      const events = eventRows(plan, profileId);
      await this.store.writeAttributes(manager, attributes, created ? new Set([profileId]) : undefined);
      await this.store.insertEvents(manager, events, new Date());
      const unrecorded = this.store.unrecordedNames(attributes, events);
      await this.store.recordNames(manager, unrecorded);
      return unrecorded;
    });
    this.store.rememberNames(names);
  }

  /**
   * Adds the identifiers a user brings that its profile lacks (one statement); the profile's identifiers
   * are read only when the user brings one no profile holds (`owners`).
   */
  private async addIdentifiers(
    manager: EntityManager,
    plan: UpsertPlan,
    profileId: string,
    owners: ReadonlyMap<string, string>,
  ): Promise<void> {
    const unknown = plan.identifiers.filter((identifier) => !owners.has(identifierKey(identifier)));
    if (!unknown.length) return;
    const held = (await this.heldIdentifiers(manager, [profileId])).get(profileId) ?? new Map<string, string>();
    const missing = identifiersToAdd(unknown, held, plan.path);
    try {
      // a violation (another user took the value meanwhile) fails this user; its transaction is rolled back
      await this.store.insertIdentifiers(
        manager,
        missing.map((i) => ({ profileId, type: i.type, value: i.value })),
      );
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw UserFailure.at(`${plan.path}.identifiers`, 'an identifier already belongs to another user');
      }
      throw e;
    }
  }

  // ---- lookups ----------------------------------------------------------------------------------

  /** The identifiers some profiles hold: profile id → type → value. */
  private async heldIdentifiers(manager: EntityManager, profileIds: string[]) {
    const held = new Map<string, Map<string, string>>();
    if (!profileIds.length) return held;
    for (const row of await this.store.identifiers(manager, profileIds)) {
      if (!held.has(row.profileId)) held.set(row.profileId, new Map());
      held.get(row.profileId)!.set(row.type, row.value);
    }
    return held;
  }

  /**
   * The profile a user of a batch names (null: a new user) and which profile holds each of its
   * identifiers; a UserFailure for an unknown insider_id (its identifiers are then not read) or
   * identifiers of two profiles.
   */
  private async resolve(manager: EntityManager, user: UserRef) {
    const existing = await this.store.existingProfiles(manager, user.insiderId ? [user.insiderId] : []);
    checkInsiderId(user, existing);
    const owners = await this.store.ownersOf(manager, user.identifiers);
    return { profileId: targetOf(user, owners, existing), owners };
  }

  /** The profile a `/profile` or `/delete` body names, or null. */
  private async locate(manager: EntityManager, target: ProfileTarget): Promise<string | null> {
    if ('insiderId' in target) {
      return (await this.store.existingProfiles(manager, [target.insiderId])).has(target.insiderId)
        ? target.insiderId
        : null;
    }
    const profiles = new Set((await this.store.ownersOf(manager, target.identifiers)).values());
    if (profiles.size > 1) throw badRequest('the identifiers belong to different users');
    return profiles.size ? [...profiles][0] : null;
  }

  /** Insider's `quota` (with `"quota": true`): this request's cost and the minute's use of the /profile limit. */
  private async quota(): Promise<JsonObject> {
    const used = await this.limiter.used('partnerProfile', this.config.partnerName);
    return { cost: 1, used, total: this.config.rateLimits.partnerProfile.limit };
  }
}
