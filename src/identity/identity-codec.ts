import { sha256 } from '../auth/tokens';

/**
 * How identity data is stored, shared by the Nosto GraphQL API and the Insider REST API so that what
 * one writes the other reads (SPEC §4 "One model behind both APIs").
 *
 * identity_identifiers.type: `uuid`, `email`, `phone_number`, or `custom:<name>` for custom identifiers.
 * identity_attributes.key:   the name for Insider's default attributes, `c_<name>` for custom ones
 *                            (Nosto `upsertIdentity` attributes are custom attributes).
 * identity_attributes.value: the JSON encoding of the value (its type is kept).
 * identity_attributes.value_key: sha256 of the value's string form (a string as itself, anything else
 *                            as its JSON text): the indexed segment lookup `name = ? AND value = ?`.
 */
export const DEFAULT_IDENTIFIER_TYPES = ['uuid', 'email', 'phone_number'] as const;
export const CUSTOM_IDENTIFIER_PREFIX = 'custom:';
export const CUSTOM_ATTRIBUTE_PREFIX = 'c_';

export function customIdentifierType(name: string): string {
  return `${CUSTOM_IDENTIFIER_PREFIX}${name}`;
}

export function customAttributeKey(name: string): string {
  return `${CUSTOM_ATTRIBUTE_PREFIX}${name}`;
}

/** The string form of an attribute value: GraphQL `Identity.attributes[].value`. */
export function attributeText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function encodeAttribute(value: unknown): { value: string; valueKey: string } {
  return { value: JSON.stringify(value), valueKey: sha256(attributeText(value)) };
}

export function decodeAttribute(stored: string): unknown {
  return JSON.parse(stored);
}

/** The key to look a value up by, for a segment query. */
export function attributeValueKey(text: string): string {
  return sha256(text);
}

/** Code-unit order: the same on both engines, whatever the database collation. */
export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One map key for a pair of strings (`type\0value`, `profileId\0key`): NUL is in neither. */
export const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

/** The map key of an identifier: its type and value. */
export const identifierKey = (identifier: { type: string; value: string }) =>
  pairKey(identifier.type, identifier.value);

/**
 * A row of the catalogue of names (identity_catalogue): a custom attribute (`c_<name>`), an event name,
 * or a parameter of an event (custom ones `c_<name>`), with the type of its first value.
 */
export interface CatalogueEntry {
  kind: 'attribute' | 'event' | 'param';
  /** the event of a param; '' otherwise */
  event: string;
  name: string;
  type: string;
}

/** The longest name the catalogue holds (its column): longer parameter names are not listed. */
export const CATALOGUE_NAME_MAX = 255;

/** The metadata type of a value: string, number, boolean, array or object. */
export function valueType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'object') {
    return value === null ? 'string' : typeof value;
  }
  return 'string';
}

/** The identity of a catalogue entry (its primary key). */
export const catalogueKey = (entry: CatalogueEntry) => `${entry.kind}\u0000${entry.event}\u0000${entry.name}`;

/**
 * The catalogue entries some written attributes and events stand for (each once, the first value's
 * type): custom attributes (default ones are a fixed list), event names, and each event's parameters,
 * the custom ones (`params.custom`) as `c_<name>`, as `/profile` names them.
 */
export function catalogueEntries(
  attributes: readonly { key: string; value: unknown }[],
  events: readonly { name: string; params: Record<string, unknown> }[],
): CatalogueEntry[] {
  const out = new Map<string, CatalogueEntry>();
  const add = (entry: CatalogueEntry) => {
    if (entry.name.length <= CATALOGUE_NAME_MAX && !out.has(catalogueKey(entry))) out.set(catalogueKey(entry), entry);
  };
  for (const a of attributes) {
    if (a.key.startsWith(CUSTOM_ATTRIBUTE_PREFIX))
      add({ kind: 'attribute', event: '', name: a.key, type: valueType(a.value) });
  }
  for (const e of events) {
    add({ kind: 'event', event: '', name: e.name, type: 'event' });
    for (const [name, value] of Object.entries(e.params)) {
      if (name !== 'custom') add({ kind: 'param', event: e.name, name, type: valueType(value) });
    }
    const custom = e.params.custom;
    if (typeof custom === 'object' && custom !== null && !Array.isArray(custom)) {
      for (const [name, value] of Object.entries(custom)) {
        add({ kind: 'param', event: e.name, name: `${CUSTOM_ATTRIBUTE_PREFIX}${name}`, type: valueType(value) });
      }
    }
  }
  return [...out.values()];
}

export { E164, normaliseEmail, normalisePhone } from '../common/normalise';
