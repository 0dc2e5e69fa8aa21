import { customAttributeKey } from '../identity-codec';
import { Json, JsonObject, isObject } from './partner-input';

/** Insider's default attributes and the type each keeps. */
type Kind = 'string' | 'boolean' | 'date' | 'integer' | 'number-array' | 'string-array';
export const DEFAULT_ATTRIBUTES: Record<string, Kind> = {
  name: 'string',
  surname: 'string',
  gender: 'string',
  age: 'integer',
  birthday: 'date',
  language: 'string',
  country: 'string',
  city: 'string',
  email_optin: 'boolean',
  gdpr_optin: 'boolean',
  sms_optin: 'boolean',
  whatsapp_optin: 'boolean',
  list_id: 'number-array',
};
const CUSTOM_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const STRING_MAX = 4096;
const ARRAY_MAX = 500;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface AttributeWrite {
  key: string;
  value: Json;
  /** arrays append to the stored array unless the request says not_append */
  array: boolean;
}

/** Validates `attributes` ({ default..., custom: {...} }) into writes; errors are [path, message]. */
export function parseAttributes(
  raw: Json | undefined,
  path: string,
): { writes: AttributeWrite[]; error?: [string, string] } {
  if (raw === undefined || raw === null) return { writes: [] };
  if (!isObject(raw)) return { writes: [], error: [path, 'attributes must be an object'] };
  const writes: AttributeWrite[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'custom') continue;
    const kind = DEFAULT_ATTRIBUTES[name];
    if (!kind)
      return {
        writes: [],
        error: [`${path}.${name}`, `unknown default attribute "${name}"; custom attributes go under "custom"`],
      };
    const problem = checkKind(kind, value);
    if (problem) return { writes: [], error: [`${path}.${name}`, problem] };
    writes.push({ key: name, value, array: Array.isArray(value) });
  }
  if (raw.custom !== undefined) {
    if (!isObject(raw.custom)) return { writes: [], error: [`${path}.custom`, 'custom must be an object'] };
    for (const [name, value] of Object.entries(raw.custom)) {
      if (!CUSTOM_NAME.test(name))
        return {
          writes: [],
          error: [`${path}.custom.${name}`, 'custom attribute names are 1 to 128 letters, digits, "_" or "-"'],
        };
      const problem = checkCustom(value);
      if (problem) return { writes: [], error: [`${path}.custom.${name}`, problem] };
      writes.push({ key: customAttributeKey(name), value, array: Array.isArray(value) });
    }
  }
  if (writes.length > 200) return { writes: [], error: [path, 'at most 200 attributes per user'] };
  return { writes };
}

function checkKind(kind: Kind, value: Json): string | null {
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value.length <= 255 ? null : 'must be a string of at most 255 characters';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'integer':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 200
        ? null
        : 'must be a whole number from 0 to 200';
    case 'date':
      return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : 'must be an ISO 8601 date (e.g. 1990-05-17)';
    case 'number-array':
      return Array.isArray(value) &&
        value.length <= ARRAY_MAX &&
        value.every((v) => typeof v === 'number' && Number.isFinite(v))
        ? null
        : `must be an array of at most ${ARRAY_MAX} numbers`;
    case 'string-array':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : 'must be an array of strings';
  }
}

function checkCustom(value: Json): string | null {
  if (value === null) return 'must not be null (delete it with /attribute/delete)';
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

export type { JsonObject };
