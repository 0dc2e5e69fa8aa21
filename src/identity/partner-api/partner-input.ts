import { AppError } from '../../common/app-error';
import { checkEmail, EMAIL_PROBLEMS, normalisePhone } from '../../common/normalise';
import { customIdentifierType } from '../identity-codec';
import { IdentitySettings } from '../identity-settings.service';

/**
 * A request Insider refuses: the reason only; the partner API's error format answers it as
 * `{"error":"<reason>: bad request"}` (400), and a NOT_FOUND as `{"error":"<reason>: no data"}` (404).
 */
export const badRequest = (reason: string) => AppError.badInput(reason);
export const NO_SUCH_USER = 'no such user for these identifiers';
export const noSuchUser = () => AppError.notFound(NO_SUCH_USER);
export const NO_VALID_IDENTIFIER = 'no valid identifier';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request body: a JSON object, or a 400 saying what it is instead. */
export function requireObject(body: unknown): JsonObject {
  if (body === undefined) throw badRequest('request body is empty: send a JSON object');
  if (body === null) throw badRequest('request body must be a JSON object, not null');
  if (!isObject(body))
    throw badRequest(`request body must be a JSON object, not ${Array.isArray(body) ? 'an array' : typeof body}`);
  return body;
}

export interface ParsedIdentifier {
  /** the stored type: uuid, email, phone_number, custom:<name> */
  type: string;
  /** the wire name: uuid, email, phone_number, or the custom name */
  name: string;
  custom: boolean;
  value: string;
}

/** The entries of an identifiers object, `custom` flattened: [wire name, raw value, custom?]. */
export function identifierEntries(identifiers: JsonObject): [string, Json, boolean][] {
  const out: [string, Json, boolean][] = [];
  for (const [key, value] of Object.entries(identifiers)) {
    if (key === 'custom') {
      if (!isObject(value)) throw badRequest('identifiers.custom must be an object');
      for (const [name, v] of Object.entries(value)) out.push([name, v, true]);
    } else out.push([key, value, false]);
  }
  return out;
}

/** Whether a value is one of the settings' blocked values (compared case-insensitively: "NULL" is "null"). */
export function isBlocked(value: string, settings: IdentitySettings): boolean {
  const folded = value.toLowerCase();
  return settings.blockedValues.some((blocked) => blocked.toLowerCase() === folded);
}

/**
 * Why an email (identifier or attribute) is refused, in the partner API's words, or null: invisible or
 * format characters and a trailing dot say so; anything else is "not a valid email address".
 */
export function partnerEmail(raw: string): { email: string } | { problem: string } {
  const checked = checkEmail(raw);
  if ('email' in checked) return checked;
  const problem =
    checked.problem === 'invalid' ? 'not a valid email address' : `email ${EMAIL_PROBLEMS[checked.problem]}`;
  return { problem };
}

/**
 * Validates one identifier against the identity settings: the type must be enabled (or a declared
 * custom identifier) and the value not blocked, else "no valid identifier". Values are strings (as in
 * Insider: a number is refused, not guessed at); emails are lower-cased, phones normalised to E.164.
 */
export function parseIdentifier(
  name: string,
  raw: Json,
  custom: boolean,
  settings: IdentitySettings,
): ParsedIdentifier {
  const enabled = custom ? settings.customIdentifiers.includes(name) : settings.enabledIdentifiers.includes(name);
  if (!enabled) throw badRequest(NO_VALID_IDENTIFIER);
  if (typeof raw !== 'string') throw badRequest(`${name} must be a string`);
  let value = raw.trim();
  if (value === '' || isBlocked(value, settings)) throw badRequest(NO_VALID_IDENTIFIER);
  if (value.length > 255) throw badRequest(`${name} must be at most 255 characters`);
  if (!custom && name === 'email') {
    const checked = partnerEmail(raw);
    if ('problem' in checked) throw badRequest(checked.problem);
    value = checked.email;
  }
  if (!custom && name === 'phone_number') {
    const phone = normalisePhone(value);
    if (!phone) throw badRequest('not a valid phone number: use E.164 (e.g. +6598765432)');
    value = phone;
  }
  if (isBlocked(value, settings)) throw badRequest(NO_VALID_IDENTIFIER);
  return { type: custom ? customIdentifierType(name) : name, name, custom, value };
}

/** Every identifier of an identifiers object (at least one). */
export function parseIdentifiers(
  raw: Json | undefined,
  settings: IdentitySettings,
  field = 'identifiers',
): ParsedIdentifier[] {
  if (!isObject(raw)) throw badRequest(`${field} must be an object`);
  const entries = identifierEntries(raw);
  if (entries.length === 0) throw badRequest(NO_VALID_IDENTIFIER);
  if (entries.length > 20) throw badRequest(`${field} has more than 20 identifiers`);
  return entries.map(([name, value, custom]) => parseIdentifier(name, value, custom, settings));
}

/** The wire form of stored identifiers: `{"email": "...", "custom": {"loyalty_id": "..."}}`. */
export function identifiersToWire(rows: readonly { type: string; value: string }[]): JsonObject {
  const out: JsonObject = {};
  const custom: JsonObject = {};
  for (const row of rows) {
    if (row.type.startsWith('custom:')) custom[row.type.slice(7)] = row.value;
    else out[row.type] = row.value;
  }
  if (Object.keys(custom).length) out.custom = custom;
  return out;
}

/**
 * What is wrong with one user of a batch, by path (`users.3.identifiers`), each path with its messages:
 * the `fail.errors` of Insider's batch answers.
 */
export class Problems {
  readonly byPath: Record<string, string[]> = {};

  add(path: string, message: string): void {
    (this.byPath[path] ??= []).push(message);
  }

  get any(): boolean {
    return Object.keys(this.byPath).length > 0;
  }
}

/** What PATCH /identity asks: replace the value of one identifier type. */
export interface IdentifierChange {
  type: string;
  from: string;
  to: string;
}

/** `{"old_identifier": {"email": "a@…"}, "new_identifier": {"email": "b@…"}}`: one entry on each side, of one type. */
export function parseIdentifierChange(body: JsonObject, settings: IdentitySettings): IdentifierChange {
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
  const from = parseIdentifier(oldName, oldRaw, oldCustom, settings);
  const to = parseIdentifier(newName, newRaw, newCustom, settings);
  if (from.value === to.value) throw badRequest('identifier values are the same');
  return { type: from.type, from: from.value, to: to.value };
}

/** `{"identifiers": {"custom": {"user_loyalty_id": "xyz123"}}}`: the one identifier DELETE /identity removes. */
export function parseIdentifierToDelete(body: JsonObject, settings: IdentitySettings): ParsedIdentifier {
  const identifiers = parseIdentifiers(body.identifiers, settings);
  if (identifiers.length !== 1) throw badRequest('there must be exactly 1 identifier to delete');
  return identifiers[0];
}

/** A decimal number written as text: what n8n's default (string) fields send for `"unit_price": "129.9"`. */
const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A number where the API requires one: a JSON number, or a string holding a decimal number (surrounding
 * spaces allowed), converted. Anything else (`"12 kg"`, `""`, `"0x1F"`, `"Infinity"`) is undefined.
 */
export function numberFrom(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.length > 64 || !NUMERIC_TEXT.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}
