import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AppError, isUniqueViolation } from '../common/app-error';
import { newId } from '../database/columns';
import { placeholders, query } from '../database/sql';
import { IdentityAttributeEntity, IdentityIdentifierEntity, IdentityProfileEntity } from './identity.entity';
import { encodeAttribute } from './identity-codec';

/**
 * The storage operations both identity APIs share (the Nosto GraphQL resolver and the Insider REST
 * API), so what one writes the other reads. Every method runs inside the caller's transaction.
 */
@Injectable()
export class ProfileStore {
  /** The profile holding an identifier, or null. */
  async profileIdByIdentifier(manager: EntityManager, type: string, value: string): Promise<string | null> {
    const rows = await query<{ profile_id: string }>(
      manager,
      'SELECT profile_id FROM identity_identifiers WHERE type = $1 AND value = $2',
      [type, value],
    );
    return rows[0]?.profile_id ?? null;
  }

  /**
   * The profile holding this identifier, created (with the identifier) when there is none. Safe under
   * concurrency: when another transaction creates it first, its profile is returned and ours is undone.
   */
  async ensureProfile(
    manager: EntityManager,
    type: string,
    value: string,
    userId: string | null = null,
  ): Promise<{ id: string; created: boolean }> {
    const existing = await this.profileIdByIdentifier(manager, type, value);
    if (existing) return { id: existing, created: false };
    const profileId = newId();
    // created_at with milliseconds (SQLite's default has seconds), so lists keep the order of creation
    const now = new Date();
    await query(
      manager,
      'INSERT INTO identity_profiles (id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3)',
      [profileId, userId, now],
    );
    // ON CONFLICT DO NOTHING waits for a concurrent insert of the same identifier and then skips.
    await query(
      manager,
      'INSERT INTO identity_identifiers (id, profile_id, type, value) VALUES ($1, $2, $3, $4) ON CONFLICT (type, value) DO NOTHING',
      [newId(), profileId, type, value],
    );
    const winner = await this.profileIdByIdentifier(manager, type, value);
    if (winner !== profileId) {
      await query(manager, 'DELETE FROM identity_profiles WHERE id = $1', [profileId]);
      return { id: winner!, created: false };
    }
    return { id: profileId, created: true };
  }

  /** Writes attributes by key (overwriting those present, keeping the others) in one statement. */
  async upsertAttributes(
    manager: EntityManager,
    profileId: string,
    attributes: { key: string; value: unknown }[],
  ): Promise<void> {
    if (attributes.length === 0) return;
    // The profile row first, then its attribute rows: every writer of a profile (this one, the partner
    // API) takes them in that order, so two writers queue on the profile instead of deadlocking.
    await this.touch(manager, profileId);
    // One row per key (the last wins), in key order: concurrent writers lock rows in the same order.
    const byKey = new Map(attributes.map((a) => [a.key, a.value]));
    const rows: string[] = [];
    const params: unknown[] = [];
    for (const [key, value] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const encoded = encodeAttribute(value);
      rows.push(placeholders(params.length, 4));
      params.push(profileId, key, encoded.value, encoded.valueKey);
    }
    await query(
      manager,
      `INSERT INTO identity_attributes (profile_id, key, value, value_key) VALUES ${rows.join(', ')}
       ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, value_key = excluded.value_key, updated_at = CURRENT_TIMESTAMP`,
      params,
    );
  }

  async touch(manager: EntityManager, profileId: string): Promise<void> {
    await query(manager, 'UPDATE identity_profiles SET updated_at = CURRENT_TIMESTAMP WHERE id = $1', [profileId]);
  }

  /**
   * Sets a profile's identifier of a type to a value (adding it, or replacing the current value).
   * CONFLICT when another profile holds that value.
   */
  async setIdentifier(
    manager: EntityManager,
    profileId: string,
    type: string,
    value: string,
    conflictMessage: string,
  ): Promise<void> {
    try {
      const updated = await manager.getRepository(IdentityIdentifierEntity).update({ profileId, type }, { value });
      if (!updated.affected) {
        await manager.getRepository(IdentityIdentifierEntity).insert({ id: newId(), profileId, type, value });
      }
    } catch (e) {
      if (isUniqueViolation(e)) throw AppError.conflict(conflictMessage, { field: 'email' });
      throw e;
    }
  }

  profiles(manager: EntityManager, ids: readonly string[]): Promise<IdentityProfileEntity[]> {
    return manager.getRepository(IdentityProfileEntity).findBy({ id: In([...ids]) });
  }

  attributes(manager: EntityManager, profileIds: readonly string[]): Promise<IdentityAttributeEntity[]> {
    return manager
      .getRepository(IdentityAttributeEntity)
      .find({ where: { profileId: In([...profileIds]) }, order: { key: 'ASC' } });
  }

  identifiers(manager: EntityManager, profileIds: readonly string[]): Promise<IdentityIdentifierEntity[]> {
    return manager
      .getRepository(IdentityIdentifierEntity)
      .find({ where: { profileId: In([...profileIds]) }, order: { type: 'ASC' } });
  }
}
