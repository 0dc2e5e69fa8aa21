import { isObject, Json, JsonObject, numberFrom, Problems } from './partner-input';

export const EVENT_NAME = /^[a-z0-9_]{1,128}$/;
export const EVENTS_PER_USER = 100;
const PARAMS_MAX_BYTES = 16_384;

type ParamKind = 'text' | 'price' | 'quantity' | 'currency' | 'strings';

/** The commerce parameters Insider defines, with their types (checked whenever they are sent). */
const PARAM_KINDS: Record<string, ParamKind> = {
  product_id: 'text',
  name: 'text',
  event_group_id: 'text',
  url: 'text',
  currency: 'currency',
  unit_price: 'price',
  unit_sale_price: 'price',
  quantity: 'quantity',
  taxonomy: 'strings',
};

/**
 * The parameters Insider's upsert requires on its commerce events ("Yes only when the event_name is
 * purchase or cart_page_view"): the order or cart id, the currency and the price paid, and for a
 * purchase the quantity.
 */
export const REQUIRED_PARAMS: Record<string, string[]> = {
  purchase: ['event_group_id', 'currency', 'unit_sale_price', 'quantity'],
  cart_page_view: ['event_group_id', 'currency', 'unit_sale_price'],
};

const KIND_PROBLEM: Record<ParamKind, string> = {
  text: 'must be a non-empty string of at most 255 characters',
  price: 'must be a number ≥ 0',
  quantity: 'must be a whole number ≥ 1',
  currency: 'must be an ISO 4217 currency code (e.g. USD)',
  strings: 'must be an array of at most 50 strings',
};

/** The parameter as stored (a price or quantity sent as a numeric string becomes a number), or undefined. */
function checked(kind: ParamKind, v: Json): Json | undefined {
  switch (kind) {
    case 'text':
      return typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : undefined;
    case 'price': {
      const n = numberFrom(v);
      return n !== undefined && n >= 0 ? n : undefined;
    }
    case 'quantity': {
      const n = numberFrom(v);
      return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
    }
    case 'currency':
      return typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? v : undefined;
    case 'strings':
      return Array.isArray(v) && v.length <= 50 && v.every((s) => typeof s === 'string' && s.length <= 255)
        ? v
        : undefined;
  }
}

/** The fields of an event; anything else is refused rather than dropped. */
const EVENT_FIELDS = new Set(['event_name', 'timestamp', 'event_params', 'custom']);

/**
 * The event's custom parameters: `event_params.custom` and the event's own `custom` (where n8n's node
 * puts "Custom Event Parameters") together. A name given in both with different values is a problem.
 */
function customParams(
  event: JsonObject,
  params: JsonObject,
  p: string,
  problems: Problems,
): JsonObject | undefined | null {
  const nested = params.custom;
  if (nested !== undefined && !isObject(nested)) {
    problems.add(`${p}.event_params.custom`, 'custom event parameters must be an object');
    return null;
  }
  const own = event.custom;
  if (own === undefined || own === null) return nested;
  if (!isObject(own)) {
    problems.add(`${p}.custom`, 'custom event parameters must be an object');
    return null;
  }
  const merged: JsonObject = { ...nested };
  let ok = true;
  for (const [name, value] of Object.entries(own)) {
    if (name in merged && JSON.stringify(merged[name]) !== JSON.stringify(value)) {
      problems.add(`${p}.custom.${name}`, `${name} is also in event_params.custom, with another value`);
      ok = false;
    } else merged[name] = value;
  }
  return ok ? merged : null;
}

export interface ParsedEvent {
  name: string;
  timestamp: Date;
  params: Record<string, Json>;
}

/**
 * Validates a user's `events`, recording every problem by path (`users.0.events.1.event_params`). The
 * params are stored as sent, with the event's own `custom` merged into `custom`, and prices and
 * quantities sent as numeric strings converted to numbers.
 */
export function parseEvents(raw: Json | undefined, path: string, problems: Problems): ParsedEvent[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.add(path, 'events must be an array');
    return [];
  }
  if (raw.length > EVENTS_PER_USER) {
    problems.add(path, `at most ${EVENTS_PER_USER} events per user`);
    return [];
  }
  const events: ParsedEvent[] = [];
  raw.forEach((event, i) => {
    const p = `${path}.${i}`;
    if (!isObject(event)) {
      problems.add(p, 'an event must be an object');
      return;
    }
    let ok = true;
    for (const field of Object.keys(event)) {
      if (!EVENT_FIELDS.has(field)) {
        problems.add(
          `${p}.${field}`,
          `unknown event field "${field}": an event has event_name, timestamp, event_params and custom`,
        );
        ok = false;
      }
    }
    const name = event.event_name;
    if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
      problems.add(`${p}.event_name`, 'event_name must be 1 to 128 lowercase letters, digits or "_"');
      ok = false;
    }
    const ts = event.timestamp;
    const time = typeof ts === 'string' ? Date.parse(ts) : NaN;
    if (Number.isNaN(time)) {
      problems.add(`${p}.timestamp`, 'timestamp must be an RFC 3339 date-time (e.g. 2024-05-17T10:00:00Z)');
      ok = false;
    }
    const sent = event.event_params ?? {};
    if (!isObject(sent)) {
      problems.add(`${p}.event_params`, 'event_params must be an object');
      return;
    }
    const params: JsonObject = { ...sent };
    const custom = customParams(event, params, p, problems);
    if (custom === null) ok = false;
    else if (custom !== undefined) params.custom = custom;
    if (JSON.stringify(params).length > PARAMS_MAX_BYTES) {
      problems.add(`${p}.event_params`, 'event_params must be at most 16 KB as JSON');
      return;
    }
    for (const [param, kind] of Object.entries(PARAM_KINDS)) {
      if (params[param] === undefined) continue;
      const value = checked(kind, params[param]);
      if (value === undefined) {
        problems.add(`${p}.event_params.${param}`, `${param} ${KIND_PROBLEM[kind]}`);
        ok = false;
      } else params[param] = value;
    }
    const missing = (REQUIRED_PARAMS[name as string] ?? []).filter((param) => params[param] === undefined);
    for (const param of missing)
      problems.add(`${p}.event_params`, `${param} parameter is required on ${name as string} event`);
    if (ok && missing.length === 0) events.push({ name: name as string, timestamp: new Date(time), params });
  });
  return events;
}
