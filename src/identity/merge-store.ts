import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { newId } from '../database/columns';
import { chunked, inList, insertRows, query } from '../database/sql';
import { IdentityMergeEntity, SNAPSHOT_KEPT_WHERE } from './identity.entity';
import { RawAlias, RawAttribute, RawIdentifier, RawProfile } from './merge-plan';

/** A row holding an identifier value: an identifier, or an alias left by a merge. */
export interface Holder {
  id: string;
  profile_id: string;
  type: string;
  value: string;
  alias: boolean;
  merge_id: string | null;
}

/** A timestamp column as the text the engine stores (PostgreSQL keeps microseconds a JS Date would lose). */
const text = (column: string) => `CAST(${column} AS text) AS ${column}`;

/**
 * The statements of merges and unmerges (SPEC §10): the identity rows read as stored (raw text, so that
 * an unmerge writes back exactly what was there), their moves between profiles, the aliases merges leave,
 * and the merge records. Runs in the caller's transaction; the caller has taken the profiles.
 */
@Injectable()
export class MergeStore {
  // ---- rows as stored ----------------------------------------------------------------------------

  async profileRows(manager: EntityManager, ids: readonly string[]): Promise<RawProfile[]> {
    return this.ofProfiles<RawProfile>(
      manager,
      `SELECT id, user_id, ${text('created_at')}, ${text('updated_at')} FROM identity_profiles`,
      'id',
      ids,
    );
  }

  identifierRows(manager: EntityManager, profileIds: readonly string[]): Promise<RawIdentifier[]> {
    return this.ofProfiles<RawIdentifier>(
      manager,
      `SELECT id, profile_id, type, value, ${text('created_at')} FROM identity_identifiers`,
      'profile_id',
      profileIds,
      'type',
    );
  }

  attributeRows(manager: EntityManager, profileIds: readonly string[]): Promise<RawAttribute[]> {
    return this.ofProfiles<RawAttribute>(
      manager,
      `SELECT profile_id, key, value, value_key, ${text('updated_at')} FROM identity_attributes`,
      'profile_id',
      profileIds,
      'key',
    );
  }

  aliasRows(manager: EntityManager, profileIds: readonly string[]): Promise<RawAlias[]> {
    return this.ofProfiles<RawAlias>(
      manager,
      `SELECT id, profile_id, type, value, merge_id, ${text('created_at')} FROM identity_aliases`,
      'profile_id',
      profileIds,
      'type, value',
    );
  }

  async eventIds(manager: EntityManager, profileId: string): Promise<string[]> {
    const rows = await query<{ id: string }>(
      manager,
      'SELECT id FROM identity_events WHERE profile_id = $1 ORDER BY id',
      [profileId],
    );
    return rows.map((row) => row.id);
  }

  // ---- merging -----------------------------------------------------------------------------------

  async deleteIdentifiers(manager: EntityManager, ids: readonly string[]): Promise<void> {
    for (const chunk of chunked(ids)) {
      await query(manager, `DELETE FROM identity_identifiers WHERE id IN (${inList(chunk.length)})`, chunk);
    }
  }

  /** Moves rows of a table from one profile to another: all of them, or those with these ids. */
  async move(
    manager: EntityManager,
    table: 'identity_identifiers' | 'identity_aliases' | 'identity_events',
    from: string,
    to: string,
    ids?: readonly string[],
  ): Promise<number> {
    if (!ids) {
      const rows = await query(manager, `UPDATE ${table} SET profile_id = $1 WHERE profile_id = $2 RETURNING id`, [
        to,
        from,
      ]);
      return rows.length;
    }
    let moved = 0;
    for (const chunk of chunked(ids)) {
      const rows = await query(
        manager,
        `UPDATE ${table} SET profile_id = $1 WHERE profile_id = $2 AND id IN (${inList(chunk.length, 2)}) RETURNING id`,
        [to, from, ...chunk],
      );
      moved += rows.length;
    }
    return moved;
  }

  /** Moves a profile's attributes of these keys to another profile (which lacks them). */
  async moveAttributes(manager: EntityManager, from: string, to: string, keys: readonly string[]): Promise<void> {
    for (const chunk of chunked(keys)) {
      await query(
        manager,
        `UPDATE identity_attributes SET profile_id = $1 WHERE profile_id = $2 AND key IN (${inList(chunk.length, 2)})`,
        [to, from, ...chunk],
      );
    }
  }

  async deleteAttributes(manager: EntityManager, profileId: string, keys: readonly string[]): Promise<void> {
    for (const chunk of chunked(keys)) {
      await query(
        manager,
        `DELETE FROM identity_attributes WHERE profile_id = $1 AND key IN (${inList(chunk.length, 1)})`,
        [profileId, ...chunk],
      );
    }
  }

  async insertAliases(
    manager: EntityManager,
    profileId: string,
    mergeId: string,
    aliases: readonly { type: string; value: string }[],
  ): Promise<void> {
    const now = new Date();
    await insertRows(
      manager,
      'identity_aliases (id, profile_id, type, value, merge_id, created_at)',
      aliases.map((a) => [newId(), profileId, a.type, a.value, mergeId, now]),
    );
  }

  // ---- unmerging ---------------------------------------------------------------------------------

  async restoreProfile(manager: EntityManager, row: RawProfile): Promise<void> {
    await query(
      manager,
      'INSERT INTO identity_profiles (id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4)',
      [row.id, row.user_id, row.created_at, row.updated_at],
    );
  }

  async restoreIdentifiers(manager: EntityManager, rows: readonly RawIdentifier[]): Promise<void> {
    await insertRows(
      manager,
      'identity_identifiers (id, profile_id, type, value, created_at)',
      rows.map((r) => [r.id, r.profile_id, r.type, r.value, r.created_at]),
    );
  }

  /** Writes attribute rows as they were (over any row of the same profile and key). */
  async restoreAttributes(manager: EntityManager, rows: readonly RawAttribute[]): Promise<void> {
    await insertRows(
      manager,
      'identity_attributes (profile_id, key, value, value_key, updated_at)',
      rows.map((r) => [r.profile_id, r.key, r.value, r.value_key, r.updated_at]),
      ' ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, value_key = excluded.value_key, updated_at = excluded.updated_at',
    );
  }

  /** The stored values of some keys of a profile (key → JSON text). */
  async attributeTexts(
    manager: EntityManager,
    profileId: string,
    keys: readonly string[],
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const chunk of chunked(keys)) {
      const rows = await query<{ key: string; value: string }>(
        manager,
        `SELECT key, value FROM identity_attributes WHERE profile_id = $1 AND key IN (${inList(chunk.length, 1)})`,
        [profileId, ...chunk],
      );
      rows.forEach((row) => out.set(row.key, row.value));
    }
    return out;
  }

  /** Who holds each of these identifiers now, as an identifier or as an alias (of which merge). */
  async holders(manager: EntityManager, identifiers: readonly { type: string; value: string }[]): Promise<Holder[]> {
    const out: Holder[] = [];
    for (const chunk of chunked(identifiers, 400)) {
      const where = chunk.map((_, j) => `(type = $${2 * j + 1} AND value = $${2 * j + 2})`).join(' OR ');
      const params = chunk.flatMap((i) => [i.type, i.value]);
      const ids = await query<{ type: string; value: string; profile_id: string; id: string }>(
        manager,
        `SELECT id, profile_id, type, value FROM identity_identifiers WHERE ${where}`,
        params,
      );
      const aliases = await query<{ type: string; value: string; profile_id: string; id: string; merge_id: string }>(
        manager,
        `SELECT id, profile_id, type, value, merge_id FROM identity_aliases WHERE ${where}`,
        params,
      );
      out.push(
        ...ids.map((r) => ({ ...r, alias: false, merge_id: null })),
        ...aliases.map((r) => ({ ...r, alias: true })),
      );
    }
    return out;
  }

  async userExists(manager: EntityManager, userId: string): Promise<boolean> {
    return (await query(manager, 'SELECT id FROM users WHERE id = $1', [userId])).length > 0;
  }

  async deleteAliasesOfMerge(manager: EntityManager, mergeId: string): Promise<void> {
    await query(manager, 'DELETE FROM identity_aliases WHERE merge_id = $1', [mergeId]);
  }

  // ---- merge records -----------------------------------------------------------------------------

  async insertMerge(manager: EntityManager, merge: IdentityMergeEntity): Promise<void> {
    await manager.getRepository(IdentityMergeEntity).insert(merge);
    await insertRows(
      manager,
      'identity_merge_profiles (merge_id, profile_id)',
      [merge.survivorId, ...merge.mergedIds].map((profileId) => [merge.id, profileId]),
    );
  }

  /** A merge, its row taken for this transaction (two unmerges of one merge queue). */
  async takeMerge(manager: EntityManager, id: string): Promise<IdentityMergeEntity | null> {
    const repo = manager.getRepository(IdentityMergeEntity);
    await query(manager, 'UPDATE identity_merges SET unmerged_at = unmerged_at WHERE id = $1', [id]);
    return repo.findOneBy({ id });
  }

  async markUnmerged(manager: EntityManager, id: string, at: Date): Promise<void> {
    // the snapshot held the merged profiles' data: once they are back, it is not kept
    await manager.getRepository(IdentityMergeEntity).update({ id }, { unmergedAt: at, snapshot: {} });
  }

  /**
   * Empties the snapshots of up to `limit` merges made before `before`, oldest first (one statement,
   * through `ix_identity_merges_snapshot_kept`); returns how many.
   */
  async purgeSnapshots(manager: EntityManager, before: Date, limit: number): Promise<number> {
    const rows = await query(
      manager,
      `UPDATE identity_merges SET snapshot = '{}' WHERE id IN (
         SELECT id FROM identity_merges WHERE ${SNAPSHOT_KEPT_WHERE} AND created_at < $1 ORDER BY created_at LIMIT $2)
       RETURNING id`,
      [before, limit],
    );
    return rows.length;
  }

  /** Merges that touched a profile (or all), newest first. */
  async merges(
    manager: EntityManager,
    profileId: string | null,
    take: number,
    skip: number,
  ): Promise<IdentityMergeEntity[]> {
    const qb = manager.getRepository(IdentityMergeEntity).createQueryBuilder('m');
    if (profileId) {
      qb.where('m.id IN (SELECT mp.merge_id FROM identity_merge_profiles mp WHERE mp.profile_id = :profileId)', {
        profileId,
      });
    }
    return qb.orderBy('m.createdAt', 'DESC').addOrderBy('m.id', 'DESC').take(take).skip(skip).getMany();
  }

  /** `<select> WHERE <column> IN (…)` for some ids, ordered. */
  private async ofProfiles<T>(
    manager: EntityManager,
    select: string,
    column: string,
    ids: readonly string[],
    orderBy = column,
  ): Promise<T[]> {
    const out: T[] = [];
    for (const chunk of chunked([...new Set(ids)])) {
      out.push(
        ...(await query<T>(
          manager,
          `${select} WHERE ${column} IN (${inList(chunk.length)}) ORDER BY ${column}, ${orderBy}`,
          chunk,
        )),
      );
    }
    return out;
  }
}
