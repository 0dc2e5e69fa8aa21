import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { change } from '../../audit/audit-fields';
import { AuditEntry, AuditService, RecordOptions } from '../../audit/audit.service';
import { Actor } from '../../auth/actor';
import { isUniqueViolation } from '../../common/app-error';
import { RateLimitService } from '../../common/rate-limit.service';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { TransactionService } from '../../database/transaction.service';
import { identifierKey } from '../identity-codec';
import { IdentitySettingsService } from '../identity-settings.service';
import { MergeStore } from '../merge-store';
import { PrivacyStore, SUPPRESSED, suppressionHash } from '../privacy-store';
import { IdentityMergeService } from '../merge.service';
import { IdentifierChanges } from './identifier-changes';
import { ProfileStore } from '../profile-store';
import { TableStatistics } from '../table-statistics';
import { PERSONAL_ATTRIBUTES } from './partner-attributes';
import { upsertEntries } from './partner-audit';
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
  BatchResult,
  batchResult,
  planAttributeDelete,
  planUpsert,
  partialDeleteRows,
  requestNotAppend,
  requireUsers,
  UpsertPlan,
  UserFailure,
  userProblems,
  UserRef,
} from './upsert-plan';
import { UpsertWriter } from './upsert-writer';

const TAKEN = 'new identifier already has a user assigned to it';
/** The actor of the merges `mergeOnUpsert` makes. */
export const UPSERT_MERGE_ACTOR = 'system:upsert';

/** An identifier's change as the audit trail keeps it (the value masked). */
function auditChange(type: string, from: string | null, to: string | null) {
  return change(type, from, to);
}

/**
 * Insider's `skip_hook: true` (top level of an `/upsert` body): the request's changes emit no webhook
 * events (they are still audited). Anything but true or false is bad input.
 */
function skipHook(body: JsonObject): boolean {
  const skip = body.skip_hook;
  if (skip === undefined || skip === null || skip === false) return false;
  if (skip !== true) throw badRequest('skip_hook must be true or false');
  return true;
}

/** Who wrote, for the audit entries, and whether the request asked for no webhooks. */
interface Writer extends RecordOptions {
  actor: Actor;
}

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
    private readonly writer: UpsertWriter,
    private readonly settingsService: IdentitySettingsService,
    private readonly limiter: RateLimitService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly merges: IdentityMergeService,
    private readonly mergeStore: MergeStore,
    private readonly privacy: PrivacyStore,
    private readonly statistics: TableStatistics,
    private readonly changes: IdentifierChanges,
  ) {}

  /** PATCH /identity: replace one identifier value of one profile, in one statement (no BEGIN/COMMIT on PostgreSQL). */
  async updateIdentifier(rawBody: unknown, actor: Actor): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const change = parseIdentifierChange(body, await this.settingsService.get());
    // One statement: its unique violation is the "taken" answer, zero rows the 404. A webhook endpoint
    // subscribed to the event needs its outbox row in the same transaction: then BEGIN/COMMIT around it.
    const action = 'identity.identifier_changed';
    const inTransaction = await this.audit.needsTransaction([action]);
    const to = { type: change.type, value: change.to };
    const toHash = suppressionHash(to);
    // without a transaction of its own on PostgreSQL, the change goes with the others arriving meanwhile
    const coalesced = !inTransaction && this.tx.isPostgres;
    const run = inTransaction ? this.tx.run.bind(this.tx) : this.tx.single.bind(this.tx);
    const id = await run(async (manager: EntityManager) => {
      let id: string | null;
      try {
        id = coalesced
          ? await this.changes.change({ type: change.type, from: change.from, to: change.to, toHash })
          : await this.store.changeIdentifierValue(manager, change.type, change.from, change.to, toHash);
      } catch (e) {
        if (isUniqueViolation(e)) throw badRequest(TAKEN);
        throw e;
      }
      if (id === null) return null;
      await this.audit.buffer(inTransaction ? manager : null, [
        {
          action,
          actor,
          resource: { type: 'identity', id },
          changes: [auditChange(change.type, change.from, change.to)],
        },
      ]);
      return id;
    });
    if (id === null) {
      // nothing changed: the old value is unknown, or the new one suppressed (asked only now)
      if ((await this.privacy.suppressedAmong(this.tx.manager, [to])).size) throw badRequest(SUPPRESSED);
      throw noSuchUser();
    }
    return {};
  }

  /** DELETE /identity: remove one identifier from its profile (never the sole one). */
  async deleteIdentifier(rawBody: unknown, actor: Actor): Promise<Record<string, never>> {
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
      await this.audit.buffer(manager, [
        {
          action: 'identity.identifier_changed',
          actor,
          resource: { type: 'identity', id: profileId },
          changes: [auditChange(identifier.type, identifier.value, null)],
        },
      ]);
    });
    return {};
  }

  /**
   * POST /upsert: up to 1,000 users. Each user is validated whole; the valid ones are written together
   * in multi-row statements in one transaction (each user's writes all or nothing with it), and a user
   * that shares an identifier or a profile with another user of the request, or a batch that met a
   * concurrent writer, is written one by one, each user in its own transaction.
   */
  async upsert(rawBody: unknown, actor: Actor): Promise<BatchResult> {
    const body = requireObject(rawBody);
    const users = requireUsers(body);
    const requestMode = requestNotAppend(body);
    const writer: Writer = { actor, skipWebhooks: skipHook(body) };
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
    await this.followMerges(plans);
    // with mergeOnUpsert, users whose identifiers belong to several profiles merge them, one by one
    const spanning = settings.mergeOnUpsert ? await this.spanningProfiles(plans) : [];
    const merging = await this.writer.refuseSuppressed(this.tx.manager, spanning, failures);
    const alone = plans.filter((plan) => !spanning.includes(plan));
    const oneByOne = [...(await this.upsertTogether(alone, failures, writer)), ...merging].sort(
      (a, b) => a.index - b.index,
    );
    for (const plan of oneByOne) {
      try {
        await this.upsertOne(plan, writer, merging.includes(plan));
      } catch (e) {
        failures.set(plan.index, userProblems(e, plan.index));
      }
    }
    return batchResult(users.length, failures);
  }

  /** POST /attribute/delete: whole or partial deletes of default and custom attributes, per user. */
  async deleteAttributes(rawBody: unknown, actor: Actor): Promise<BatchResult> {
    const body = requireObject(rawBody);
    const users = requireUsers(body);
    const settings = await this.settingsService.get();
    const failures = new Map<number, Problems>();
    for (let i = 0; i < users.length; i++) {
      try {
        const plan = planAttributeDelete(users[i], i, settings);
        await this.tx.run(async (manager) => {
          const { profileId } = await this.writer.resolve(manager, plan);
          if (!profileId) throw UserFailure.at(`${plan.path}.identifiers`, 'no such user for these identifiers');
          await this.store.takeProfiles(manager, [profileId]);
          await this.store.deleteAttributes(manager, profileId, plan.deletes.whole);
          const partial = plan.deletes.partial;
          if (partial.length) {
            const keys = partial.map(([key]) => key);
            const stored = await this.store.attributeValues(manager, [profileId], keys);
            await this.store.writeAttributes(manager, partialDeleteRows(partial, profileId, stored));
          }
          await this.audit.buffer(manager, [
            {
              action: 'identity.updated',
              actor,
              resource: { type: 'identity', id: profileId },
              changes: [...plan.deletes.whole, ...partial.map(([key]) => key)].map((key) => ({
                field: key,
                old: undefined,
                new: null,
              })),
            },
          ]);
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
  async anonymize(rawBody: unknown, actor: Actor): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const target = profileTarget(body, await this.settingsService.get());
    await this.tx.run(async (manager) => {
      const profileId = await this.locate(manager, target);
      if (!profileId) throw noSuchUser();
      await this.store.takeProfiles(manager, [profileId]);
      await this.store.deleteAttributes(manager, profileId, PERSONAL_ATTRIBUTES);
      await this.audit.buffer(manager, [
        {
          action: 'identity.updated',
          actor,
          resource: { type: 'identity', id: profileId },
          changes: PERSONAL_ATTRIBUTES.map((key) => ({ field: key, old: undefined, new: null })),
        },
      ]);
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
  async deleteProfile(rawBody: unknown, actor: Actor): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const target = profileTarget(body, await this.settingsService.get());
    await this.tx.run(async (manager) => {
      const profileId = await this.locate(manager, target);
      if (!profileId) throw noSuchUser();
      await this.store.deleteProfile(manager, profileId);
      await this.audit.buffer(manager, [
        { action: 'identity.deleted', actor, resource: { type: 'identity', id: profileId } },
      ]);
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
  private async upsertTogether(
    plans: UpsertPlan[],
    failures: Map<number, Problems>,
    writer: Writer,
  ): Promise<UpsertPlan[]> {
    if (!plans.length) return [];
    const { ready, oneByOne } = await this.writer.prepare(this.tx.manager, plans, failures);
    if (!ready.length) return oneByOne;
    try {
      const { names, written } = await this.tx.run(async (m) => {
        let entries: AuditEntry[] = [];
        // the audit entries are made while PostgreSQL writes the rows
        const together = await this.writer.writeTogether(m, ready, (writes) => {
          entries = upsertEntries(writes, writer.actor);
        });
        await this.audit.buffer(m, entries, writer);
        return { names: await this.writer.recordNames(m, together.names), written: together.written };
      });
      this.store.rememberNames(names);
      this.statistics.noteWrites(written); // committed: an ANALYZE now sees them
    } catch (error) {
      this.logger.warn(
        { err: error, users: ready.length },
        'bulk upsert met a concurrent writer (or failed); writing its users one by one',
      );
      return [...oneByOne, ...ready.map((r) => r.plan)].sort((a, b) => a.index - b.index);
    }
    return oneByOne;
  }

  /** One user, in its own transaction (with mergeOnUpsert, the profiles it spans merged first, in it). */
  private async upsertOne(plan: UpsertPlan, writer: Writer, merge = false): Promise<void> {
    const names = await this.tx.run(async (manager) => {
      if (merge) await this.mergeProfilesOf(manager, plan, writer);
      const one = await this.writer.writeOne(manager, plan);
      await this.audit.buffer(manager, upsertEntries(one.writes, writer.actor), writer);
      return this.writer.recordNames(manager, one.names);
    });
    this.store.rememberNames(names);
  }

  // ---- mergeOnUpsert ----------------------------------------------------------------------------

  /** The users whose insider_id and identifiers name more than one profile. */
  private async spanningProfiles(plans: UpsertPlan[]): Promise<UpsertPlan[]> {
    const owners = await this.store.ownersOf(
      this.tx.manager,
      plans.flatMap((plan) => plan.identifiers),
    );
    return plans.filter((plan) => this.profilesOf(plan, owners).size > 1);
  }

  private profilesOf(plan: UserRef, owners: ReadonlyMap<string, string>): Set<string> {
    const profiles = new Set<string>(plan.insiderId ? [plan.insiderId] : []);
    for (const identifier of plan.identifiers) {
      const owner = owners.get(identifierKey(identifier));
      if (owner) profiles.add(owner);
    }
    return profiles;
  }

  /**
   * Merges the profiles a user's identifiers belong to into the oldest of them, in the user's
   * transaction, by the one merge there is (recorded; unmergeIdentity undoes it). Profiles of two
   * accounts are never merged: the user fails.
   */
  private async mergeProfilesOf(manager: EntityManager, plan: UpsertPlan, writer: Writer): Promise<void> {
    const owners = await this.store.ownersOf(manager, plan.identifiers);
    const ids = [...this.profilesOf(plan, owners)];
    if (ids.length < 2) return;
    await this.store.takeProfiles(manager, ids);
    const rows = await this.mergeStore.profileRows(manager, ids);
    if (rows.length !== ids.length) {
      throw UserFailure.at(
        `${plan.path}.identifiers`,
        'the profiles of these identifiers changed meanwhile: try again',
      );
    }
    if (new Set(rows.flatMap((row) => (row.user_id ? [row.user_id] : []))).size > 1) {
      throw UserFailure.at(
        `${plan.path}.identifiers`,
        'the identifiers belong to profiles of different accounts, which are never merged',
      );
    }
    rows.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1));
    const [oldest, ...others] = rows.map((row) => row.id);
    await this.merges.mergeLocked(manager, oldest, others, UPSERT_MERGE_ACTOR, 'mergeOnUpsert', writer.actor, {
      buffered: true,
      skipWebhooks: writer.skipWebhooks,
    });
  }

  // ---- lookups ----------------------------------------------------------------------------------

  /** Users naming a merged profile by insider_id name its survivor instead (one statement, only when any does). */
  private async followMerges(plans: UpsertPlan[]): Promise<void> {
    const ids = plans.flatMap((plan) => (plan.insiderId ? [plan.insiderId] : []));
    if (!ids.length) return;
    const current = await this.store.currentProfileIds(this.tx.manager, ids);
    plans.forEach((plan, i) => {
      const survivor = plan.insiderId && current.get(plan.insiderId);
      if (survivor && survivor !== plan.insiderId) plans[i] = { ...plan, insiderId: survivor };
    });
  }

  /** The profile a `/profile` or `/delete` body names, or null. */
  private async locate(manager: EntityManager, target: ProfileTarget): Promise<string | null> {
    if ('insiderId' in target) {
      // an insider_id of a merged profile names its survivor
      return (await this.store.currentProfileIds(manager, [target.insiderId])).get(target.insiderId) ?? null;
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
