import { Json, isObject } from './partner-input';

const EVENT_NAME = /^[a-z0-9_]{1,128}$/;
const CURRENCY = /^[A-Z]{3}$/;
export const EVENTS_PER_USER = 100;

/** Required event_params of Insider's commerce events. */
const REQUIRED: Record<string, Record<string, 'string' | 'number' | 'integer' | 'currency'>> = {
  purchase: {
    product_id: 'string',
    name: 'string',
    currency: 'currency',
    unit_price: 'number',
    unit_sale_price: 'number',
    quantity: 'integer',
  },
  cart_page_view: {
    product_id: 'string',
    name: 'string',
    currency: 'currency',
    unit_price: 'number',
    unit_sale_price: 'number',
  },
};

export interface ParsedEvent {
  name: string;
  timestamp: Date;
  params: Record<string, Json>;
}

/** Validates `events`; errors are [path, message]. */
export function parseEvents(raw: Json | undefined, path: string): { events: ParsedEvent[]; error?: [string, string] } {
  if (raw === undefined || raw === null) return { events: [] };
  if (!Array.isArray(raw)) return { events: [], error: [path, 'events must be an array'] };
  if (raw.length > EVENTS_PER_USER) return { events: [], error: [path, `at most ${EVENTS_PER_USER} events per user`] };
  const events: ParsedEvent[] = [];
  for (let i = 0; i < raw.length; i++) {
    const p = `${path}.${i}`;
    const event = raw[i];
    if (!isObject(event)) return { events: [], error: [p, 'an event must be an object'] };
    const name = event.event_name;
    if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
      return { events: [], error: [`${p}.event_name`, 'event_name must be 1 to 128 lowercase letters, digits or "_"'] };
    }
    const ts = event.timestamp;
    const time = typeof ts === 'string' ? Date.parse(ts) : NaN;
    if (Number.isNaN(time))
      return {
        events: [],
        error: [`${p}.timestamp`, 'timestamp must be an RFC 3339 date-time (e.g. 2024-05-17T10:00:00Z)'],
      };
    const params = event.event_params ?? {};
    if (!isObject(params)) return { events: [], error: [`${p}.event_params`, 'event_params must be an object'] };
    if (JSON.stringify(params).length > 16_384)
      return { events: [], error: [`${p}.event_params`, 'event_params must be at most 16 KB as JSON'] };
    for (const [param, kind] of Object.entries(REQUIRED[name] ?? {})) {
      const v = params[param];
      const ok =
        kind === 'string'
          ? typeof v === 'string' && v.length > 0
          : kind === 'number'
            ? typeof v === 'number' && Number.isFinite(v) && v >= 0
            : kind === 'integer'
              ? Number.isInteger(v) && (v as number) > 0
              : typeof v === 'string' && CURRENCY.test(v);
      if (!ok) {
        const what =
          kind === 'currency'
            ? 'an ISO 4217 code (e.g. EUR)'
            : kind === 'integer'
              ? 'a positive whole number'
              : kind === 'number'
                ? 'a number ≥ 0'
                : 'a non-empty string';
        return { events: [], error: [`${p}.event_params.${param}`, `${name} needs ${param}: ${what}`] };
      }
    }
    events.push({ name, timestamp: new Date(time), params });
  }
  return { events };
}
