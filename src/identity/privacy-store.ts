import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { sha256 } from '../auth/tokens';
import { AppError } from '../common/app-error';
import { chunked, fromSqlDate, inList, insertRows, query } from '../database/sql';
import { IdentityErasureEntity, IdentityMergeEntity } from './identity.entity';
import { decodeAttribute, identifierKey } from './identity-codec';
import { INSIDER_ID_ALIAS } from './profile-store';

/** The answer to a write of an erased and suppressed identifier (SPEC §10). */
export const SUPPRESSED = 'identifier is suppressed';

/** What a suppression keeps of an identifier: the SHA-256 of `type:value` (type as stored, value normalised). */
export function suppressionHash(identifier: { type: string; value: string }): string {
  return sha256(`${identifier.type}:${identifier.value}`);
}

/** How many rows of each identity table a person has (erasure receipts count them). */
export interface IdentityCounts {
  profiles: number;
  identifiers: number;
  aliases: number;
  attributes: number;
  events: number;
  merges: number;
}

/**
 * The statements of erasure, suppression and takeout on the identity tables (SPEC §10): the rows of one
 * person, counted, read whole or deleted; the hashes of suppressed identifiers; erasure receipts.
 * Runs in the caller's transaction.
 */
@Injectable()
export class PrivacyStore {
  // ---- suppression -------------------------------------------------------------------------------

  /** Which of these identifiers are suppressed (`identifierKey`s); no statement for none. */
  async suppressedAmong(
    manager: EntityManager,
    identifiers: readonly { type: string; value: string }[],
  ): Promise<Set<string>> {
    const out = new Set<string>();
    if (!identifiers.length) return out;
    const byHash = new Map(identifiers.map((i) => [suppressionHash(i), identifierKey(i)]));
    for (const chunk of chunked([...byHash.keys()])) {
      const rows = await query<{ hash: string }>(
        manager,
        `SELECT hash FROM identity_suppressions WHERE hash IN (${inList(chunk.length)})`,
        chunk,
      );
      rows.forEach((row) => out.add(byHash.get(row.hash)!));
    }
    return out;
  }

  /** BAD_USER_INPUT "identifier is suppressed" when any of these identifiers is. */
  async refuseSuppressed(
    manager: EntityManager,
    identifiers: readonly { type: string; value: string }[],
  ): Promise<void> {
    if ((await this.suppressedAmong(manager, identifiers)).size) {
      throw AppError.badInput(SUPPRESSED, { field: 'email' });
    }
  }

  async suppress(manager: EntityManager, identifiers: readonly { type: string; value: string }[]): Promise<number> {
    const hashes = [...new Set(identifiers.map(suppressionHash))].sort();
    const now = new Date();
    await insertRows(
      manager,
      'identity_suppressions (hash, created_at)',
      hashes.map((hash) => [hash, now]),
      ' ON CONFLICT (hash) DO NOTHING',
    );
    return hashes.length;
  }

  /** Lifts the suppression of an identifier (new consent): whether it was suppressed. */
  async lift(manager: EntityManager, identifier: { type: string; value: string }): Promise<boolean> {
    const rows = await query(manager, 'DELETE FROM identity_suppressions WHERE hash = $1 RETURNING hash', [
      suppressionHash(identifier),
    ]);
    return rows.length > 0;
  }

  // ---- one person's rows -------------------------------------------------------------------------

  /** A profile's id and the ids of every profile merged into it (its insider_id aliases). */
  async formerIds(manager: EntityManager, profileId: string): Promise<string[]> {
    const rows = await query<{ value: string }>(
      manager,
      'SELECT value FROM identity_aliases WHERE profile_id = $1 AND type = $2 ORDER BY value',
      [profileId, INSIDER_ID_ALIAS],
    );
    return [profileId, ...rows.map((row) => row.value)];
  }

  /** The identifiers and aliases of a profile (aliases without insider_id ones), by type. */
  async identifiersAndAliases(
    manager: EntityManager,
    profileId: string,
  ): Promise<{ type: string; value: string; alias: boolean }[]> {
    const ids = await query<{ type: string; value: string }>(
      manager,
      'SELECT type, value FROM identity_identifiers WHERE profile_id = $1 ORDER BY type, value',
      [profileId],
    );
    const aliases = await query<{ type: string; value: string }>(
      manager,
      'SELECT type, value FROM identity_aliases WHERE profile_id = $1 AND type <> $2 ORDER BY type, value',
      [profileId, INSIDER_ID_ALIAS],
    );
    return [...ids.map((r) => ({ ...r, alias: false })), ...aliases.map((r) => ({ ...r, alias: true }))];
  }

  /** The merges any of these profiles took part in (ids). */
  async mergeIdsOf(manager: EntityManager, profileIds: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const chunk of chunked(profileIds)) {
      const rows = await query<{ merge_id: string }>(
        manager,
        `SELECT DISTINCT merge_id FROM identity_merge_profiles WHERE profile_id IN (${inList(chunk.length)})`,
        chunk,
      );
      rows.forEach((row) => out.add(row.merge_id));
    }
    return [...out].sort();
  }

  async counts(manager: EntityManager, profileId: string, merges: number): Promise<IdentityCounts> {
    const [row] = await query<Record<string, string | number>>(
      manager,
      `SELECT
        (SELECT COUNT(*) FROM identity_identifiers WHERE profile_id = $1) AS identifiers,
        (SELECT COUNT(*) FROM identity_aliases WHERE profile_id = $1) AS aliases,
        (SELECT COUNT(*) FROM identity_attributes WHERE profile_id = $1) AS attributes,
        (SELECT COUNT(*) FROM identity_events WHERE profile_id = $1) AS events`,
      [profileId],
    );
    return {
      profiles: 1,
      identifiers: Number(row.identifiers),
      aliases: Number(row.aliases),
      attributes: Number(row.attributes),
      events: Number(row.events),
      merges,
    };
  }

  /** Deletes merge records (with their snapshots and profile lists). */
  async deleteMerges(manager: EntityManager, ids: readonly string[]): Promise<void> {
    for (const chunk of chunked(ids)) {
      await query(manager, `DELETE FROM identity_merge_profiles WHERE merge_id IN (${inList(chunk.length)})`, chunk);
      await query(manager, `DELETE FROM identity_merges WHERE id IN (${inList(chunk.length)})`, chunk);
    }
  }

  /**
   * An erased account leaves the merge records of the profiles it was linked to (the profiles stay):
   * the snapshots forget its id (an unmerge then restores those profiles unlinked).
   */
  async forgetAccountInMerges(manager: EntityManager, mergeIds: readonly string[], userId: string): Promise<void> {
    if (!mergeIds.length) return;
    const repo = manager.getRepository(IdentityMergeEntity);
    for (const merge of await repo.findBy({ id: In([...mergeIds]) })) {
      const snapshot = merge.snapshot as { profiles?: { profile: { user_id: string | null } }[] };
      const rows = (snapshot.profiles ?? []).filter((p) => p.profile.user_id === userId);
      if (!rows.length) continue;
      rows.forEach((p) => (p.profile.user_id = null));
      await repo.update({ id: merge.id }, { snapshot });
    }
  }

  async recordErasure(manager: EntityManager, receipt: IdentityErasureEntity): Promise<void> {
    await manager.getRepository(IdentityErasureEntity).insert(receipt);
  }

  // ---- takeout -----------------------------------------------------------------------------------

  /** Everything stored about a profile, as one JSON-ready object (values decoded). */
  async export(manager: EntityManager, profileId: string): Promise<Record<string, unknown>> {
    const [profile] = await query<{
      id: string;
      user_id: string | null;
      created_at: string | Date;
      updated_at: string | Date;
    }>(manager, 'SELECT id, user_id, created_at, updated_at FROM identity_profiles WHERE id = $1', [profileId]);
    const identifiers = await this.identifiersAndAliases(manager, profileId);
    const attributes = await query<{ key: string; value: string; updated_at: string | Date }>(
      manager,
      'SELECT key, value, updated_at FROM identity_attributes WHERE profile_id = $1 ORDER BY key',
      [profileId],
    );
    const events = await query<{
      event_name: string;
      timestamp: string | Date;
      params: string;
      created_at: string | Date;
    }>(
      manager,
      'SELECT event_name, timestamp, params, created_at FROM identity_events WHERE profile_id = $1 ORDER BY timestamp, id',
      [profileId],
    );
    const formerIds = await this.formerIds(manager, profileId);
    const mergeIds = await this.mergeIdsOf(manager, formerIds);
    const merges = mergeIds.length
      ? await manager
          .getRepository(IdentityMergeEntity)
          .createQueryBuilder('m')
          .where('m.id IN (:...ids)', { ids: mergeIds })
          .orderBy('m.createdAt', 'ASC')
          .getMany()
      : [];
    return {
      id: profile.id,
      createdAt: fromSqlDate(profile.created_at).toISOString(),
      updatedAt: fromSqlDate(profile.updated_at).toISOString(),
      formerIds: formerIds.slice(1),
      identifiers: identifiers.filter((i) => !i.alias).map(({ type, value }) => ({ type, value })),
      aliases: identifiers.filter((i) => i.alias).map(({ type, value }) => ({ type, value })),
      attributes: Object.fromEntries(attributes.map((a) => [a.key, decodeAttribute(a.value)])),
      events: events.map((e) => ({
        name: e.event_name,
        timestamp: fromSqlDate(e.timestamp).toISOString(),
        params: JSON.parse(e.params) as unknown,
        receivedAt: fromSqlDate(e.created_at).toISOString(),
      })),
      merges: merges.map((m) => ({
        id: m.id,
        survivorId: m.survivorId,
        mergedIds: m.mergedIds,
        conflicts: m.conflicts,
        actor: m.actor,
        reason: m.reason,
        createdAt: m.createdAt.toISOString(),
        unmergedAt: m.unmergedAt?.toISOString() ?? null,
      })),
    };
  }
}
