import { AppError, ErrorCode } from '../../common/app-error';
import { timeOrderedId } from '../time-ordered-id';
import { identifierKey, pairKey } from '../identity-codec';
import { IdentitySettings } from '../identity-settings.service';
import { StoredAttribute, StoredEvent, StoredIdentifier } from '../profile-store';
import {
  appendArray,
  AttributeDeletes,
  AttributeWrite,
  CONTACT_ATTRIBUTES,
  parseAttributeDeletes,
  parseAttributes,
  removeFromArray,
} from './partner-attributes';
import { ParsedEvent, parseEvents } from './partner-events';
import {
  badRequest,
  identifierEntries,
  isObject,
  Json,
  JsonObject,
  NO_VALID_IDENTIFIER,
  ParsedIdentifier,
  parseIdentifier,
  Problems,
} from './partner-input';

/**
 * The pure part of the batch endpoints (`/upsert`, `/attribute/delete`): each user validated whole
 * into a plan, the plans grouped into those written together and those written one by one, and the
 * rows they write. No I/O here: PartnerService reads what these functions need and writes what they
 * answer.
 */

export const MAX_USERS = 1000;
const IDENTIFIERS_PER_USER = 20;
export const NO_SUCH_INSIDER_ID = 'no such user for this insider_id';
export const DIFFERENT_USERS =
  'the identifiers belong to different users; the identity setting mergeOnUpsert merges them';

/** A user of a batch that failed, with its problems by path (nothing of that user was written). */
export class UserFailure extends Error {
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

/** The answer of a batch: every user that is not in `failures` was written. */
export function batchResult(total: number, failures: Map<number, Problems>): BatchResult {
  if (!failures.size) return { data: { successful: { count: total }, fail: {} } };
  const errors: Record<string, string[]> = {};
  for (const index of [...failures.keys()].sort((a, b) => a - b)) Object.assign(errors, failures.get(index)!.byPath);
  return { data: { successful: { count: total - failures.size }, fail: { count: failures.size, errors } } };
}

/** A user's failure as problems by path; anything unexpected goes on (a 500). */
export function userProblems(e: unknown, i: number): Problems {
  if (e instanceof UserFailure) return e.problems;
  if (e instanceof AppError && e.code !== ErrorCode.Internal) return UserFailure.at(`users.${i}`, e.message).problems;
  throw e;
}

/** The `users` of a batch body: 1 to 1,000 of them. */
export function requireUsers(body: JsonObject): Json[] {
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

/** `not_append` / `append` of a body or a user: true (replace arrays), false (append), undefined, or invalid. */
export function notAppendOf(source: JsonObject): boolean | undefined | 'invalid' {
  // Insider: "If you use both together, the value you provide for append will be accepted."
  if (source.append !== undefined) return typeof source.append === 'boolean' ? !source.append : 'invalid';
  if (source.not_append !== undefined) return typeof source.not_append === 'boolean' ? source.not_append : 'invalid';
  return undefined;
}

/** The request-wide `append` / `not_append` of an `/upsert` body. */
export function requestNotAppend(body: JsonObject): boolean | undefined {
  const mode = notAppendOf(body);
  if (mode === 'invalid') throw badRequest('append and not_append must be true or false');
  return mode;
}

function userInsiderId(user: JsonObject, path: string, problems: Problems): string | undefined {
  const raw = user.insider_id;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 64) {
    problems.add(`${path}.insider_id`, 'insider_id must be a string (the iid /profile answers)');
    return undefined;
  }
  return raw;
}

/** A user's identifiers, each checked against the identity settings; problems go to `users.N.identifiers`. */
function userIdentifiers(
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
    problems.add(at, (e as AppError).message);
    return [];
  }
  if (entries.length === 0 && !hasInsiderId) problems.add(at, NO_VALID_IDENTIFIER);
  if (entries.length > IDENTIFIERS_PER_USER) {
    problems.add(at, `at most ${IDENTIFIERS_PER_USER} identifiers per user`);
    return [];
  }
  const out: ParsedIdentifier[] = [];
  for (const [name, value, custom] of entries) {
    try {
      out.push(parseIdentifier(name, value, custom, settings));
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      // with several identifiers, say which one (unless the message already does)
      problems.add(at, entries.length > 1 && !e.message.startsWith(name) ? `${name}: ${e.message}` : e.message);
    }
  }
  return out;
}

/** Who a user of a batch is: its insider_id and identifiers. */
export interface UserRef {
  index: number;
  /** `users.N` */
  path: string;
  insiderId?: string;
  identifiers: ParsedIdentifier[];
}

/** One valid user of an `/upsert`, ready to write. */
export interface UpsertPlan extends UserRef {
  writes: AttributeWrite[];
  events: ParsedEvent[];
  notAppend: boolean;
}

/** One valid user of an `/attribute/delete`. */
export interface AttributeDeletePlan extends UserRef {
  deletes: AttributeDeletes;
}

/** The fields of a user of `/upsert` and of `/attribute/delete`; anything else is refused, never dropped. */
const UPSERT_FIELDS = new Set(['identifiers', 'insider_id', 'attributes', 'events', 'append', 'not_append']);
const DELETE_FIELDS = new Set(['identifiers', 'insider_id', 'whole', 'partial', 'custom']);

function unknownFields(user: JsonObject, known: ReadonlySet<string>, path: string, problems: Problems): void {
  for (const field of Object.keys(user)) {
    if (!known.has(field))
      problems.add(`${path}.${field}`, `unknown field "${field}": a user has ${[...known].join(', ')}`);
  }
}

/**
 * A contact attribute sent with the identifier of its type (`identifiers.email` and `attributes.email`)
 * must hold the same value: they are stored apart, and must not start out disagreeing.
 */
function contactProblems(
  writes: readonly AttributeWrite[],
  identifiers: readonly ParsedIdentifier[],
  path: string,
  problems: Problems,
): void {
  for (const write of writes) {
    if (!CONTACT_ATTRIBUTES.has(write.key)) continue;
    const identifier = identifiers.find((i) => !i.custom && i.type === write.key);
    if (identifier && identifier.value !== write.value) {
      problems.add(
        `${path}.attributes.${write.key}`,
        `must equal identifiers.${write.key} when both are sent (change an identifier with PATCH /api/user/v1/identity)`,
      );
    }
  }
}

/** Validates one user of an `/upsert` whole: every problem is reported, by path (a UserFailure). */
export function planUpsert(
  user: Json,
  index: number,
  settings: IdentitySettings,
  requestMode: boolean | undefined,
): UpsertPlan {
  const path = `users.${index}`;
  if (!isObject(user)) throw UserFailure.at(path, 'a user must be an object');
  const problems = new Problems();
  unknownFields(user, UPSERT_FIELDS, path, problems);
  const insiderId = userInsiderId(user, path, problems);
  const identifiers = userIdentifiers(user, path, settings, problems);
  const writes = parseAttributes(user.attributes, `${path}.attributes`, problems);
  contactProblems(writes, identifiers, path, problems);
  const events = parseEvents(user.events, `${path}.events`, problems);
  const userMode = notAppendOf(user);
  if (userMode === 'invalid') problems.add(path, 'append and not_append must be true or false');
  if (problems.any) throw new UserFailure(problems);
  const notAppend = (userMode as boolean | undefined) ?? requestMode ?? false;
  return { index, path, insiderId, identifiers, writes, events, notAppend };
}

/** Validates one user of an `/attribute/delete` whole (a UserFailure with every problem). */
export function planAttributeDelete(user: Json, index: number, settings: IdentitySettings): AttributeDeletePlan {
  const path = `users.${index}`;
  if (!isObject(user)) throw UserFailure.at(path, 'a user must be an object');
  const problems = new Problems();
  unknownFields(user, DELETE_FIELDS, path, problems);
  const insiderId = userInsiderId(user, path, problems);
  const identifiers = userIdentifiers(user, path, settings, problems);
  const deletes = parseAttributeDeletes(user, path, problems);
  if (problems.any) throw new UserFailure(problems);
  return { index, path, insiderId, identifiers, deletes };
}

// ---- which profile each user is -----------------------------------------------------------------

/** Fails a user whose insider_id names no profile (`existing`: the profile ids that exist). */
export function checkInsiderId(user: UserRef, existing: ReadonlySet<string>): void {
  if (user.insiderId !== undefined && !existing.has(user.insiderId)) {
    throw UserFailure.at(`${user.path}.insider_id`, NO_SUCH_INSIDER_ID);
  }
}

/**
 * The one profile a user's insider_id and identifiers point at (null: a new user), from which profile
 * holds each identifier (`owners`). Identifiers of two different profiles fail the user (with the
 * identity setting mergeOnUpsert, PartnerService has merged them before this is asked).
 */
export function targetOf(
  user: UserRef,
  owners: ReadonlyMap<string, string>,
  existing: ReadonlySet<string>,
): string | null {
  checkInsiderId(user, existing);
  const profiles = new Set<string>(user.insiderId !== undefined ? [user.insiderId] : []);
  for (const identifier of user.identifiers) {
    const owner = owners.get(identifierKey(identifier));
    if (owner) profiles.add(owner);
  }
  if (profiles.size > 1) throw UserFailure.at(`${user.path}.identifiers`, DIFFERENT_USERS);
  return profiles.size ? [...profiles][0] : null;
}

/** Whether a user brings an identifier no profile holds (so its profile's identifiers must be read). */
export function bringsNew(plan: UserRef, owners: ReadonlyMap<string, string>): boolean {
  return plan.identifiers.some((i) => !owners.has(identifierKey(i)));
}

/**
 * The identifiers to add to a profile that holds `held` (type → value): those of a type it lacks. A
 * type it holds with another value fails the user (identifiers change only through PATCH /identity).
 */
export function identifiersToAdd(
  identifiers: readonly ParsedIdentifier[],
  held: ReadonlyMap<string, string>,
  path: string,
): ParsedIdentifier[] {
  const problems = new Problems();
  const missing: ParsedIdentifier[] = [];
  for (const identifier of identifiers) {
    const value = held.get(identifier.type);
    if (value === undefined) missing.push(identifier);
    else if (value !== identifier.value) {
      problems.add(
        `${path}.identifiers`,
        `the user already has a different ${identifier.name}; change it with PATCH /api/user/v1/identity`,
      );
    }
  }
  if (problems.any) throw new UserFailure(problems);
  return missing;
}

/** What a batch needs to know before it is written, and what is decided from it. */
export interface BatchGroups {
  /** each valid user's profile (null: a new one) */
  targets: Map<UpsertPlan, string | null>;
  /** users standing alone: written together in multi-row statements */
  together: UpsertPlan[];
  /** users sharing an identifier or a profile with another user of the request: written one by one, in order */
  oneByOne: UpsertPlan[];
}

/**
 * Finds each user's profile and splits the users into those written together and those written one
 * by one; users that fail (an unknown insider_id, identifiers of two profiles) go to `failures`.
 */
export function groupBatch(
  plans: readonly UpsertPlan[],
  owners: ReadonlyMap<string, string>,
  existing: ReadonlySet<string>,
  failures: Map<number, Problems>,
): BatchGroups {
  const targets = new Map<UpsertPlan, string | null>();
  const uses = new Map<string, number>();
  const claims = (plan: UpsertPlan, target: string | null) => [
    ...plan.identifiers.map(identifierKey),
    ...(target ? [`profile:${target}`] : []),
  ];
  for (const plan of plans) {
    try {
      const target = targetOf(plan, owners, existing);
      targets.set(plan, target);
      for (const claim of claims(plan, target)) uses.set(claim, (uses.get(claim) ?? 0) + 1);
    } catch (e) {
      failures.set(plan.index, userProblems(e, plan.index));
    }
  }
  const together: UpsertPlan[] = [];
  const oneByOne: UpsertPlan[] = [];
  for (const [plan, target] of targets) {
    (claims(plan, target).some((claim) => uses.get(claim)! > 1) ? oneByOne : together).push(plan);
  }
  return { targets, together, oneByOne };
}

/** A standalone user ready to be written: its profile (null: new) and the identifiers to add to it. */
export interface ReadyUser {
  plan: UpsertPlan;
  profileId: string | null;
  missing: ParsedIdentifier[];
}

/**
 * The standalone users that can be written, given the identifiers their profiles hold (`held`: profile
 * id → type → value, read only for users that bring new identifiers); the others go to `failures`.
 */
export function readyUsers(
  groups: BatchGroups,
  owners: ReadonlyMap<string, string>,
  held: ReadonlyMap<string, ReadonlyMap<string, string>>,
  failures: Map<number, Problems>,
): ReadyUser[] {
  const ready: ReadyUser[] = [];
  for (const plan of groups.together) {
    const profileId = groups.targets.get(plan)!;
    if (!profileId || !bringsNew(plan, owners)) {
      ready.push({ plan, profileId, missing: profileId ? [] : plan.identifiers });
      continue;
    }
    try {
      ready.push({
        plan,
        profileId,
        missing: identifiersToAdd(plan.identifiers, held.get(profileId) ?? new Map(), plan.path),
      });
    } catch (e) {
      failures.set(plan.index, userProblems(e, plan.index));
    }
  }
  return ready;
}

/** The keys of the arrays a user appends to (none with not_append). */
export function appendKeys(plan: UpsertPlan): string[] {
  return plan.notAppend ? [] : plan.writes.filter((w) => w.array).map((w) => w.key);
}

/** A user's attribute rows for its profile: arrays appended to what is stored (`pairKey(profile, key)` → value). */
export function attributeRows(
  plan: UpsertPlan,
  profileId: string,
  stored: ReadonlyMap<string, unknown> | null,
): StoredAttribute[] {
  return plan.writes.map((w) => ({
    profileId,
    key: w.key,
    value:
      w.array && !plan.notAppend
        ? appendArray(stored?.get(pairKey(profileId, w.key)) as Json | undefined, w.value as Json[])
        : w.value,
  }));
}

export function eventRows(plan: UpsertPlan, profileId: string): (StoredEvent & { profileId: string })[] {
  return plan.events.map((e) => ({ profileId, name: e.name, timestamp: e.timestamp, params: e.params }));
}

/** The stored arrays that standalone users append to: which profiles, which keys. */
export function appendReads(ready: readonly ReadyUser[]): { profileIds: string[]; keys: string[] } {
  const keys = new Set<string>();
  const profileIds: string[] = [];
  for (const { plan, profileId } of ready) {
    const own = appendKeys(plan);
    if (profileId && own.length) {
      profileIds.push(profileId);
      own.forEach((key) => keys.add(key));
    }
  }
  return { profileIds, keys: [...keys] };
}

/** Every row the standalone users write (new profiles get new ids), given the arrays they append to. */
export function batchRows(ready: readonly ReadyUser[], stored: ReadonlyMap<string, unknown>) {
  const profiles: string[] = [];
  const identifiers: StoredIdentifier[] = [];
  const attributes: StoredAttribute[] = [];
  const events: (StoredEvent & { profileId: string })[] = [];
  for (const { plan, profileId: found, missing } of ready) {
    const profileId = found ?? timeOrderedId();
    if (!found) profiles.push(profileId);
    for (const identifier of missing) identifiers.push({ profileId, type: identifier.type, value: identifier.value });
    attributes.push(...attributeRows(plan, profileId, stored));
    events.push(...eventRows(plan, profileId));
  }
  return { profiles, identifiers, attributes, events };
}

/** The rows an `/attribute/delete` user's partial deletes write: the arrays without the items. */
export function partialDeleteRows(
  partial: AttributeDeletes['partial'],
  profileId: string,
  stored: ReadonlyMap<string, unknown>,
): StoredAttribute[] {
  const rows: StoredAttribute[] = [];
  for (const [key, remove] of partial) {
    const current = stored.get(pairKey(profileId, key));
    if (Array.isArray(current)) rows.push({ profileId, key, value: removeFromArray(current as Json[], remove) });
  }
  return rows;
}
