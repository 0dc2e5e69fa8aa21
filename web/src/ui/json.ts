/** What the metadata editor holds: a JSON object (or nothing), checked as it is typed. */
export type JsonCheck = { ok: true; value: Record<string, unknown> | null } | { ok: false; message: string };

const MAX_BYTES = 16 * 1024;

/** Empty text means no metadata (null); anything else must be a JSON object of at most 16 KB. */
export function checkJsonObject(text: string): JsonCheck {
  if (text.trim() === '') return { ok: true, value: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'Metadata must be a JSON object, like {"discount": 10}' };
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes > MAX_BYTES)
    return { ok: false, message: `Metadata must be at most 16 KB as JSON (this is ${bytes} bytes)` };
  return { ok: true, value: value as Record<string, unknown> };
}

export function showJson(value: unknown): string {
  return value === null || value === undefined ? '' : JSON.stringify(value, null, 2);
}
