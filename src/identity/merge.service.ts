import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditEntry, AuditService, PURGE_BATCH, RecordOptions } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { AppError, databaseErrorCode } from '../common/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { newId } from '../database/columns';
import { query } from '../database/sql';
import { TransactionService } from '../database/transaction.service';
import { IdentityMergesArgs, MERGE_PROFILES_MAX, MergeIdentitiesArgs } from './dto/identity-where.input';
import { IdentityMergeEntity, IdentityProfileEntity } from './identity.entity';
import { IdentityLocator } from './identity-locator';
import { MergeStore } from './merge-store';
import {
  MergeConflict,
  planProfileMerge,
  RawAlias,
  RawAttribute,
  RawIdentifier,
  RawProfile,
  SurvivorState,
} from './merge-plan';
import { INSIDER_ID_ALIAS, ProfileStore } from './profile-store';

const DAY_MS = 86_400_000;
/** Attempts of a merge that met a deadlock, a serialization failure or a profile merged meanwhile. */
const ATTEMPTS = 8;

/** One merged profile as it was, and what the merge did with its rows (ids). */
interface MergedProfileSnapshot {
  profile: RawProfile;
  identifiers: RawIdentifier[];
  /** ids of the identifier rows that moved to the survivor (the others became aliases) */
  moved: string[];
  attributes: RawAttribute[];
  /** ids of the profile's events (they all moved) */
  eventIds: string[];
  /** aliases the profile held (from earlier merges): they moved to the survivor */
  aliases: RawAlias[];
}

/** What an unmerge needs: the merged profiles as they were, and the survivor's values the merge changed. */
interface MergeSnapshot {
  survivor: {
    /** whether the survivor was linked to an account before the merge (a merged profile's link moved to it otherwise) */
    linked: boolean;
    /** each attribute key the merge wrote on the survivor: its row before (null: none) and its value after */
    attributes: { key: string; before: RawAttribute | null; after: string }[];
  };
  profiles: MergedProfileSnapshot[];
}

/** A merge to retry from the start: a profile it named was merged or deleted while it waited for it. */
class ProfilesMoved extends Error {}

/** PostgreSQL deadlock or serialization failure: the transaction is retried, never answered. */
function isRetryable(error: unknown): boolean {
  if (error instanceof ProfilesMoved) return true;
  const code = databaseErrorCode(error);
  return code === '40P01' || code === '40001';
}

/** Who did it, for the merge record: `user:<id>`, `token:<id>`. */
export function actorKey(actor: Actor): string {
  if (actor.kind === 'api-token') return `token:${actor.apiTokenId}`;
  return `user:${actor.userId}`;
}

/**
 * Merging and unmerging identity profiles (SPEC §10). `mergeLocked` is the one merge there is: the
 * GraphQL `mergeIdentities`, `/upsert` with `mergeOnUpsert`, and the account link on email
 * verification all call it, in their own transaction, with the profiles taken. A merge can be undone
 * for UNMERGE_DAYS (90); after that the retention job empties its snapshot.
 */
@Injectable()
export class IdentityMergeService implements OnModuleInit {
  private readonly logger = new Logger('IdentityMerge');

  constructor(
    private readonly tx: TransactionService,
    private readonly store: ProfileStore,
    private readonly merges: MergeStore,
    private readonly locator: IdentityLocator,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.audit.addRetention({ name: 'identity merge snapshots', purge: (now) => this.purgeSnapshots(now) });
  }

  /** `mergeIdentities`: one transaction, retried (never answered) on a deadlock or a profile merged meanwhile. */
  async merge(actor: Actor, args: MergeIdentitiesArgs): Promise<IdentityMergeEntity> {
    const wheres = [
      { where: args.into, field: 'into' },
      ...args.from.map((where, i) => ({ where, field: `from[${i}]` })),
    ];
    return this.retrying(() =>
      this.tx.run(async (manager) => {
        const ids = await this.locator.locate(manager, wheres);
        ids.forEach((id, i) => {
          if (!id) throw AppError.notFound(`No identity matches ${wheres[i].field}`);
        });
        const into = ids[0]!;
        const from = [...new Set(ids.slice(1) as string[])].filter((id) => id !== into);
        if (!from.length) throw AppError.conflict('The profiles named are one profile already: nothing to merge');
        if (from.length + 1 > MERGE_PROFILES_MAX) {
          throw AppError.badInput(`At most ${MERGE_PROFILES_MAX} profiles in one merge`, { field: 'from' });
        }
        await this.store.takeProfiles(manager, [into, ...from]);
        const rows = await this.merges.profileRows(manager, [into, ...from]);
        if (rows.length !== from.length + 1) throw new ProfilesMoved();
        const accounts = new Set(rows.flatMap((row) => (row.user_id ? [row.user_id] : [])));
        if (accounts.size > 1) {
          throw AppError.conflict('Profiles linked to different accounts cannot be merged', {
            profiles: rows.filter((row) => row.user_id).map((row) => row.id),
          });
        }
        return this.mergeLocked(manager, into, from, actorKey(actor), args.reason ?? null, actor);
      }),
    );
  }

  /**
   * Merges profiles into `intoId` and records it, in the caller's transaction; the caller has taken every
   * profile and checked that at most one of them is linked to an account. The survivor keeps its
   * identifier values; a merged profile's identifier of a type the survivor has becomes an alias of the
   * survivor, as does the merged profile's id; attributes the survivor lacks move, array attributes are
   * unioned, the survivor's value wins the others (recorded as conflicts); every event moves.
   */
  async mergeLocked(
    manager: EntityManager,
    intoId: string,
    fromIds: readonly string[],
    actor: string,
    reason: string | null,
    /** who asked, for the audit entry (null: the system) */
    auditActor: Actor | null = null,
    /** the partner API's: its entries are buffered like its writes', and `skip_hook` holds for the merge too */
    audit: RecordOptions & { buffered?: boolean } = {},
  ): Promise<IdentityMergeEntity> {
    const all = [intoId, ...fromIds];
    const profiles = new Map((await this.merges.profileRows(manager, all)).map((row) => [row.id, row]));
    const identifiers = await this.merges.identifierRows(manager, all);
    const attributes = await this.merges.attributeRows(manager, all);
    const aliases = await this.merges.aliasRows(manager, fromIds);
    const survivorRow = profiles.get(intoId)!;
    const ofProfile = <T extends { profile_id: string }>(rows: T[], id: string) =>
      rows.filter((row) => row.profile_id === id);
    const survivorAttributes = ofProfile(attributes, intoId);
    const state: SurvivorState = {
      identifiers: new Map(ofProfile(identifiers, intoId).map((row) => [row.type, row.value])),
      attributes: new Map(survivorAttributes.map((row) => [row.key, row.value])),
    };
    const before = new Map(survivorAttributes.map((row) => [row.key, row]));
    const touched = new Set<string>();
    const unions = new Map<string, unknown>();
    const conflicts: MergeConflict[] = [];
    const snapshots: MergedProfileSnapshot[] = [];
    const mergeId = newId();
    let userId = survivorRow.user_id;

    for (const fromId of fromIds) {
      const row = profiles.get(fromId)!;
      const plan = planProfileMerge(state, ofProfile(identifiers, fromId), ofProfile(attributes, fromId));
      const eventIds = await this.merges.eventIds(manager, fromId);
      snapshots.push({
        profile: row,
        identifiers: ofProfile(identifiers, fromId),
        moved: plan.moved.map((i) => i.id),
        attributes: ofProfile(attributes, fromId),
        eventIds,
        aliases: ofProfile(aliases, fromId),
      });
      conflicts.push(...plan.conflicts);
      await this.merges.deleteIdentifiers(
        manager,
        plan.aliased.map((i) => i.id),
      );
      await this.merges.move(manager, 'identity_identifiers', fromId, intoId);
      await this.merges.move(manager, 'identity_aliases', fromId, intoId);
      await this.merges.insertAliases(manager, intoId, mergeId, [
        ...plan.aliased.map((i) => ({ type: i.type, value: i.value })),
        { type: INSIDER_ID_ALIAS, value: fromId },
      ]);
      await this.merges.deleteAttributes(manager, fromId, plan.droppedAttributes);
      await this.merges.moveAttributes(manager, fromId, intoId, plan.movedAttributes);
      plan.movedAttributes.forEach((key) => touched.add(key));
      for (const union of plan.unions) {
        touched.add(union.key);
        unions.set(union.key, union.value);
      }
      await this.merges.move(manager, 'identity_events', fromId, intoId);
      await this.store.deleteProfile(manager, fromId);
      if (row.user_id && !userId) {
        userId = row.user_id;
        await this.store.linkUser(manager, intoId, row.user_id);
      }
    }
    await this.store.writeAttributes(
      manager,
      [...unions].map(([key, value]) => ({ profileId: intoId, key, value })),
    );
    const snapshot: MergeSnapshot = {
      survivor: {
        linked: survivorRow.user_id !== null,
        attributes: [...touched].sort().map((key) => ({
          key,
          before: before.get(key) ?? null,
          after: state.attributes.get(key)!,
        })),
      },
      profiles: snapshots,
    };
    const merge = Object.assign(new IdentityMergeEntity(), {
      id: mergeId,
      survivorId: intoId,
      mergedIds: [...fromIds],
      conflicts,
      snapshot,
      actor,
      reason,
      createdAt: new Date(),
      unmergedAt: null,
    });
    await this.merges.insertMerge(manager, merge);
    // audited, and the `identity.merged` webhook event queued, in the merge's transaction
    const entry: AuditEntry = {
      action: 'identity.merged',
      actor: auditActor,
      resource: { type: 'identity', id: intoId },
      profileId: intoId,
      userId,
      changes: [
        { field: 'mergeId', old: null, new: mergeId },
        { field: 'mergedIds', old: null, new: [...fromIds] },
      ],
    };
    if (audit.buffered) await this.audit.buffer(manager, [entry], audit);
    else await this.audit.record(manager, entry);
    return merge;
  }

  /**
   * `unmergeIdentity`: the merged profiles back as they were (ids, identifiers, attributes, events,
   * account link) and the survivor's values the merge wrote put back, within UNMERGE_DAYS; CONFLICT when
   * something they held has been claimed since, or when the window has passed (its snapshot may be
   * purged by then: the answer is the same).
   */
  async unmerge(mergeId: string, actor: Actor | null = null): Promise<IdentityProfileEntity[]> {
    const ids = await this.retrying(() =>
      this.tx.run(async (manager) => {
        const merge = await this.merges.takeMerge(manager, mergeId);
        if (!merge) throw AppError.notFound('No merge with this id');
        if (merge.unmergedAt) throw AppError.conflict('This merge has been undone already');
        const days = this.config.unmergeDays;
        if (merge.createdAt.getTime() < Date.now() - days * DAY_MS) {
          throw AppError.conflict(
            `A merge can be undone for ${days} days; this one was made on ${merge.createdAt.toISOString()}`,
          );
        }
        const survivor = merge.survivorId;
        await this.store.takeProfiles(manager, [survivor]);
        if (!(await this.store.existingProfiles(manager, [survivor])).has(survivor)) {
          const now = (await this.store.currentProfileIds(manager, [survivor])).get(survivor);
          throw AppError.conflict(
            now
              ? `Profile ${survivor} has been merged into ${now} since: undo that merge first`
              : `Profile ${survivor} has been deleted since`,
          );
        }
        const snapshot = merge.snapshot as MergeSnapshot;
        await this.checkUnclaimed(manager, merge, snapshot);
        await this.merges.deleteAliasesOfMerge(manager, merge.id);
        const survivorUser = await this.store.linkedUser(manager, survivor);
        for (const p of snapshot.profiles) {
          let userId = p.profile.user_id;
          if (userId && survivorUser === userId && !snapshot.survivor.linked) {
            await query(manager, 'UPDATE identity_profiles SET user_id = NULL WHERE id = $1', [survivor]);
          }
          if (userId && !(await this.merges.userExists(manager, userId))) userId = null;
          await this.merges.restoreProfile(manager, { ...p.profile, user_id: userId });
          await this.merges.move(manager, 'identity_identifiers', survivor, p.profile.id, p.moved);
          const back = new Set((await this.merges.identifierRows(manager, [p.profile.id])).map((row) => row.id));
          // the aliased ones, and moved ones deleted since (nobody holds them: checked)
          await this.merges.restoreIdentifiers(
            manager,
            p.identifiers.filter((row) => !back.has(row.id)),
          );
          await this.merges.move(
            manager,
            'identity_aliases',
            survivor,
            p.profile.id,
            p.aliases.map((a) => a.id),
          );
          await this.merges.restoreAttributes(manager, p.attributes);
          await this.merges.move(manager, 'identity_events', survivor, p.profile.id, p.eventIds);
        }
        await this.restoreSurvivorAttributes(manager, survivor, snapshot);
        await this.merges.markUnmerged(manager, merge.id, new Date());
        const restored = snapshot.profiles.map((p) => p.profile.id);
        await this.audit.record(manager, {
          action: 'identity.unmerged',
          actor,
          resource: { type: 'identity', id: survivor },
          profileId: survivor,
          userId: await this.store.linkedUser(manager, survivor),
          changes: [
            { field: 'mergeId', old: null, new: merge.id },
            { field: 'restoredIds', old: null, new: restored },
          ],
        });
        return [survivor, ...restored];
      }),
    );
    const rows = new Map((await this.store.profilesByIds(this.tx.manager, ids)).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id)!);
  }

  /**
   * The retention of merge snapshots (run by the audit trail's purge job): a merge older than the unmerge
   * window can no longer be undone, so its snapshot — the merged profiles' identifiers, attributes and
   * event ids — is emptied, PURGE_BATCH merges per statement. The merge record stays (`identityMerges`,
   * and the same answer from `unmergeIdentity`). Returns how many snapshots were emptied.
   */
  async purgeSnapshots(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.config.unmergeDays * DAY_MS);
    let total = 0;
    for (;;) {
      const purged = await this.tx.single((manager) => this.merges.purgeSnapshots(manager, before, PURGE_BATCH));
      total += purged;
      if (purged < PURGE_BATCH) return total;
    }
  }

  /** `identityMerges`: newest first, those a profile took part in when `where.profileId` is given. */
  list(args: IdentityMergesArgs): Promise<IdentityMergeEntity[]> {
    return this.merges.merges(this.tx.manager, args.where?.profileId ?? null, args.take ?? 50, args.skip ?? 0);
  }

  /** CONFLICT when an identifier of a merged profile is held since by anyone but the survivor through this merge. */
  private async checkUnclaimed(manager: EntityManager, merge: IdentityMergeEntity, snapshot: MergeSnapshot) {
    const rows = snapshot.profiles.flatMap((p) => p.identifiers);
    const holders = await this.merges.holders(manager, rows);
    for (const row of rows) {
      for (const h of holders.filter((x) => x.type === row.type && x.value === row.value)) {
        const expected = h.alias
          ? h.profile_id === merge.survivorId && h.merge_id === merge.id
          : h.profile_id === merge.survivorId && h.id === row.id;
        if (!expected) {
          throw AppError.conflict(
            `The ${row.type} identifier ${row.value} of profile ${row.profile_id} has been claimed by profile ${h.profile_id} since`,
            { profileId: h.profile_id },
          );
        }
      }
    }
    for (const p of snapshot.profiles) {
      const userId = p.profile.user_id;
      if (!userId) continue;
      const now = await this.store.profileOfUser(manager, userId);
      if (now && now !== merge.survivorId) {
        throw AppError.conflict(`The account of profile ${p.profile.id} has been linked to profile ${now} since`, {
          profileId: now,
        });
      }
    }
  }

  /** The survivor's attributes the merge wrote go back to their values before it, unless written since. */
  private async restoreSurvivorAttributes(manager: EntityManager, survivor: string, snapshot: MergeSnapshot) {
    const entries = snapshot.survivor.attributes;
    const current = await this.merges.attributeTexts(
      manager,
      survivor,
      entries.map((e) => e.key),
    );
    const unchanged = entries.filter((e) => current.get(e.key) === e.after);
    await this.merges.deleteAttributes(
      manager,
      survivor,
      unchanged.filter((e) => !e.before).map((e) => e.key),
    );
    await this.merges.restoreAttributes(
      manager,
      unchanged.flatMap((e) => (e.before ? [e.before] : [])),
    );
  }

  private async retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (e) {
        if (!isRetryable(e) || attempt >= ATTEMPTS) {
          if (e instanceof ProfilesMoved) throw AppError.conflict('The profiles kept changing: try again');
          throw e;
        }
        this.logger.debug({ attempt }, 'merge met a concurrent writer: retrying');
      }
    }
  }
}
