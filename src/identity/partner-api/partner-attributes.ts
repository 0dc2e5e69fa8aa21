import * as countries from 'i18n-iso-countries';
import { normalisePhone } from '../../common/normalise';
import { customAttributeKey, DEFAULT_IDENTIFIER_TYPES } from '../identity-codec';
import { isObject, Json, JsonObject, numberFrom, partnerEmail, Problems } from './partner-input';

/** Insider's default attributes and the type each keeps. */
type Kind = 'string' | 'boolean' | 'date' | 'integer' | 'number-array' | 'country';
export const DEFAULT_ATTRIBUTES: Record<string, Kind> = {
  name: 'string',
  surname: 'string',
  gender: 'string',
  age: 'integer',
  birthday: 'date',
  language: 'string',
  lo: 'string',
  country: 'country',
  city: 'string',
  email_optin: 'boolean',
  gdpr_optin: 'boolean',
  sms_optin: 'boolean',
  whatsapp_optin: 'boolean',
  list_id: 'number-array',
  static_segment_id: 'number-array',
};
/**
 * The default identifier types sent as attributes (`"attributes": {"email": …}`, as in Insider's own
 * examples): stored as contact attributes under these names, normalised like the identifiers, whether
 * or not the type is an enabled identifier. They never find, create or change an identifier.
 */
export const CONTACT_ATTRIBUTES: ReadonlySet<string> = new Set<string>(DEFAULT_IDENTIFIER_TYPES);
/** Other names of default attributes: Insider's UI (and its n8n node) call `lo` "locale". */
export const ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = { locale: 'lo' };
/** The stored name of a default attribute sent as `name` (`locale` → `lo`). */
export const canonicalAttribute = (name: string): string => ATTRIBUTE_ALIASES[name] ?? name;
/**
 * Personal data (PII) among the default attributes: what `/anonymize` deletes. Insider's list (name,
 * surname, gender, birthday, age, city, country, and email, phone number and uuid as contact
 * attributes). Consent flags, language, locale and list ids are kept; custom attributes are kept too,
 * since nothing tells which of them are personal (delete those with /attribute/delete).
 */
export const PERSONAL_ATTRIBUTES = [
  'name',
  'surname',
  'gender',
  'birthday',
  'age',
  'city',
  'country',
  'email',
  'phone_number',
  'uuid',
] as const;
/** Custom attribute names the REST API writes (reads and deletes take any name, e.g. one written through GraphQL). */
const CUSTOM_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const ANY_NAME_MAX = 128;
const STRING_MAX = 4096;
const ARRAY_MAX = 500;
const NAMES_MAX = 200;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface AttributeWrite {
  key: string;
  value: Json;
  /** arrays append to the stored array unless the request says not_append */
  array: boolean;
}

/**
 * Validates `attributes` (`{ ...defaults, custom: {...} }`) into writes, recording every problem by path.
 * Default attributes keep their types (a number may come as a numeric string: n8n's fields are text);
 * `locale` is `lo`; email, phone_number and uuid are contact attributes; custom ones are strings,
 * numbers, booleans or arrays of them.
 */
export function parseAttributes(raw: Json | undefined, path: string, problems: Problems): AttributeWrite[] {
  if (raw === undefined || raw === null) return [];
  if (!isObject(raw)) {
    problems.add(path, 'attributes must be an object');
    return [];
  }
  const writes: AttributeWrite[] = [];
  const sentAs = new Map<string, string>();
  for (const [sent, value] of Object.entries(raw)) {
    if (sent === 'custom') continue;
    const at = `${path}.${sent}`;
    const name = canonicalAttribute(sent);
    if (sentAs.has(name)) {
      problems.add(at, `${sent} and ${sentAs.get(name)} are the same attribute: send one of them`);
      continue;
    }
    sentAs.set(name, sent);
    if (CONTACT_ATTRIBUTES.has(name)) {
      const checked = checkContactAttribute(name, value);
      if (checked.problem) problems.add(at, checked.problem);
      else writes.push({ key: name, value: checked.value!, array: false });
      continue;
    }
    const kind = DEFAULT_ATTRIBUTES[name];
    if (!kind) {
      problems.add(at, `unknown default attribute "${sent}": custom attributes go under "custom"`);
      continue;
    }
    const checked = checkKind(kind, value);
    if (checked.problem) problems.add(at, checked.problem);
    else writes.push({ key: name, value: checked.value!, array: Array.isArray(checked.value) });
  }
  if (raw.custom !== undefined) {
    if (!isObject(raw.custom)) problems.add(`${path}.custom`, 'custom must be an object');
    else {
      for (const [name, value] of Object.entries(raw.custom)) {
        const at = `${path}.custom.${name}`;
        if (!CUSTOM_NAME.test(name)) {
          problems.add(at, 'custom attribute names are 1 to 128 letters, digits, "_" or "-"');
          continue;
        }
        const problem = checkCustom(value);
        if (problem) problems.add(at, problem);
        else writes.push({ key: customAttributeKey(name), value, array: Array.isArray(value) });
      }
    }
  }
  if (writes.length > NAMES_MAX) problems.add(path, `at most ${NAMES_MAX} attributes per user`);
  return writes;
}

/** A contact attribute (email, phone_number, uuid), normalised as the identifier of its type would be. */
function checkContactAttribute(name: string, value: Json): { value?: Json; problem?: string } {
  if (typeof value !== 'string' || value.length > 255) return { problem: 'must be a string of at most 255 characters' };
  if (name === 'email') {
    const checked = partnerEmail(value);
    return 'problem' in checked ? checked : { value: checked.email };
  }
  if (name === 'phone_number') {
    const phone = normalisePhone(value);
    return phone ? { value: phone } : { problem: 'not a valid phone number: use E.164 (e.g. +6598765432)' };
  }
  return { value };
}

function checkKind(kind: Kind, value: Json): { value?: Json; problem?: string } {
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value.length <= 255
        ? { value }
        : { problem: 'must be a string of at most 255 characters' };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { problem: 'must be true or false' };
    case 'integer': {
      const n = numberFrom(value);
      return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 200
        ? { value: n }
        : { problem: 'must be a whole number from 0 to 200' };
    }
    case 'date':
      return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? { value }
        : { problem: 'must be an RFC 3339 date (e.g. 1993-03-12T00:00:00Z)' };
    case 'country':
      return typeof value === 'string' && /^[A-Za-z]{2}$/.test(value) && countries.isValid(value)
        ? { value: value.toUpperCase() }
        : { problem: 'must be an ISO 3166-1 alpha-2 country code (e.g. TR)' };
    case 'number-array': {
      const numbers = Array.isArray(value) && value.length <= ARRAY_MAX ? value.map(numberFrom) : [undefined];
      return numbers.every((n) => n !== undefined)
        ? { value: numbers as number[] }
        : { problem: `must be an array of at most ${ARRAY_MAX} numbers` };
    }
  }
}

function checkCustom(value: Json): string | null {
  if (value === null) return 'must not be null (delete it with /api/user/v1/attribute/delete)';
  if (typeof value === 'string') return value.length <= STRING_MAX ? null : `must be at most ${STRING_MAX} characters`;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'must be a finite number';
  if (typeof value === 'boolean') return null;
  if (Array.isArray(value)) {
    if (value.length > ARRAY_MAX) return `must have at most ${ARRAY_MAX} items`;
    return value.every(
      (v) =>
        (typeof v === 'string' && v.length <= STRING_MAX) ||
        (typeof v === 'number' && Number.isFinite(v)) ||
        typeof v === 'boolean',
    )
      ? null
      : 'array items must be strings, numbers or booleans';
  }
  return 'must be a string, number, boolean or an array of them';
}

/** Appends new array items to a stored array, keeping order and dropping repeats. */
export function appendArray(stored: Json | undefined, incoming: Json[]): Json[] {
  const base = Array.isArray(stored) ? stored : [];
  const seen = new Set(base.map((v) => JSON.stringify(v)));
  const out = [...base];
  for (const v of incoming) {
    const key = JSON.stringify(v);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

/** Removes the given items from a stored array (compared by their JSON). */
export function removeFromArray(stored: Json[], remove: Json[]): Json[] {
  const drop = new Set(remove.map((v) => JSON.stringify(v)));
  return stored.filter((v) => !drop.has(JSON.stringify(v)));
}

export interface AttributeDeletes {
  /** stored keys to delete whole */
  whole: string[];
  /** stored keys of array attributes, and the items to remove from each */
  partial: [string, Json[]][];
}

/**
 * Validates one user of `/attribute/delete` (Insider's shape): `whole` and `partial` name default
 * attributes (`locale` is `lo`), `custom: { whole, partial }` custom ones. email, phone_number and uuid
 * name the contact attributes: an identifier is never deleted here (DELETE /api/user/v1/identity does).
 */
export function parseAttributeDeletes(user: JsonObject, path: string, problems: Problems): AttributeDeletes {
  const out: AttributeDeletes = { whole: [], partial: [] };
  const defaultKey = (sent: string, at: string, partial: boolean): string | null => {
    const name = canonicalAttribute(sent);
    const kind = CONTACT_ATTRIBUTES.has(name) ? 'string' : DEFAULT_ATTRIBUTES[name];
    if (!kind) {
      problems.add(at, `unknown default attribute "${sent}": custom attributes go under "custom"`);
      return null;
    }
    if (partial && kind !== 'number-array') {
      problems.add(at, `${sent} is not an array attribute: delete it with "whole"`);
      return null;
    }
    return name;
  };
  const customKey = (name: string, at: string): string | null => {
    if (name.length < 1 || name.length > ANY_NAME_MAX) {
      problems.add(at, `custom attribute names are 1 to ${ANY_NAME_MAX} characters`);
      return null;
    }
    return customAttributeKey(name);
  };
  collect(user.whole, `${path}.whole`, (name, at) => defaultKey(name, at, false), out, problems);
  collectPartial(user.partial, `${path}.partial`, (name, at) => defaultKey(name, at, true), out, problems);
  // the items of a default number array (list_id, static_segment_id) may come as numeric strings too
  out.partial = out.partial.map(([key, items]) =>
    DEFAULT_ATTRIBUTES[key] === 'number-array' ? [key, items.map((item) => numberFrom(item) ?? item)] : [key, items],
  );
  const custom = user.custom;
  if (custom !== undefined && custom !== null) {
    if (!isObject(custom)) problems.add(`${path}.custom`, 'custom must be an object with whole and/or partial');
    else {
      for (const key of Object.keys(custom)) {
        if (key !== 'whole' && key !== 'partial')
          problems.add(`${path}.custom.${key}`, 'custom takes "whole" (names) and "partial" (name → items)');
      }
      collect(custom.whole, `${path}.custom.whole`, customKey, out, problems);
      collectPartial(custom.partial, `${path}.custom.partial`, customKey, out, problems);
    }
  }
  if (!problems.any && out.whole.length === 0 && out.partial.length === 0) {
    problems.add(path, 'nothing to delete: give whole, partial or custom');
  }
  if (out.whole.length + out.partial.length > NAMES_MAX) problems.add(path, `at most ${NAMES_MAX} attributes per user`);
  return out;
}

function collect(
  raw: Json | undefined,
  path: string,
  keyOf: (name: string, at: string) => string | null,
  out: AttributeDeletes,
  problems: Problems,
): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw) || !raw.every((n) => typeof n === 'string')) {
    problems.add(path, 'must be an array of attribute names');
    return;
  }
  (raw as string[]).forEach((name, i) => {
    const key = keyOf(name, `${path}.${i}`);
    if (key) out.whole.push(key);
  });
}

function collectPartial(
  raw: Json | undefined,
  path: string,
  keyOf: (name: string, at: string) => string | null,
  out: AttributeDeletes,
  problems: Problems,
): void {
  if (raw === undefined || raw === null) return;
  if (!isObject(raw)) {
    problems.add(path, 'must be an object of attribute name → items to remove');
    return;
  }
  for (const [name, items] of Object.entries(raw)) {
    const at = `${path}.${name}`;
    if (!Array.isArray(items) || items.length > ARRAY_MAX) {
      problems.add(at, `give the items to remove as an array (at most ${ARRAY_MAX})`);
      continue;
    }
    const key = keyOf(name, at);
    if (key) out.partial.push([key, items]);
  }
}
