import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError, ErrorCode, isUniqueViolation } from '../../common/app-error';
import { RateLimitService } from '../../common/rate-limit.service';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { newId } from '../../database/columns';
import { placeholders, query } from '../../database/sql';
import { TransactionService } from '../../database/transaction.service';
import { decodeAttribute, DEFAULT_IDENTIFIER_TYPES, encodeAttribute } from '../identity-codec';
import { IdentitySettings, IdentitySettingsService } from '../identity-settings.service';
import { ProfileStore } from '../profile-store';
import {
  appendArray,
  AttributeWrite,
  parseAttributeDeletes,
  parseAttributes,
  removeFromArray,
} from './partner-attributes';
import { EVENT_NAME, ParsedEvent, parseEvents } from './partner-events';
import {
  badRequest,
  identifierEntries,
  identifiersToWire,
  isObject,
  Json,
  JsonObject,
  NO_VALID_IDENTIFIER,
  noSuchUser,
  ParsedIdentifier,
  parseIdentifier,
  parseIdentifiers,
  Problems,
  requireObject,
} from './partner-input';

export const MAX_USERS = 1000;
const TAKEN = 'new identifier already has a user assigned to it';
const IDENTIFIER_TYPES = new Set<string>(DEFAULT_IDENTIFIER_TYPES);
const WANTED_ATTRIBUTES_MAX = 500;
const WANTED_EVENTS_MAX = 50;
const EVENTS_ANSWERED_MAX = 1000;
/** 9999-12-31T23:59:59Z: the last second an epoch timestamp may name */
const EPOCH_MAX = 253_402_300_799;
/** rows per multi-row statement (well under SQLite's 32,766 and PostgreSQL's 65,535 parameters) */
const ROWS_PER_STATEMENT = 1000;
const DIFFERENT_USERS = 'the identifiers belong to different users; merging profiles is not supported';
const NO_SUCH_INSIDER_ID = 'no such user for this insider_id';

/** A user of a batch that failed, with its problems by path (nothing of that user was written). */
class UserFailure extends Error {
  constructor(readonly problems: Problems) {
    super('the user failed');
  }

  static at(path: string, message: string): UserFailure {
    const problems = new Problems();
    problems.add(path, message);
    return new UserFailure(problems);
  }
}

/**
 * Insider's batch answer: `{"data":{"successful":{"count":N},"fail":{}}}`, and when users failed
 * `"fail":{"count":M,"errors":{"users.3.identifiers":["…"]}}`.
 */
export interface BatchResult {
  data: { successful: { count: number }; fail: { count?: number; errors?: Record<string, string[]> } };
}

/** What `/profile` was asked for in `events`. */
interface EventQuery {
  start: Date;
  end: Date;
  /** event name → the params wanted (null: all); null: every event */
  wanted: Map<string, string[] | null> | null;
}

/** One valid user of an `/upsert`, ready to write. */
interface UpsertPlan {
  index: number;
  path: string;
  insiderId?: string;
  identifiers: ParsedIdentifier[];
  writes: AttributeWrite[];
  events: ParsedEvent[];
  notAppend: boolean;
}

const identifierKey = (identifier: { type: string; value: string }) => `${identifier.type}\u0000${identifier.value}`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `not_append` / `append` of a body or a user: true (replace arrays), false (append), undefined, or invalid. */
function notAppendOf(source: JsonObject): boolean | undefined | 'invalid' {
  // Insider: "If you use both together, the value you provide for append will be accepted."
  if (source.append !== undefined) return typeof source.append === 'boolean' ? !source.append : 'invalid';
  if (source.not_append !== undefined) return typeof source.not_append === 'boolean' ? source.not_append : 'invalid';
  return undefined;
}

const reason = (e: AppError) => e.message.replace(/: bad request$/, '');
/** Code-unit order: the same on both engines. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const differentValue = (identifier: ParsedIdentifier) =>
  `the user already has a different ${identifier.name}; change it with PATCH /api/user/v1/identity`;

/** The answer of a batch: every user that is not in `failures` was written. */
function batchResult(total: number, failures: Map<number, Problems>): BatchResult {
  if (!failures.size) return { data: { successful: { count: total }, fail: {} } };
  const errors: Record<string, string[]> = {};
  for (const index of [...failures.keys()].sort((a, b) => a - b)) Object.assign(errors, failures.get(index)!.byPath);
  return { data: { successful: { count: total - failures.size }, fail: { count: failures.size, errors } } };
}

/** Insider One's Unification API (SPEC §4, seed 003) on the shared profile store. */
@Injectable()
export class PartnerService {
  private readonly logger = new Logger(PartnerService.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly store: ProfileStore,
    private readonly settingsService: IdentitySettingsService,
    private readonly limiter: RateLimitService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
      // Two deletes of a profile's last two identifiers must not both see "two left".
      await this.takeProfiles(manager, [profileId]);
      const count = await query<{ n: string | number }>(
        manager,
        'SELECT COUNT(*) AS n FROM identity_identifiers WHERE profile_id = $1',
        [profileId],
      );
      if (Number(count[0].n) <= 1) throw badRequest('you cannot delete the sole identifier specified for a user');
      const deleted = await query(
        manager,
        'DELETE FROM identity_identifiers WHERE type = $1 AND value = $2 AND profile_id = $3 RETURNING id',
        [identifier.type, identifier.value, profileId],
      );
      if (deleted.length === 0) throw noSuchUser(); // moved or removed while we waited for the lock
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
    const users = this.users(body);
    const requestMode = notAppendOf(body);
    if (requestMode === 'invalid') throw badRequest('append and not_append must be true or false');
    const settings = await this.settingsService.get();
    const failures = new Map<number, Problems>();
    const plans: UpsertPlan[] = [];
    users.forEach((user, i) => {
      try {
        plans.push(this.planUpsert(user, i, settings, requestMode));
      } catch (e) {
        failures.set(i, this.userProblems(e, i));
      }
    });
    for (const plan of await this.bulkUpsert(plans, failures)) {
      try {
        await this.upsertOne(plan);
      } catch (e) {
        failures.set(plan.index, this.userProblems(e, plan.index));
      }
    }
    return batchResult(users.length, failures);
  }

  /** POST /attribute/delete: whole or partial deletes of default and custom attributes, per user. */
  async deleteAttributes(rawBody: unknown): Promise<BatchResult> {
    const body = requireObject(rawBody);
    const users = this.users(body);
    const settings = await this.settingsService.get();
    const failures = new Map<number, Problems>();
    for (let i = 0; i < users.length; i++) {
      try {
        await this.deleteUserAttributes(users[i], i, settings);
      } catch (e) {
        failures.set(i, this.userProblems(e, i));
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
    const wanted = this.wantedAttributes(body.attributes);
    const eventQuery = body.events === undefined ? undefined : this.eventQuery(body.events);
    if (body.quota !== undefined && typeof body.quota !== 'boolean') throw badRequest('quota must be true or false');
    const settings = await this.settingsService.get();
    const manager = this.tx.manager;
    const profileId = await this.findProfile(manager, body, settings);
    if (!profileId) throw noSuchUser();
    const [identifiers, attributes] = await Promise.all([
      this.store.identifiers(manager, [profileId]),
      this.store.attributes(manager, [profileId]),
    ]);
    const stored = new Map(attributes.map((a) => [a.key, decodeAttribute(a.value) as Json]));
    const identifierValues = new Map(identifiers.map((i) => [i.type, i.value]));
    const outAttributes: JsonObject = {};
    for (const name of wanted ?? stored.keys()) {
      // Insider answers the default identifiers as attributes too ("attributes": ["email", "name"]).
      const value = IDENTIFIER_TYPES.has(name) ? (identifierValues.get(name) ?? stored.get(name)) : stored.get(name);
      if (value !== undefined) outAttributes[name] = value;
    }
    outAttributes.iid = profileId;
    const result: JsonObject = { attributes: outAttributes };
    if (eventQuery) result.events = await this.events(manager, profileId, eventQuery);
    if (body.quota === true) result.quota = await this.quota();
    result.iid = profileId;
    result.identifiers = identifiersToWire(identifiers);
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

  // ---- upsert -----------------------------------------------------------------------------------

  /** Validates one user of an `/upsert` whole: every problem is reported, by path. */
  private planUpsert(user: Json, i: number, settings: IdentitySettings, requestMode: boolean | undefined): UpsertPlan {
    const path = `users.${i}`;
    if (!isObject(user)) throw UserFailure.at(path, 'a user must be an object');
    const problems = new Problems();
    const insiderId = this.insiderId(user, path, problems);
    const identifiers = this.userIdentifiers(user, path, settings, problems);
    const writes = parseAttributes(user.attributes, `${path}.attributes`, settings, problems);
    const events = parseEvents(user.events, `${path}.events`, problems);
    const userMode = notAppendOf(user);
    if (userMode === 'invalid') problems.add(path, 'append and not_append must be true or false');
    if (problems.any) throw new UserFailure(problems);
    const notAppend = (userMode as boolean | undefined) ?? requestMode ?? false;
    return { index: i, path, insiderId, identifiers, writes, events, notAppend };
  }

  /**
   * Writes the users that stand alone in multi-row statements, in one transaction, and answers the
   * users to write one by one (in request order): those sharing an identifier or a profile with another
   * user of the request (so that their order holds), and all of them when the batch failed (a concurrent
   * writer took a value first: one by one, each user meets it alone).
   */
  private async bulkUpsert(plans: UpsertPlan[], failures: Map<number, Problems>): Promise<UpsertPlan[]> {
    if (!plans.length) return [];
    const manager = this.tx.manager;
    const owners = await this.identifierOwners(
      manager,
      plans.flatMap((plan) => plan.identifiers),
    );
    const insiderIds = await this.existingProfileIds(
      manager,
      plans.flatMap((plan) => (plan.insiderId ? [plan.insiderId] : [])),
    );
    const targets = new Map<UpsertPlan, string | null>();
    const uses = new Map<string, number>();
    const claims = (plan: UpsertPlan, target: string | null) => [
      ...plan.identifiers.map(identifierKey),
      ...(target ? [`profile:${target}`] : []),
    ];
    for (const plan of plans) {
      const profiles = new Set<string>();
      if (plan.insiderId !== undefined) {
        if (!insiderIds.has(plan.insiderId)) {
          failures.set(plan.index, UserFailure.at(`${plan.path}.insider_id`, NO_SUCH_INSIDER_ID).problems);
          continue;
        }
        profiles.add(plan.insiderId);
      }
      for (const identifier of plan.identifiers) {
        const owner = owners.get(identifierKey(identifier));
        if (owner) profiles.add(owner);
      }
      if (profiles.size > 1) {
        failures.set(plan.index, UserFailure.at(`${plan.path}.identifiers`, DIFFERENT_USERS).problems);
        continue;
      }
      const target = profiles.size ? [...profiles][0] : null;
      targets.set(plan, target);
      for (const claim of claims(plan, target)) uses.set(claim, (uses.get(claim) ?? 0) + 1);
    }
    const oneByOne: UpsertPlan[] = [];
    const together: UpsertPlan[] = [];
    for (const [plan, target] of targets) {
      (claims(plan, target).some((claim) => uses.get(claim)! > 1) ? oneByOne : together).push(plan);
    }
    // What the existing profiles hold, for users that bring identifiers they lack: a type the profile
    // has with another value fails the user.
    const bringsNew = (plan: UpsertPlan) => plan.identifiers.some((i) => !owners.has(identifierKey(i)));
    const held = await this.identifiersOf(
      manager,
      together.flatMap((plan) => (targets.get(plan) && bringsNew(plan) ? [targets.get(plan)!] : [])),
    );
    const ready: { plan: UpsertPlan; profileId: string | null; missing: ParsedIdentifier[] }[] = [];
    for (const plan of together) {
      const profileId = targets.get(plan)!;
      if (!profileId || !bringsNew(plan)) {
        ready.push({ plan, profileId, missing: profileId ? [] : plan.identifiers });
        continue;
      }
      const has = held.get(profileId) ?? new Map<string, string>();
      const problems = new Problems();
      for (const identifier of plan.identifiers) {
        const value = has.get(identifier.type);
        if (value !== undefined && value !== identifier.value)
          problems.add(`${plan.path}.identifiers`, differentValue(identifier));
      }
      if (problems.any) failures.set(plan.index, problems);
      else ready.push({ plan, profileId, missing: plan.identifiers.filter((i) => !has.has(i.type)) });
    }
    if (!ready.length) return oneByOne;
    try {
      await this.tx.run((m) => this.writeTogether(m, ready));
    } catch (error) {
      this.logger.warn(
        { err: error, users: ready.length },
        'bulk upsert met a concurrent writer (or failed); writing its users one by one',
      );
      return [...oneByOne, ...ready.map((r) => r.plan)].sort((a, b) => a.index - b.index);
    }
    return oneByOne;
  }

  /** The writes of standalone users, in a handful of multi-row statements (one transaction). */
  private async writeTogether(
    manager: EntityManager,
    ready: { plan: UpsertPlan; profileId: string | null; missing: ParsedIdentifier[] }[],
  ): Promise<void> {
    const existing = [...new Set(ready.flatMap((r) => (r.profileId ? [r.profileId] : [])))];
    await this.takeProfiles(manager, existing);
    const appendKeys = new Set<string>();
    const appendProfiles: string[] = [];
    for (const { plan, profileId } of ready) {
      const keys = plan.notAppend ? [] : plan.writes.filter((w) => w.array).map((w) => w.key);
      if (profileId && keys.length) {
        appendProfiles.push(profileId);
        keys.forEach((key) => appendKeys.add(key));
      }
    }
    const stored = await this.storedValuesOf(manager, appendProfiles, [...appendKeys]);
    const now = new Date();
    const profiles: unknown[][] = [];
    const identifiers: unknown[][] = [];
    const attributes: { profileId: string; key: string; value: Json }[] = [];
    const events: unknown[][] = [];
    for (const { plan, profileId: found, missing } of ready) {
      const profileId = found ?? newId();
      if (!found) profiles.push([profileId, now, now]);
      for (const identifier of missing) identifiers.push([newId(), profileId, identifier.type, identifier.value]);
      for (const w of plan.writes) {
        const value =
          w.array && !plan.notAppend
            ? appendArray(stored.get(`${profileId}\u0000${w.key}`), w.value as Json[])
            : w.value;
        attributes.push({ profileId, key: w.key, value });
      }
      for (const e of plan.events)
        events.push([newId(), profileId, e.name, e.timestamp, JSON.stringify(e.params), now]);
    }
    await this.insertRows(manager, 'identity_profiles (id, created_at, updated_at)', profiles);
    // in (type, value) order: concurrent batches claiming the same new values wait on each other, not deadlock
    identifiers.sort((a, b) => byText(`${a[2]}\u0000${a[3]}`, `${b[2]}\u0000${b[3]}`));
    await this.insertRows(manager, 'identity_identifiers (id, profile_id, type, value)', identifiers);
    await this.writeAttributes(manager, attributes);
    await this.insertRows(
      manager,
      'identity_events (id, profile_id, event_name, timestamp, params, created_at)',
      events,
    );
  }

  /** One user, in its own transaction: the profile is taken first, so concurrent writers queue on it. */
  private async upsertOne(plan: UpsertPlan): Promise<void> {
    const { path, identifiers, writes, events, notAppend } = plan;
    const appendKeys = notAppend ? [] : writes.filter((w) => w.array).map((w) => w.key);
    await this.tx.run(async (manager) => {
      const found = await this.resolveProfile(manager, plan.insiderId, identifiers, path);
      let profileId = found.profileId;
      let created = false;
      if (profileId) {
        await this.takeProfiles(manager, [profileId]);
        await this.addIdentifiers(manager, profileId, identifiers, found.known, path);
      } else {
        const [first, ...rest] = identifiers;
        const ensured = await this.store.ensureProfile(manager, first.type, first.value);
        profileId = ensured.id;
        created = ensured.created;
        if (!created) await this.takeProfiles(manager, [profileId]);
        await this.addIdentifiers(manager, profileId, rest, new Set(), path);
      }
      const current =
        appendKeys.length && !created ? await this.storedValuesOf(manager, [profileId], appendKeys) : null;
      await this.writeAttributes(
        manager,
        writes.map((w) => ({
          profileId: profileId!,
          key: w.key,
          value:
            w.array && !notAppend
              ? appendArray(current?.get(`${profileId}\u0000${w.key}`), w.value as Json[])
              : w.value,
        })),
      );
      await this.insertRows(
        manager,
        'identity_events (id, profile_id, event_name, timestamp, params, created_at)',
        events.map((e) => [newId(), profileId, e.name, e.timestamp, JSON.stringify(e.params), new Date()]),
      );
    });
  }

  private async deleteUserAttributes(user: Json, i: number, settings: IdentitySettings): Promise<void> {
    const path = `users.${i}`;
    if (!isObject(user)) throw UserFailure.at(path, 'a user must be an object');
    const problems = new Problems();
    const insiderId = this.insiderId(user, path, problems);
    const identifiers = this.userIdentifiers(user, path, settings, problems);
    const deletes = parseAttributeDeletes(user, path, settings, problems);
    if (problems.any) throw new UserFailure(problems);
    await this.tx.run(async (manager) => {
      const { profileId } = await this.resolveProfile(manager, insiderId, identifiers, path);
      if (!profileId) throw UserFailure.at(`${path}.identifiers`, 'no such user for these identifiers');
      await this.takeProfiles(manager, [profileId]);
      if (deletes.whole.length) {
        const list = deletes.whole.map((_, j) => `$${j + 2}`).join(', ');
        await query(manager, `DELETE FROM identity_attributes WHERE profile_id = $1 AND key IN (${list})`, [
          profileId,
          ...deletes.whole,
        ]);
      }
      if (deletes.partial.length) {
        const stored = await this.storedValuesOf(
          manager,
          [profileId],
          deletes.partial.map(([key]) => key),
        );
        const writes: { profileId: string; key: string; value: Json }[] = [];
        for (const [key, remove] of deletes.partial) {
          const current = stored.get(`${profileId}\u0000${key}`);
          if (Array.isArray(current)) writes.push({ profileId, key, value: removeFromArray(current, remove) });
        }
        await this.writeAttributes(manager, writes);
      }
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private users(body: JsonObject): Json[] {
    const users = body.users;
    if (users === undefined || users === null) throw badRequest('users must be defined');
    if (!Array.isArray(users)) throw badRequest('users must be an array of users');
    if (users.length === 0) throw badRequest('users must not be empty');
    if (users.length > MAX_USERS) {
      throw badRequest(
        `a request can carry at most ${MAX_USERS.toLocaleString('en-US')} users, not ${users.length.toLocaleString('en-US')}`,
      );
    }
    return users;
  }

  /** A user's failure as problems by path; anything unexpected goes on (a 500). */
  private userProblems(e: unknown, i: number): Problems {
    if (e instanceof UserFailure) return e.problems;
    if (e instanceof AppError && e.code !== ErrorCode.Internal) return UserFailure.at(`users.${i}`, reason(e)).problems;
    throw e;
  }

  private insiderId(user: JsonObject, path: string, problems: Problems): string | undefined {
    const raw = user.insider_id;
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > 64) {
      problems.add(`${path}.insider_id`, 'insider_id must be a string (the iid /profile answers)');
      return undefined;
    }
    return raw;
  }

  /** A user's identifiers, each checked against the identity settings; problems go to `users.N.identifiers`. */
  private userIdentifiers(
    user: JsonObject,
    path: string,
    settings: IdentitySettings,
    problems: Problems,
  ): ParsedIdentifier[] {
    const at = `${path}.identifiers`;
    const raw = user.identifiers;
    const hasInsiderId = user.insider_id !== undefined && user.insider_id !== null;
    if (raw === undefined || raw === null) {
      if (!hasInsiderId) problems.add(at, 'either insider_id or identifiers must be specified');
      return [];
    }
    if (!isObject(raw)) {
      problems.add(at, 'identifiers must be an object');
      return [];
    }
    let entries: ReturnType<typeof identifierEntries>;
    try {
      entries = identifierEntries(raw);
    } catch (e) {
      problems.add(at, reason(e as AppError));
      return [];
    }
    if (entries.length === 0 && !hasInsiderId) problems.add(at, NO_VALID_IDENTIFIER);
    if (entries.length > 20) {
      problems.add(at, 'at most 20 identifiers per user');
      return [];
    }
    const out: ParsedIdentifier[] = [];
    for (const [name, value, custom] of entries) {
      try {
        out.push(parseIdentifier(name, value, custom, settings));
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        // with several identifiers, say which one (unless the message already does)
        const message = reason(e);
        problems.add(at, entries.length > 1 && !message.startsWith(name) ? `${name}: ${message}` : message);
      }
    }
    return out;
  }

  /**
   * The one profile a user's insider_id and identifiers point at (null for a new user), in one query
   * for the identifiers, and which of them it already holds. Identifiers of two different profiles fail
   * the user: merging profiles is not done here.
   */
  private async resolveProfile(
    manager: EntityManager,
    insiderId: string | undefined,
    identifiers: ParsedIdentifier[],
    path: string,
  ): Promise<{ profileId: string | null; known: Set<string> }> {
    const ids = new Set<string>();
    const known = new Set<string>();
    if (insiderId !== undefined) {
      const rows = await query(manager, 'SELECT id FROM identity_profiles WHERE id = $1', [insiderId]);
      if (!rows.length) throw UserFailure.at(`${path}.insider_id`, NO_SUCH_INSIDER_ID);
      ids.add(insiderId);
    }
    if (identifiers.length) {
      const where = identifiers.map((_, j) => `(type = $${2 * j + 1} AND value = $${2 * j + 2})`).join(' OR ');
      const rows = await query<{ profile_id: string; type: string; value: string }>(
        manager,
        `SELECT profile_id, type, value FROM identity_identifiers WHERE ${where}`,
        identifiers.flatMap((identifier) => [identifier.type, identifier.value]),
      );
      for (const row of rows) {
        ids.add(row.profile_id);
        known.add(`${row.type}\u0000${row.value}`);
      }
    }
    if (ids.size > 1) {
      throw UserFailure.at(`${path}.identifiers`, DIFFERENT_USERS);
    }
    return { profileId: ids.size ? [...ids][0] : null, known };
  }

  /** Adds the identifiers a profile lacks (one statement); a type it has with another value fails the user. */
  private async addIdentifiers(
    manager: EntityManager,
    profileId: string,
    identifiers: ParsedIdentifier[],
    known: Set<string>,
    path: string,
  ): Promise<void> {
    const unknown = identifiers.filter((identifier) => !known.has(`${identifier.type}\u0000${identifier.value}`));
    if (!unknown.length) return;
    const existing = await query<{ type: string; value: string }>(
      manager,
      'SELECT type, value FROM identity_identifiers WHERE profile_id = $1',
      [profileId],
    );
    const problems = new Problems();
    const missing: ParsedIdentifier[] = [];
    for (const identifier of unknown) {
      const same = existing.find((e) => e.type === identifier.type);
      if (!same) missing.push(identifier);
      else if (same.value !== identifier.value) {
        problems.add(`${path}.identifiers`, differentValue(identifier));
      }
    }
    if (problems.any) throw new UserFailure(problems);
    if (!missing.length) return;
    const rows: string[] = [];
    const params: unknown[] = [];
    for (const identifier of missing) {
      rows.push(placeholders(params.length, 4));
      params.push(newId(), profileId, identifier.type, identifier.value);
    }
    try {
      // a violation (another user took the value meanwhile) fails this user; its transaction is rolled back
      await query(
        manager,
        `INSERT INTO identity_identifiers (id, profile_id, type, value) VALUES ${rows.join(', ')}`,
        params,
      );
    } catch (e) {
      if (isUniqueViolation(e))
        throw UserFailure.at(`${path}.identifiers`, 'an identifier already belongs to another user');
      throw e;
    }
  }

  /**
   * Takes the profiles for this transaction and marks them updated. Every partner write takes its
   * profiles first, in id order, before any identifier or attribute row: concurrent writers of one
   * profile queue here (an append reads the array it extends under it) and cannot deadlock.
   */
  private async takeProfiles(manager: EntityManager, ids: string[]): Promise<void> {
    const sorted = [...new Set(ids)].sort(byText);
    if (!sorted.length) return;
    if (this.tx.isPostgres && sorted.length > 1) {
      for (const chunk of chunks(sorted, ROWS_PER_STATEMENT)) {
        await query(
          manager,
          `SELECT id FROM identity_profiles WHERE id IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')}) ORDER BY id FOR UPDATE`,
          chunk,
        );
      }
    }
    for (const chunk of chunks(sorted, ROWS_PER_STATEMENT)) {
      await query(
        manager,
        `UPDATE identity_profiles SET updated_at = CURRENT_TIMESTAMP WHERE id IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')})`,
        chunk,
      );
    }
  }

  /** Stored values of some keys of some profiles, by `profileId\0key`. */
  private async storedValuesOf(
    manager: EntityManager,
    profileIds: string[],
    keys: string[],
  ): Promise<Map<string, Json>> {
    const out = new Map<string, Json>();
    const ids = [...new Set(profileIds)];
    if (!ids.length || !keys.length) return out;
    const keyList = keys.map((_, j) => `$${j + 1}`).join(', ');
    for (const chunk of chunks(ids, ROWS_PER_STATEMENT)) {
      const rows = await query<{ profile_id: string; key: string; value: string }>(
        manager,
        `SELECT profile_id, key, value FROM identity_attributes WHERE key IN (${keyList}) AND profile_id IN (${chunk
          .map((_, j) => `$${keys.length + j + 1}`)
          .join(', ')})`,
        [...keys, ...chunk],
      );
      for (const row of rows) out.set(`${row.profile_id}\u0000${row.key}`, decodeAttribute(row.value) as Json);
    }
    return out;
  }

  /** Which profile holds each of these identifiers (`type\0value` → profile id), in few statements. */
  private async identifierOwners(
    manager: EntityManager,
    identifiers: ParsedIdentifier[],
  ): Promise<Map<string, string>> {
    const unique = [...new Map(identifiers.map((i) => [identifierKey(i), i])).values()];
    const owners = new Map<string, string>();
    for (const chunk of chunks(unique, 400)) {
      const where = chunk.map((_, j) => `(type = $${2 * j + 1} AND value = $${2 * j + 2})`).join(' OR ');
      const rows = await query<{ profile_id: string; type: string; value: string }>(
        manager,
        `SELECT profile_id, type, value FROM identity_identifiers WHERE ${where}`,
        chunk.flatMap((identifier) => [identifier.type, identifier.value]),
      );
      for (const row of rows) owners.set(identifierKey(row), row.profile_id);
    }
    return owners;
  }

  private async existingProfileIds(manager: EntityManager, ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks([...new Set(ids)], ROWS_PER_STATEMENT)) {
      const rows = await query<{ id: string }>(
        manager,
        `SELECT id FROM identity_profiles WHERE id IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')})`,
        chunk,
      );
      rows.forEach((row) => found.add(row.id));
    }
    return found;
  }

  /** The identifiers of some profiles: profile id → type → value. */
  private async identifiersOf(manager: EntityManager, profileIds: string[]): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    for (const chunk of chunks([...new Set(profileIds)], ROWS_PER_STATEMENT)) {
      const rows = await query<{ profile_id: string; type: string; value: string }>(
        manager,
        `SELECT profile_id, type, value FROM identity_identifiers WHERE profile_id IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')})`,
        chunk,
      );
      for (const row of rows) {
        if (!out.has(row.profile_id)) out.set(row.profile_id, new Map());
        out.get(row.profile_id)!.set(row.type, row.value);
      }
    }
    return out;
  }

  /** `INSERT INTO <table (columns)> VALUES (…), (…)`, as many rows per statement as fit. */
  private async insertRows(manager: EntityManager, into: string, rows: unknown[][], tail = ''): Promise<void> {
    if (!rows.length) return;
    const width = rows[0].length;
    for (const chunk of chunks(rows, Math.floor(30_000 / width))) {
      const params: unknown[] = [];
      const values = chunk.map((row) => {
        const p = placeholders(params.length, width);
        params.push(...row);
        return p;
      });
      await query(manager, `INSERT INTO ${into} VALUES ${values.join(', ')}${tail}`, params);
    }
  }

  /**
   * Writes attributes by (profile, key), overwriting those present and keeping the others, in
   * multi-row `INSERT … ON CONFLICT DO UPDATE`s; rows in (profile, key) order, the last of a pair wins.
   */
  private async writeAttributes(
    manager: EntityManager,
    rows: { profileId: string; key: string; value: Json }[],
  ): Promise<void> {
    const byPair = new Map(rows.map((row) => [`${row.profileId}\u0000${row.key}`, row]));
    const sorted = [...byPair.entries()].sort(([a], [b]) => byText(a, b)).map(([, row]) => row);
    await this.insertRows(
      manager,
      'identity_attributes (profile_id, key, value, value_key)',
      sorted.map((row) => {
        const encoded = encodeAttribute(row.value);
        return [row.profileId, row.key, encoded.value, encoded.valueKey];
      }),
      ' ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, value_key = excluded.value_key, updated_at = CURRENT_TIMESTAMP',
    );
  }

  /** The profile of a `/profile` or `/delete` body: by `insider_id`, or by its identifiers. */
  private async findProfile(
    manager: EntityManager,
    body: JsonObject,
    settings: IdentitySettings,
  ): Promise<string | null> {
    if (body.insider_id !== undefined && body.insider_id !== null) {
      if (typeof body.insider_id !== 'string' || body.insider_id.length === 0 || body.insider_id.length > 64) {
        throw badRequest('insider_id must be a string (the iid /profile answers)');
      }
      const rows = await query<{ id: string }>(manager, 'SELECT id FROM identity_profiles WHERE id = $1', [
        body.insider_id,
      ]);
      return rows[0]?.id ?? null;
    }
    if (body.identifiers === undefined || body.identifiers === null) {
      throw badRequest('either insider_id or identifiers must be specified');
    }
    const identifiers = parseIdentifiers(body.identifiers, settings);
    const where = identifiers.map((_, j) => `(type = $${2 * j + 1} AND value = $${2 * j + 2})`).join(' OR ');
    const rows = await query<{ profile_id: string }>(
      manager,
      `SELECT DISTINCT profile_id FROM identity_identifiers WHERE ${where}`,
      identifiers.flatMap((identifier) => [identifier.type, identifier.value]),
    );
    if (rows.length > 1) throw badRequest('the identifiers belong to different users');
    return rows[0]?.profile_id ?? null;
  }

  private wantedAttributes(raw: Json | undefined): string[] | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (
      !Array.isArray(raw) ||
      raw.length > WANTED_ATTRIBUTES_MAX ||
      !raw.every((name) => typeof name === 'string' && name.length <= 130)
    ) {
      throw badRequest(`attributes must be an array of at most ${WANTED_ATTRIBUTES_MAX} attribute names`);
    }
    return raw as string[];
  }

  /** `{"start_date": 1606311893, "end_date": 1611582293, "wanted": [{"event_name", "params"}]}` */
  private eventQuery(raw: Json): EventQuery {
    if (!isObject(raw)) throw badRequest('events must be an object with start_date, end_date and wanted');
    const start = this.instant(raw.start_date, 'events.start_date');
    const end = this.instant(raw.end_date, 'events.end_date');
    if (end < start) throw badRequest('events.end_date is before events.start_date');
    const list = raw.wanted;
    if (list === undefined || list === null) return { start, end, wanted: null };
    if (!Array.isArray(list) || list.length > WANTED_EVENTS_MAX) {
      throw badRequest(`events.wanted must be an array of at most ${WANTED_EVENTS_MAX} events`);
    }
    const wanted = new Map<string, string[] | null>();
    list.forEach((item, j) => {
      const at = `events.wanted.${j}`;
      // Insider's `{ "event_name", "params" }`; a bare name asks for every parameter.
      const name = typeof item === 'string' ? item : isObject(item) ? item.event_name : undefined;
      if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
        throw badRequest(`${at}.event_name must be 1 to 128 lowercase letters, digits or "_"`);
      }
      const params = isObject(item) ? item.params : undefined;
      if (params === undefined || params === null) wanted.set(name, null);
      else if (Array.isArray(params) && params.length <= 100 && params.every((p) => typeof p === 'string')) {
        wanted.set(name, params as string[]);
      } else throw badRequest(`${at}.params must be an array of at most 100 parameter names`);
    });
    return { start, end, wanted };
  }

  /** An epoch timestamp in seconds (Insider), or an RFC 3339 date-time. */
  private instant(raw: Json | undefined, field: string): Date {
    if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 && raw <= EPOCH_MAX) return new Date(raw * 1000);
    if (typeof raw === 'string' && raw.length <= 64) {
      const time = Date.parse(raw);
      if (!Number.isNaN(time)) return new Date(time);
    }
    throw badRequest(`${field} must be an epoch timestamp in seconds (e.g. 1606311893) or an RFC 3339 date-time`);
  }

  /** Insider's shape: `{"purchase": [{"product_id": "…", "created_date": "2021-01-06T23:34:09Z"}]}`, newest first. */
  private async events(manager: EntityManager, profileId: string, q: EventQuery): Promise<JsonObject> {
    const params: unknown[] = [profileId, q.start, q.end];
    let filter = '';
    if (q.wanted) {
      const names = [...q.wanted.keys()];
      if (!names.length) return {};
      filter = ` AND event_name IN (${names.map((_, j) => `$${j + 4}`).join(', ')})`;
      params.push(...names);
    }
    const rows = await query<{ event_name: string; timestamp: string | Date; params: string }>(
      manager,
      `SELECT event_name, timestamp, params FROM identity_events WHERE profile_id = $1 AND timestamp >= $2 AND timestamp <= $3${filter} ORDER BY timestamp DESC LIMIT ${EVENTS_ANSWERED_MAX}`,
      params,
    );
    const out: JsonObject = {};
    for (const name of q.wanted?.keys() ?? []) out[name] = [];
    for (const row of rows) {
      const stored = JSON.parse(row.params) as JsonObject;
      const entry = pickParams(stored, q.wanted?.get(row.event_name) ?? null);
      entry.created_date = toIso(row.timestamp);
      ((out[row.event_name] ??= []) as Json[]).push(entry);
    }
    return out;
  }

  /** Insider's `quota` (with `"quota": true`): this request's cost and the minute's use of the /profile limit. */
  private async quota(): Promise<JsonObject> {
    const used = await this.limiter.used('partnerProfile', this.config.partnerName);
    return { cost: 1, used, total: this.config.rateLimits.partnerProfile.limit };
  }
}

/** The wanted parameters of a stored event (`c_<name>` for a custom one); all of them when none are named. */
function pickParams(stored: JsonObject, wanted: string[] | null): JsonObject {
  if (!wanted || wanted.length === 0) return { ...stored };
  const custom = isObject(stored.custom) ? stored.custom : {};
  const out: JsonObject = {};
  for (const name of wanted) {
    if (name === 'timestamp' || name === 'created_date') continue; // answered as created_date
    const value = name.startsWith('c_') && custom[name.slice(2)] !== undefined ? custom[name.slice(2)] : stored[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** RFC 3339 in UTC, without milliseconds when there are none (`2021-01-06T23:34:09Z`). */
function toIso(value: string | Date): string {
  const date = value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
  return date.toISOString().replace('.000Z', 'Z');
}
