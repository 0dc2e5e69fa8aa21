import { DEFAULT_IDENTIFIER_TYPES } from '../identity-codec';
import { IdentitySettings } from '../identity-settings.service';
import { StoredAttribute, StoredEvent, StoredIdentifier } from '../profile-store';
import { canonicalAttribute } from './partner-attributes';
import { EVENT_NAME } from './partner-events';
import {
  badRequest,
  identifiersToWire,
  isObject,
  Json,
  JsonObject,
  ParsedIdentifier,
  parseIdentifiers,
} from './partner-input';

/**
 * The pure part of `/profile` (and of `/delete`, which finds a profile the same way): what the body
 * asks for, and the answer shaped as Insider's. PartnerService reads the rows in between.
 */

const WANTED_ATTRIBUTES_MAX = 500;
const WANTED_EVENTS_MAX = 50;
export const EVENTS_ANSWERED_MAX = 1000;
/** 9999-12-31T23:59:59Z: the last second an epoch timestamp may name */
const EPOCH_MAX = 253_402_300_799;
const IDENTIFIER_TYPES = new Set<string>(DEFAULT_IDENTIFIER_TYPES);

/** What `/profile` was asked for in `events`. */
export interface EventQuery {
  start: Date;
  end: Date;
  /** event name → the params wanted (null: all); null: every event */
  wanted: Map<string, string[] | null> | null;
}

/** `"attributes": ["*"]` (n8n's "Get All Attributes"): every attribute. */
export const ALL_ATTRIBUTES = '*';

/** What a `/profile` body asks for besides the profile. */
export interface ProfileQuery {
  /** attribute names; `*`: every stored attribute and the default identifiers; undefined: every stored attribute */
  attributes?: string[] | typeof ALL_ATTRIBUTES;
  events?: EventQuery;
  quota: boolean;
}

/** The profile a `/profile` or `/delete` body names: by `insider_id`, or by its identifiers. */
export type ProfileTarget = { insiderId: string } | { identifiers: ParsedIdentifier[] };

/** `attributes`, `events` and `quota` of a `/profile` body, checked in that order. */
export function parseProfileQuery(body: JsonObject): ProfileQuery {
  const attributes = wantedAttributes(body.attributes);
  const events = body.events === undefined ? undefined : eventQuery(body.events);
  if (body.quota !== undefined && typeof body.quota !== 'boolean') throw badRequest('quota must be true or false');
  return { attributes, events, quota: body.quota === true };
}

export function profileTarget(body: JsonObject, settings: IdentitySettings): ProfileTarget {
  if (body.insider_id !== undefined && body.insider_id !== null) {
    if (typeof body.insider_id !== 'string' || body.insider_id.length === 0 || body.insider_id.length > 64) {
      throw badRequest('insider_id must be a string (the iid /profile answers)');
    }
    return { insiderId: body.insider_id };
  }
  if (body.identifiers === undefined || body.identifiers === null) {
    throw badRequest('either insider_id or identifiers must be specified');
  }
  return { identifiers: parseIdentifiers(body.identifiers, settings) };
}

function wantedAttributes(raw: Json | undefined): ProfileQuery['attributes'] {
  if (raw === undefined || raw === null) return undefined;
  if (
    !Array.isArray(raw) ||
    raw.length > WANTED_ATTRIBUTES_MAX ||
    !raw.every((name) => typeof name === 'string' && name.length <= 130)
  ) {
    throw badRequest(`attributes must be an array of at most ${WANTED_ATTRIBUTES_MAX} attribute names`);
  }
  return raw.includes(ALL_ATTRIBUTES) ? ALL_ATTRIBUTES : (raw as string[]);
}

/** `{"start_date": 1606311893, "end_date": 1611582293, "wanted": [{"event_name", "params"}]}` */
function eventQuery(raw: Json): EventQuery {
  if (!isObject(raw)) throw badRequest('events must be an object with start_date, end_date and wanted');
  const start = instant(raw.start_date, 'events.start_date');
  const end = instant(raw.end_date, 'events.end_date');
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
function instant(raw: Json | undefined, field: string): Date {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 && raw <= EPOCH_MAX) return new Date(raw * 1000);
  if (typeof raw === 'string' && raw.length <= 64) {
    const time = Date.parse(raw);
    if (!Number.isNaN(time)) return new Date(time);
  }
  throw badRequest(`${field} must be an epoch timestamp in seconds (e.g. 1606311893) or an RFC 3339 date-time`);
}

/** The range and names of the events to read for a query (at most EVENTS_ANSWERED_MAX, newest first). */
export function eventRange(q: EventQuery) {
  return { start: q.start, end: q.end, names: q.wanted ? [...q.wanted.keys()] : null, limit: EVENTS_ANSWERED_MAX };
}

/**
 * Insider's `/profile` answer: the attributes asked for, under the names asked (`locale` reads `lo`),
 * with `iid`; email, phone_number and uuid answer the contact attribute when one is stored, else the
 * identifier of that type; `*` answers every stored attribute and the default identifiers. Then the
 * events by name when asked, the quota when asked; and, beyond Insider, `iid` and `identifiers` at the
 * top level.
 */
export function shapeProfile(
  profileId: string,
  q: ProfileQuery,
  identifiers: readonly StoredIdentifier[],
  attributes: readonly StoredAttribute[],
  events: readonly StoredEvent[] | undefined,
  quota: JsonObject | undefined,
): JsonObject {
  const stored = new Map(attributes.map((a) => [a.key, a.value as Json]));
  const identifierValues = new Map(identifiers.map((i) => [i.type, i.value]));
  const outAttributes: JsonObject = {};
  const names =
    q.attributes === ALL_ATTRIBUTES
      ? [...new Set([...stored.keys(), ...IDENTIFIER_TYPES])]
      : (q.attributes ?? [...stored.keys()]);
  for (const name of names) {
    const key = canonicalAttribute(name);
    // Insider answers the default identifiers as attributes too ("attributes": ["email", "name"]).
    const value = IDENTIFIER_TYPES.has(key) ? (stored.get(key) ?? identifierValues.get(key)) : stored.get(key);
    if (value !== undefined) outAttributes[name] = value;
  }
  outAttributes.iid = profileId;
  const result: JsonObject = { attributes: outAttributes };
  if (q.events) result.events = shapeEvents(events ?? [], q.events.wanted);
  if (quota) result.quota = quota;
  result.iid = profileId;
  result.identifiers = identifiersToWire(identifiers);
  return result;
}

/** Insider's shape: `{"purchase": [{"product_id": "…", "created_date": "2021-01-06T23:34:09Z"}]}`, newest first. */
export function shapeEvents(rows: readonly StoredEvent[], wanted: Map<string, string[] | null> | null): JsonObject {
  const out: JsonObject = {};
  for (const name of wanted?.keys() ?? []) out[name] = [];
  for (const row of rows) {
    const entry = pickParams(row.params as JsonObject, wanted?.get(row.name) ?? null);
    entry.created_date = toIso(row.timestamp);
    ((out[row.name] ??= []) as Json[]).push(entry);
  }
  return out;
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
function toIso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
