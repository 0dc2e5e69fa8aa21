/**
 * What an audit entry may keep of a changed value (SPEC §9): the classification of every field name
 * the services record, and the one function that turns a value into what is stored. Nothing is copied
 * from a request body: callers name the fields and give the old and new values they wrote.
 *
 * - `secret`: never kept; any change is stored as `[redacted]` on both sides.
 * - `personal`: masked (`j***@example.com`, `J***`): enough to see that and roughly how it changed.
 * - `plain`: kept as is (statuses, flags, ids, permissions, names of things that are not people).
 *
 * A field that is not listed is personal: an unknown field is masked, never kept by mistake.
 */
export type FieldClass = 'secret' | 'personal' | 'plain';

export const REDACTED = '[redacted]';

const SECRET_NAME = /password|token|secret|hash|credential/i;

const PLAIN: ReadonlySet<string> = new Set([
  'id',
  'onboardingStatus',
  'emailVerified',
  'role',
  'roleId',
  'hasAccount',
  'country',
  'isDefault',
  'roleName',
  'groupName',
  'tokenName',
  'enabledIdentifiers',
  'isBilling',
  'countryId',
  'label',
  'scopes',
  'revokedAt',
  'expiresAt',
  'canReadUsers',
  'canManageUsers',
  'canManageIdentities',
  'canManageApiTokens',
  'canManageRoles',
  'canReadAudit',
  'canManageWebhooks',
  'customerGroup',
  'user',
  'profile',
  'sessions',
  'events',
  'enabled',
  'description',
  'customIdentifiers',
  'mergeOnUpsert',
  'identifierTypes',
  'attributes',
]);

/** URLs keep their origin only: a path or query string can carry a token (a webhook URL, say). */
const ORIGIN_ONLY: ReadonlySet<string> = new Set(['url', 'orderWebhookUrl']);

function origin(value: unknown): unknown {
  if (typeof value !== 'string') return value === undefined ? null : value;
  try {
    return `${new URL(value).origin}/…`;
  } catch {
    return mask(value);
  }
}

/** The class of a field name (see above). */
export function classify(field: string): FieldClass {
  if (SECRET_NAME.test(field)) return 'secret';
  return PLAIN.has(field) ? 'plain' : 'personal';
}

/** `j***@example.com` for an email, `J***` for other text, `***` for anything else personal. */
export function mask(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (value.length === 0) return '';
    const at = value.lastIndexOf('@');
    if (at > 0) return `${[...value][0]}***${value.slice(at)}`;
    return `${[...value][0]}***`;
  }
  return '***';
}

export interface FieldChange {
  field: string;
  old: unknown;
  new: unknown;
}

/** One change as it may be stored: the field's class decides what is kept of each side. */
export function change(field: string, oldValue: unknown, newValue: unknown): FieldChange {
  if (ORIGIN_ONLY.has(field)) return { field, old: origin(oldValue), new: origin(newValue) };
  switch (classify(field)) {
    case 'secret':
      return {
        field,
        old: oldValue === null || oldValue === undefined ? null : REDACTED,
        new: newValue === null || newValue === undefined ? null : REDACTED,
      };
    case 'personal':
      return { field, old: mask(oldValue), new: mask(newValue) };
    default:
      return { field, old: plainValue(oldValue), new: plainValue(newValue) };
  }
}

function plainValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return value;
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/**
 * The changes between two states of a record, for the `fields` named (in that order): only fields
 * whose value differs. A record that did not exist before (or no longer exists) is `null`.
 */
export function diff(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  fields: readonly string[],
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const oldValue = before ? before[field] : null;
    const newValue = after ? after[field] : null;
    if (!same(oldValue, newValue)) changes.push(change(field, oldValue, newValue));
  }
  return changes;
}
