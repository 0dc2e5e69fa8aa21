import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError, isUniqueViolation } from '../../common/app-error';
import { newId } from '../../database/columns';
import { placeholders, query } from '../../database/sql';
import { TransactionService } from '../../database/transaction.service';
import { customAttributeKey, CUSTOM_ATTRIBUTE_PREFIX, decodeAttribute } from '../identity-codec';
import { IdentitySettings, IdentitySettingsService } from '../identity-settings.service';
import { ProfileStore } from '../profile-store';
import { appendArray, parseAttributes } from './partner-attributes';
import { parseEvents } from './partner-events';
import {
  badRequest,
  identifierEntries,
  identifiersToWire,
  isObject,
  Json,
  JsonObject,
  noSuchUser,
  ParsedIdentifier,
  parseIdentifier,
  parseIdentifiers,
  requireObject,
} from './partner-input';

export const MAX_USERS = 1000;
const TAKEN = 'new identifier already has a user assigned to it';

/** A user of a batch that failed: the path and the message (nothing of that user was written). */
class UserFailure extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface BatchResult {
  data: { successful: { count: number }; fail: { count: number; errors: Record<string, string> } };
}

/** Insider One's Unification API (SPEC §4, seed 003) on the shared profile store. */
@Injectable()
export class PartnerService {
  constructor(
    private readonly tx: TransactionService,
    private readonly store: ProfileStore,
    private readonly settingsService: IdentitySettingsService,
  ) {}

  /** PATCH /identity: replace one identifier value of one profile, in one statement. */
  async updateIdentifier(rawBody: unknown): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const settings = await this.settingsService.get();
    const one = (side: Json | undefined) => (isObject(side) ? identifierEntries(side) : []);
    const oldEntries = one(body.old_identifier);
    const newEntries = one(body.new_identifier);
    if (oldEntries.length !== 1 || newEntries.length !== 1) {
      throw badRequest('there must be exactly 1 entry for both new and old identifiers');
    }
    const [[oldName, oldRaw, oldCustom]] = oldEntries;
    const [[newName, newRaw, newCustom]] = newEntries;
    if (oldName !== newName || oldCustom !== newCustom) {
      throw badRequest('old and new identifiers must be of the same type');
    }
    const oldId = parseIdentifier(oldName, oldRaw, oldCustom, settings);
    const newId_ = parseIdentifier(newName, newRaw, newCustom, settings);
    if (oldId.value === newId_.value) throw badRequest('identifier values are the same');
    // One statement: its unique violation is the "taken" answer, zero rows the 404.
    const updated = await this.tx.single(async (manager) => {
      try {
        const rows = await query<{ id: string }>(
          manager,
          'UPDATE identity_identifiers SET value = $1 WHERE type = $2 AND value = $3 RETURNING id',
          [newId_.value, oldId.type, oldId.value],
        );
        return rows.length;
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
    const settings = await this.settingsService.get();
    const identifiers = parseIdentifiers(body.identifiers, settings);
    if (identifiers.length !== 1) throw badRequest('there must be exactly 1 identifier to delete');
    const [identifier] = identifiers;
    await this.tx.run(async (manager) => {
      const profileId = await this.store.profileIdByIdentifier(manager, identifier.type, identifier.value);
      if (!profileId) throw noSuchUser();
      const count = await query<{ n: string | number }>(
        manager,
        'SELECT COUNT(*) AS n FROM identity_identifiers WHERE profile_id = $1',
        [profileId],
      );
      if (Number(count[0].n) <= 1) throw badRequest('you cannot delete the sole identifier specified for a user');
      await query(manager, 'DELETE FROM identity_identifiers WHERE type = $1 AND value = $2', [
        identifier.type,
        identifier.value,
      ]);
      await this.store.touch(manager, profileId);
    });
    return {};
  }

  /** POST /upsert: up to 1,000 users, each in its own transaction. */
  async upsert(rawBody: unknown): Promise<BatchResult> {
    const body = requireObject(rawBody);
    const users = this.users(body);
    const settings = await this.settingsService.get();
    const requestNotAppend = body.not_append === true || body.append === false;
    return this.batch(users, (user, i) => this.upsertUser(user, i, settings, requestNotAppend));
  }

  /** POST /attribute/delete: whole or partial deletes of default and custom attributes. */
  async deleteAttributes(rawBody: unknown): Promise<BatchResult> {
    const body = requireObject(rawBody);
    const users = this.users(body);
    const settings = await this.settingsService.get();
    return this.batch(users, (user, i) => this.deleteUserAttributes(user, i, settings));
  }

  /** POST /profile: a profile's identifiers, the attributes asked for, and its events in a date range. */
  async profile(rawBody: unknown): Promise<JsonObject> {
    const body = requireObject(rawBody);
    const settings = await this.settingsService.get();
    const manager = this.tx.manager;
    const profileId = await this.findProfile(manager, body, settings);
    if (!profileId) throw noSuchUser();
    const wanted = body.attributes;
    if (
      wanted !== undefined &&
      (!Array.isArray(wanted) || !wanted.every((w) => typeof w === 'string') || wanted.length > 500)
    ) {
      throw badRequest('attributes must be an array of at most 500 attribute names');
    }
    const [identifiers, attributes] = await Promise.all([
      this.store.identifiers(manager, [profileId]),
      this.store.attributes(manager, [profileId]),
    ]);
    const stored = new Map(attributes.map((a) => [a.key, decodeAttribute(a.value) as Json]));
    const outAttributes: JsonObject = {};
    const names = (wanted as string[] | undefined) ?? [...stored.keys()];
    for (const name of names) if (stored.has(name)) outAttributes[name] = stored.get(name)!;
    const result: JsonObject = {
      iid: profileId,
      identifiers: identifiersToWire(identifiers),
      attributes: outAttributes,
    };
    if (body.events !== undefined) result.events = await this.events(manager, profileId, body.events);
    return result;
  }

  /** POST /delete: delete a whole profile (its account, if any, stays). */
  async deleteProfile(rawBody: unknown): Promise<Record<string, never>> {
    const body = requireObject(rawBody);
    const settings = await this.settingsService.get();
    await this.tx.run(async (manager) => {
      const profileId = await this.findProfile(manager, body, settings);
      if (!profileId) throw noSuchUser();
      await query(manager, 'DELETE FROM identity_profiles WHERE id = $1', [profileId]);
    });
    return {};
  }

  // ---- per user -------------------------------------------------------------------------------

  private async upsertUser(
    user: JsonObject,
    i: number,
    settings: IdentitySettings,
    requestNotAppend: boolean,
  ): Promise<void> {
    const path = `users.${i}`;
    const identifiers = this.userIdentifiers(user, path, settings, user.insider_id === undefined);
    const attributes = parseAttributes(user.attributes, `${path}.attributes`);
    if (attributes.error) throw new UserFailure(...attributes.error);
    const events = parseEvents(user.events, `${path}.events`);
    if (events.error) throw new UserFailure(...events.error);
    const notAppend = requestNotAppend || user.not_append === true || user.append === false;
    await this.tx.run(async (manager) => {
      let profileId = await this.resolveProfile(manager, user, identifiers, path);
      if (!profileId) {
        const [first, ...rest] = identifiers;
        profileId = (await this.store.ensureProfile(manager, first.type, first.value)).id;
        await this.addIdentifiers(manager, profileId, rest, path);
      } else {
        await this.addIdentifiers(manager, profileId, identifiers, path);
      }
      const writes = attributes.writes;
      const appendKeys = writes.filter((w) => w.array && !notAppend).map((w) => w.key);
      const current = new Map<string, Json>();
      if (appendKeys.length) {
        for (const row of await this.store.attributes(manager, [profileId])) {
          if (appendKeys.includes(row.key)) current.set(row.key, decodeAttribute(row.value) as Json);
        }
      }
      await this.store.upsertAttributes(
        manager,
        profileId,
        writes.map((w) => ({
          key: w.key,
          value: w.array && !notAppend ? appendArray(current.get(w.key), w.value as Json[]) : w.value,
        })),
      );
      if (events.events.length) {
        const rows: string[] = [];
        const params: unknown[] = [];
        for (const e of events.events) {
          rows.push(placeholders(params.length, 6));
          params.push(newId(), profileId, e.name, e.timestamp, JSON.stringify(e.params), new Date());
        }
        await query(
          manager,
          `INSERT INTO identity_events (id, profile_id, event_name, timestamp, params, created_at) VALUES ${rows.join(', ')}`,
          params,
        );
      }
      if (!writes.length) await this.store.touch(manager, profileId);
    });
  }

  private async deleteUserAttributes(user: JsonObject, i: number, settings: IdentitySettings): Promise<void> {
    const path = `users.${i}`;
    const identifiers = this.userIdentifiers(user, path, settings, user.insider_id === undefined);
    const whole = this.attributeNames(user.whole, `${path}.whole`);
    const partial = user.partial ?? {};
    if (!isObject(partial))
      throw new UserFailure(`${path}.partial`, 'partial must be an object of attribute → values to remove');
    const partialKeys = this.partialEntries(partial, `${path}.partial`);
    if (!whole.length && !partialKeys.length)
      throw new UserFailure(path, 'nothing to delete: give whole and/or partial');
    await this.tx.run(async (manager) => {
      const profileId = await this.resolveProfile(manager, user, identifiers, path);
      if (!profileId) throw new UserFailure(`${path}.identifiers`, 'no such user for these identifiers');
      if (whole.length) {
        const list = whole.map((_, j) => `$${j + 2}`).join(', ');
        await query(manager, `DELETE FROM identity_attributes WHERE profile_id = $1 AND key IN (${list})`, [
          profileId,
          ...whole,
        ]);
      }
      if (partialKeys.length) {
        const stored = new Map(
          (await this.store.attributes(manager, [profileId])).map((a) => [a.key, decodeAttribute(a.value) as Json]),
        );
        const writes: { key: string; value: Json }[] = [];
        for (const [key, remove] of partialKeys) {
          const current = stored.get(key);
          if (!Array.isArray(current)) continue;
          const drop = new Set(remove.map((v) => JSON.stringify(v)));
          writes.push({ key, value: current.filter((v) => !drop.has(JSON.stringify(v))) });
        }
        await this.store.upsertAttributes(manager, profileId, writes);
      }
      await this.store.touch(manager, profileId);
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private users(body: JsonObject): JsonObject[] {
    const users = body.users;
    if (!Array.isArray(users) || users.length === 0 || users.length > MAX_USERS) {
      throw badRequest(`users must be an array of 1 to ${MAX_USERS.toLocaleString('en-US')} users`);
    }
    return users as JsonObject[];
  }

  private async batch(users: JsonObject[], work: (user: JsonObject, i: number) => Promise<void>): Promise<BatchResult> {
    let successful = 0;
    const errors: Record<string, string> = {};
    for (let i = 0; i < users.length; i++) {
      try {
        if (!isObject(users[i])) throw new UserFailure(`users.${i}`, 'a user must be an object');
        await work(users[i], i);
        successful++;
      } catch (e) {
        if (e instanceof UserFailure) errors[e.path] = e.message;
        else if (e instanceof AppError && e.code !== 'INTERNAL_SERVER_ERROR')
          errors[`users.${i}`] = e.message.replace(/: bad request$/, '');
        else throw e;
      }
    }
    return { data: { successful: { count: successful }, fail: { count: Object.keys(errors).length, errors } } };
  }

  private userIdentifiers(
    user: JsonObject,
    path: string,
    settings: IdentitySettings,
    required: boolean,
  ): ParsedIdentifier[] {
    if (user.identifiers === undefined && !required) return [];
    try {
      return parseIdentifiers(user.identifiers, settings);
    } catch (e) {
      throw new UserFailure(`${path}.identifiers`, (e as Error).message.replace(/: bad request$/, ''));
    }
  }

  /**
   * The one profile the user's identifiers (and insider_id) point at, or null for a new user.
   * Identifiers of two different profiles fail the user: merging profiles is not done here.
   */
  private async resolveProfile(
    manager: EntityManager,
    user: JsonObject,
    identifiers: ParsedIdentifier[],
    path: string,
  ): Promise<string | null> {
    const ids = new Set<string>();
    if (user.insider_id !== undefined) {
      if (typeof user.insider_id !== 'string')
        throw new UserFailure(`${path}.insider_id`, 'insider_id must be a string');
      const rows = await query(manager, 'SELECT id FROM identity_profiles WHERE id = $1', [user.insider_id]);
      if (!rows.length) throw new UserFailure(`${path}.insider_id`, 'no such user for this insider_id');
      ids.add(user.insider_id);
    }
    for (const identifier of identifiers) {
      const found = await this.store.profileIdByIdentifier(manager, identifier.type, identifier.value);
      if (found) ids.add(found);
    }
    if (ids.size > 1)
      throw new UserFailure(
        `${path}.identifiers`,
        'the identifiers belong to different users; merging profiles is not supported',
      );
    return ids.size ? [...ids][0] : null;
  }

  /** Adds the identifiers a profile lacks; a type it has with another value fails the user. */
  private async addIdentifiers(
    manager: EntityManager,
    profileId: string,
    identifiers: ParsedIdentifier[],
    path: string,
  ): Promise<void> {
    const existing = await this.store.identifiers(manager, [profileId]);
    for (const identifier of identifiers) {
      const same = existing.find((e) => e.type === identifier.type);
      if (same) {
        if (same.value !== identifier.value) {
          throw new UserFailure(
            `${path}.identifiers.${identifier.name}`,
            `the user already has a different ${identifier.name}; change it with PATCH /api/user/v1/identity`,
          );
        }
        continue;
      }
      try {
        // a violation fails this user; its transaction is rolled back whole
        await query(manager, 'INSERT INTO identity_identifiers (id, profile_id, type, value) VALUES ($1, $2, $3, $4)', [
          newId(),
          profileId,
          identifier.type,
          identifier.value,
        ]);
      } catch (e) {
        if (isUniqueViolation(e))
          throw new UserFailure(
            `${path}.identifiers.${identifier.name}`,
            'this identifier already belongs to another user',
          );
        throw e;
      }
    }
  }

  private attributeNames(raw: Json | undefined, path: string): string[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw) || !raw.every((n) => typeof n === 'string'))
      throw new UserFailure(path, 'whole must be an array of attribute names');
    return (raw as string[]).map((name) => this.attributeKey(name, path));
  }

  private partialEntries(partial: JsonObject, path: string): [string, Json[]][] {
    return Object.entries(partial).map(([name, values]) => {
      if (!Array.isArray(values)) throw new UserFailure(`${path}.${name}`, 'give the array items to remove');
      return [this.attributeKey(name, `${path}.${name}`), values];
    });
  }

  /** `name` for a default attribute, `c_name` (or custom.name) for a custom one; identifiers are refused. */
  private attributeKey(name: string, path: string): string {
    if (['uuid', 'email', 'phone_number', 'identifiers', 'custom'].includes(name)) {
      throw new UserFailure(path, `identifiers cannot be deleted here (${name}); use DELETE /api/user/v1/identity`);
    }
    if (name.startsWith('custom.')) return customAttributeKey(name.slice(7));
    return name;
  }

  private async findProfile(
    manager: EntityManager,
    body: JsonObject,
    settings: IdentitySettings,
  ): Promise<string | null> {
    if (typeof body.insider_id === 'string') {
      const rows = await query<{ id: string }>(manager, 'SELECT id FROM identity_profiles WHERE id = $1', [
        body.insider_id,
      ]);
      return rows[0]?.id ?? null;
    }
    const identifiers = parseIdentifiers(body.identifiers, settings);
    let found: string | null = null;
    for (const identifier of identifiers) {
      const id = await this.store.profileIdByIdentifier(manager, identifier.type, identifier.value);
      if (id && found && id !== found) throw badRequest('the identifiers belong to different users');
      found = id ?? found;
    }
    return found;
  }

  private async events(manager: EntityManager, profileId: string, raw: Json): Promise<JsonObject[]> {
    if (!isObject(raw)) throw badRequest('events must be an object with start_date, end_date and optionally wanted');
    const start = typeof raw.start_date === 'string' ? Date.parse(raw.start_date) : NaN;
    const end = typeof raw.end_date === 'string' ? Date.parse(raw.end_date) : NaN;
    if (Number.isNaN(start) || Number.isNaN(end))
      throw badRequest('events.start_date and events.end_date must be RFC 3339 date-times');
    if (end < start) throw badRequest('events.end_date is before events.start_date');
    const wanted = raw.wanted;
    if (wanted !== undefined && (!Array.isArray(wanted) || !wanted.every((w) => typeof w === 'string'))) {
      throw badRequest('events.wanted must be an array of event names');
    }
    const params: unknown[] = [profileId, new Date(start), new Date(end)];
    let filter = '';
    if (Array.isArray(wanted) && wanted.length) {
      filter = ` AND event_name IN (${wanted.map((_, j) => `$${j + 4}`).join(', ')})`;
      params.push(...wanted);
    }
    const rows = await query<{ event_name: string; timestamp: string | Date; params: string }>(
      manager,
      `SELECT event_name, timestamp, params FROM identity_events WHERE profile_id = $1 AND timestamp >= $2 AND timestamp <= $3${filter} ORDER BY timestamp ASC LIMIT 1000`,
      params,
    );
    return rows.map((r) => ({
      event_name: r.event_name,
      timestamp: toIso(r.timestamp),
      event_params: JSON.parse(r.params) as Json,
    }));
  }
}

function toIso(value: string | Date): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(`${value.replace(' ', 'T')}Z`).toISOString();
}

export { CUSTOM_ATTRIBUTE_PREFIX };
