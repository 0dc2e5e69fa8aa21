import { byText, CatalogueEntry, CUSTOM_ATTRIBUTE_PREFIX } from '../identity-codec';
import { CONTACT_ATTRIBUTES, DEFAULT_ATTRIBUTES } from './partner-attributes';
import { badRequest, JsonObject } from './partner-input';

/**
 * The pure part of `POST /api/user/v3/metadata/columns`, the look-up Insider's n8n node makes for its
 * credential test and its dropdowns: `{"table": "contacts"}` answers the attribute columns
 * `[{ key, display_name, type }]` (custom ones as `c_<name>`), `{"table": "events"}` the events
 * `[{ key, display_name, params: [{ key, display_name, type }] }]`. The default attributes are a fixed
 * list; custom attributes, events and parameters come from the catalogue of names seen written.
 */

export type MetadataTable = 'contacts' | 'events';

/** The default attribute columns, in this order, with Insider's display names. */
const DEFAULT_COLUMNS: readonly [key: string, displayName: string][] = [
  ['name', 'Name'],
  ['surname', 'Surname'],
  ['email', 'Email'],
  ['phone_number', 'Phone Number'],
  ['uuid', 'UUID'],
  ['gender', 'Gender'],
  ['age', 'Age'],
  ['birthday', 'Birthday'],
  ['language', 'Language'],
  ['lo', 'Locale'],
  ['country', 'Country'],
  ['city', 'City'],
  ['email_optin', 'Email Opt-In'],
  ['gdpr_optin', 'GDPR Opt-In'],
  ['sms_optin', 'SMS Opt-In'],
  ['whatsapp_optin', 'WhatsApp Opt-In'],
  ['list_id', 'List IDs'],
  ['static_segment_id', 'Static Segment IDs'],
];

/** The column type of a default attribute. */
function defaultType(key: string): string {
  if (CONTACT_ATTRIBUTES.has(key)) return 'string';
  switch (DEFAULT_ATTRIBUTES[key]) {
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'integer':
      return 'number';
    case 'number-array':
      return 'array';
    default:
      return 'string';
  }
}

export const DEFAULT_ATTRIBUTE_COLUMNS: readonly JsonObject[] = DEFAULT_COLUMNS.map(([key, displayName]) => ({
  key,
  display_name: displayName,
  type: defaultType(key),
}));

const WORD_CAPITALS: Readonly<Record<string, string>> = { id: 'ID', url: 'URL', uuid: 'UUID' };

/**
 * How a name is shown: a custom one (`c_<name>`) as its own name; an Insider-style name in words
 * (`cart_page_view` → "Cart Page View", `product_id` → "Product ID").
 */
export function displayName(name: string): string {
  if (name.startsWith(CUSTOM_ATTRIBUTE_PREFIX)) return name.slice(CUSTOM_ATTRIBUTE_PREFIX.length);
  return name
    .split('_')
    .filter(Boolean)
    .map((word) => WORD_CAPITALS[word] ?? word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/** `{"table": "contacts" | "events"}` */
export function parseMetadataTable(body: JsonObject): MetadataTable {
  const table = body.table;
  if (table === 'contacts' || table === 'events') return table;
  throw badRequest('table must be "contacts" or "events"');
}

/** Names of the defaults first (in their fixed order), then custom (`c_`) names, each group by name. */
const byName = (a: { name: string }, b: { name: string }) =>
  Number(a.name.startsWith(CUSTOM_ATTRIBUTE_PREFIX)) - Number(b.name.startsWith(CUSTOM_ATTRIBUTE_PREFIX)) ||
  byText(a.name, b.name);

/** The contact columns: the default attributes, then every custom attribute in the catalogue. */
export function contactColumns(catalogue: readonly CatalogueEntry[]): JsonObject[] {
  const custom = catalogue
    .filter((entry) => entry.kind === 'attribute' && entry.name.startsWith(CUSTOM_ATTRIBUTE_PREFIX))
    .sort(byName)
    .map((entry) => ({ key: entry.name, display_name: displayName(entry.name), type: entry.type }));
  return [...DEFAULT_ATTRIBUTE_COLUMNS, ...custom];
}

/** The events in the catalogue, by name, each with its parameters (Insider's first, then custom `c_` ones). */
export function eventColumns(catalogue: readonly CatalogueEntry[]): JsonObject[] {
  const params = new Map<string, CatalogueEntry[]>();
  for (const entry of catalogue) {
    if (entry.kind === 'param') params.set(entry.event, [...(params.get(entry.event) ?? []), entry]);
  }
  return catalogue
    .filter((entry) => entry.kind === 'event')
    .sort((a, b) => byText(a.name, b.name))
    .map((event) => ({
      key: event.name,
      display_name: displayName(event.name),
      params: (params.get(event.name) ?? [])
        .sort(byName)
        .map((param) => ({ key: param.name, display_name: displayName(param.name), type: param.type })),
    }));
}
