import * as countries from 'i18n-iso-countries';
import { normalisePhone } from '../../common/normalise';
import { customAttributeKey, DEFAULT_IDENTIFIER_TYPES } from '../identity-codec';
import { IdentitySettings } from '../identity-settings.service';
import { isObject, Json, JsonObject, partnerEmail, Problems } from './partner-input';

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
/** The default identifier types, which Insider also lists as attributes (usable as such when not enabled as identifiers). */
const IDENTIFIER_ATTRIBUTES = new Set<string>(DEFAULT_IDENTIFIER_TYPES);
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

/** A default identifier type sent as an attribute is an attribute only when it is not an enabled identifier. */
function identifierAttributeProblem(name: string, settings: IdentitySettings): string | null {
  return settings.enabledIdentifiers.includes(name)
    ? `${name} is an identifier: send it under identifiers (change it with PATCH /api/user/v1/identity)`
    : null;
}

/**
 * Validates `attributes` (`{ ...defaults, custom: {...} }`) into writes, recording every problem by path.
 * Default attributes keep their types; custom ones are strings, numbers, booleans or arrays of them.
 */
export function parseAttributes(
  raw: Json | undefined,
  path: string,
  settings: IdentitySettings,
  problems: Problems,
): AttributeWrite[] {
  if (raw === undefined || raw === null) return [];
  if (!isObject(raw)) {
    problems.add(path, 'attributes must be an object');
    return [];
  }
  const writes: AttributeWrite[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'custom') continue;
    const at = `${path}.${name}`;
    if (IDENTIFIER_ATTRIBUTES.has(name)) {
      const problem = identifierAttributeProblem(name, settings);
      const checked = problem ? { problem } : checkIdentifierAttribute(name, value);
      if (checked.problem) problems.add(at, checked.problem);
      else writes.push({ key: name, value: checked.value!, array: false });
      continue;
    }
    const kind = DEFAULT_ATTRIBUTES[name];
    if (!kind) {
      problems.add(at, `unknown default attribute "${name}": custom attributes go under "custom"`);
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

function checkIdentifierAttribute(name: string, value: Json): { value?: Json; problem?: string } {
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
    case 'integer':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 200
        ? { value }
        : { problem: 'must be a whole number from 0 to 200' };
    case 'date':
      return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? { value }
        : { problem: 'must be an RFC 3339 date (e.g. 1993-03-12T00:00:00Z)' };
    case 'country':
      return typeof value === 'string' && /^[A-Za-z]{2}$/.test(value) && countries.isValid(value)
        ? { value: value.toUpperCase() }
        : { problem: 'must be an ISO 3166-1 alpha-2 country code (e.g. TR)' };
    case 'number-array':
      return Array.isArray(value) &&
        value.length <= ARRAY_MAX &&
        value.every((v) => typeof v === 'number' && Number.isFinite(v))
        ? { value }
        : { problem: `must be an array of at most ${ARRAY_MAX} numbers` };
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
 * attributes, `custom: { whole, partial }` custom ones. Identifiers are refused here.
 */
export function parseAttributeDeletes(
  user: JsonObject,
  path: string,
  settings: IdentitySettings,
  problems: Problems,
): AttributeDeletes {
  const out: AttributeDeletes = { whole: [], partial: [] };
  const defaultKey = (name: string, at: string, partial: boolean): string | null => {
    if (IDENTIFIER_ATTRIBUTES.has(name) && settings.enabledIdentifiers.includes(name)) {
      problems.add(at, `${name} is an identifier and cannot be deleted here: use DELETE /api/user/v1/identity`);
      return null;
    }
    const kind = IDENTIFIER_ATTRIBUTES.has(name) ? 'string' : DEFAULT_ATTRIBUTES[name];
    if (!kind) {
      problems.add(at, `unknown default attribute "${name}": custom attributes go under "custom"`);
      return null;
    }
    if (partial && kind !== 'number-array') {
      problems.add(at, `${name} is not an array attribute: delete it with "whole"`);
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
