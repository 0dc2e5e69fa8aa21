import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../common/app-error';
import { overlapped } from '../../database/sql';
import { CatalogueEntry, catalogueKey, identifierKey } from '../identity-codec';
import type { UpsertWrites } from './partner-audit';
import { PrivacyStore, SUPPRESSED } from '../privacy-store';
import { ProfileStore, StoredIdentifier } from '../profile-store';
import { Problems } from './partner-input';
import {
  appendKeys,
  appendReads,
  attributeRows,
  batchRows,
  bringsNew,
  checkInsiderId,
  eventRows,
  groupBatch,
  identifiersToAdd,
  readyUsers,
  ReadyUser,
  targetOf,
  UpsertPlan,
  UserFailure,
  userProblems,
  UserRef,
} from './upsert-plan';

/** What a batch of upsert plans will do, read before it is written (`UpsertWriter.prepare`). */
export interface PreparedBatch {
  /** users standing alone, ready to be written together (`profileId` null: a new profile) */
  ready: ReadyUser[];
  /** users sharing an identifier or a profile with another of the batch: written one by one, in order */
  oneByOne: UpsertPlan[];
  /** each valid user's profile as it stands (null: a new one) */
  targets: Map<UpsertPlan, string | null>;
}

/**
 * The writes of `/upsert` plans (upsert-plan.ts) through ProfileStore, in the caller's transaction:
 * the partner API's `/upsert` (a batch together, then users one by one, each in its own
 * transaction) and the bulk import (a chunk of a file, all in one transaction) decide the
 * transactions; the reads, the grouping and the rows are the same.
 */
@Injectable()
export class UpsertWriter {
  constructor(
    private readonly store: ProfileStore,
    private readonly privacy: PrivacyStore,
  ) {}

  /**
   * Reads which profile each plan names and what the existing ones hold, and splits the plans into
   * those written together and those written one by one; users that fail (an unknown insider_id,
   * identifiers of two profiles, a different identifier of a type the profile has) go to `failures`.
   */
  async prepare(
    manager: EntityManager,
    given: readonly UpsertPlan[],
    failures: Map<number, Problems>,
  ): Promise<PreparedBatch> {
    if (!given.length) return { ready: [], oneByOne: [], targets: new Map() };
    const owners = await this.store.ownersOf(
      manager,
      given.flatMap((plan) => plan.identifiers),
    );
    const plans = await this.refuseSuppressed(manager, given, failures, owners);
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
    return { ready: readyUsers(groups, owners, held, failures), oneByOne: groups.oneByOne, targets: groups.targets };
  }

  /**
   * The writes of standalone users, in a handful of multi-row statements. Answers the names they bring
   * that are new to the catalogue (metadata columns), for the caller to record as the last statement of
   * its transaction (recordNames), and the number of rows written (for TableStatistics).
   */
  async writeTogether(
    manager: EntityManager,
    ready: readonly ReadyUser[],
    meanwhile?: (writes: UpsertWrites) => void,
  ): Promise<{ names: CatalogueEntry[]; written: number; writes: UpsertWrites }> {
    if (!ready.length)
      return { names: [], written: 0, writes: { profiles: [], identifiers: [], attributes: [], events: [] } };
    await this.store.takeProfiles(
      manager,
      ready.flatMap((r) => (r.profileId ? [r.profileId] : [])),
    );
    const reads = appendReads(ready);
    const stored = await this.store.attributeValues(manager, reads.profileIds, reads.keys);
    const rows = batchRows(ready, stored);
    const now = new Date();
    // each statement's rows are encoded while PostgreSQL inserts the ones before (one round trip each, as
    // before: 20–25 ms less per 1,000 new users); `meanwhile` (the audit entries) during the last
    await overlapped(
      manager,
      [
        () => this.store.profileInserts(manager, rows.profiles, now),
        () => this.store.identifierInserts(manager, rows.identifiers),
        // attributes of the new profiles are plain INSERTs (nothing to overwrite)
        () => this.store.attributeWrites(manager, rows.attributes, new Set(rows.profiles)),
        () => this.store.eventInserts(manager, rows.events, now),
      ],
      () => meanwhile?.(rows),
    );
    const written = rows.profiles.length + rows.identifiers.length + rows.attributes.length + rows.events.length;
    return { names: this.store.unrecordedNames(rows.attributes, rows.events), written, writes: rows };
  }

  /**
   * One user: its profile is found (or created) and taken first, so concurrent writers queue on it.
   * A UserFailure is thrown before anything of the user is written but the profile's updated_at.
   * Answers whether the profile is new, and the names new to the catalogue (to record, as writeTogether's).
   */
  async writeOne(
    manager: EntityManager,
    plan: UpsertPlan,
  ): Promise<{ created: boolean; names: CatalogueEntry[]; writes: UpsertWrites }> {
    const keys = appendKeys(plan);
    const { profileId: found, owners } = await this.resolve(manager, plan);
    let profileId = found;
    let created = false;
    const identifiers: StoredIdentifier[] = [];
    if (profileId) {
      await this.store.takeProfiles(manager, [profileId]);
      identifiers.push(...(await this.addIdentifiers(manager, plan, profileId, owners)));
    } else {
      const [first] = plan.identifiers;
      const ensured = await this.store.ensureProfile(manager, first.type, first.value);
      profileId = ensured.id;
      created = ensured.created;
      if (!created) await this.store.takeProfiles(manager, [profileId]);
      else identifiers.push({ profileId, type: first.type, value: first.value });
      const firstOwner = new Map([[identifierKey(first), profileId]]);
      identifiers.push(...(await this.addIdentifiers(manager, plan, profileId, firstOwner)));
    }
    const stored = keys.length && !created ? await this.store.attributeValues(manager, [profileId], keys) : null;
    const attributes = attributeRows(plan, profileId, stored);
    const events = eventRows(plan, profileId);
    await this.store.writeAttributes(manager, attributes, created ? new Set([profileId]) : undefined);
    await this.store.insertEvents(manager, events, new Date());
    const writes = { profiles: created ? [profileId] : [], identifiers, attributes, events };
    return { created, names: this.store.unrecordedNames(attributes, events), writes };
  }

  /**
   * Records catalogue entries (each once) and answers them: the last statement of the writing
   * transaction, so concurrent writers of a new name wait on it only at their commit, in one order. The
   * caller remembers them once committed (ProfileStore.rememberNames), so known names cost no statement.
   */
  async recordNames(manager: EntityManager, names: readonly CatalogueEntry[]): Promise<CatalogueEntry[]> {
    const unique = [...new Map(names.map((entry) => [catalogueKey(entry), entry])).values()];
    if (unique.length) await this.store.recordNames(manager, unique);
    return unique;
  }

  /**
   * The profile a user names (null: a new user) and which profile holds each of its identifiers; a
   * UserFailure for an unknown insider_id (its identifiers are then not read) or identifiers of two
   * profiles.
   */
  async resolve(manager: EntityManager, given: UserRef) {
    // an insider_id of a merged profile names its survivor
    const current = await this.store.currentProfileIds(manager, given.insiderId ? [given.insiderId] : []);
    const survivor = given.insiderId ? current.get(given.insiderId) : undefined;
    const user = survivor ? { ...given, insiderId: survivor } : given;
    const existing = new Set(current.values());
    checkInsiderId(user, existing);
    const owners = await this.store.ownersOf(manager, user.identifiers);
    return { profileId: targetOf(user, owners, existing), owners };
  }

  /**
   * The users that bring no erased and suppressed identifier (SPEC §10); the others fail with "identifier
   * is suppressed". Only identifiers no profile holds (`owners`) are looked up — a profile never holds a
   * suppressed value — in one statement, and none at all when every identifier is held.
   */
  async refuseSuppressed(
    manager: EntityManager,
    plans: readonly UpsertPlan[],
    failures: Map<number, Problems>,
    owners: ReadonlyMap<string, string> = new Map(),
  ): Promise<UpsertPlan[]> {
    const suppressed = await this.privacy.suppressedAmong(
      manager,
      plans.flatMap((plan) => plan.identifiers.filter((identifier) => !owners.has(identifierKey(identifier)))),
    );
    if (!suppressed.size) return [...plans];
    return plans.filter((plan) => {
      if (!plan.identifiers.some((identifier) => suppressed.has(identifierKey(identifier)))) return true;
      failures.set(plan.index, userProblems(UserFailure.at(`${plan.path}.identifiers`, SUPPRESSED), plan.index));
      return false;
    });
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
  ): Promise<StoredIdentifier[]> {
    const unknown = plan.identifiers.filter((identifier) => !owners.has(identifierKey(identifier)));
    if (!unknown.length) return [];
    const held = (await this.heldIdentifiers(manager, [profileId])).get(profileId) ?? new Map<string, string>();
    const missing = identifiersToAdd(unknown, held, plan.path);
    try {
      // a violation (another user took the value meanwhile) fails this user; its transaction is rolled back
      const rows = missing.map((i) => ({ profileId, type: i.type, value: i.value }));
      await this.store.insertIdentifiers(manager, rows);
      return rows;
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw UserFailure.at(`${plan.path}.identifiers`, 'an identifier already belongs to another user');
      }
      throw e;
    }
  }

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
}
