import {
  defaultFieldResolver,
  getNamedType,
  GraphQLField,
  GraphQLFieldResolver,
  GraphQLObjectType,
  GraphQLSchema,
  isAbstractType,
  isObjectType,
} from 'graphql';
import { AppError } from '../common/app-error';
import { Actor, ANONYMOUS } from './actor';
import { satisfies } from './auth.guard';
import { FIELD_ALLOW_EXTENSION, RETURNS_OWN_ACCOUNT_EXTENSION } from './decorators';
import { Permission, Requirement, Scope } from './permissions';

/**
 * Per-field authorization (SPEC §6): one rule, applied to every field of the built schema, for the actor
 * who asked. It is a registry of the GraphQL object types, each declared here as
 *
 * - PERSONAL: a value holds one person's data. Every field that returns it (at any depth, in a list or
 *   not) checks each value: the owner reads it; anyone else needs one of `readers`, or the field is
 *   FORBIDDEN. A list with one foreign element is refused whole, never silently filtered.
 * - PART_OF: a value only exists inside a personal value (an identity's attributes). Fields returning it
 *   may only live on that type, so the parent's check covers it.
 * - NON_PERSONAL: holds nobody's personal data (reference data, staff configuration, result wrappers).
 *
 * A type in none of the lists stops the application at start (and fails the schema test), so a new type,
 * and every new field returning a personal type, gets the rule or a conscious decision, never neither.
 * Field-level requirements (`@FieldAllow`, e.g. `CustomerGroup.users`) are enforced by the same wrapper.
 */
export interface PersonalType {
  /** the property of the resolved value holding the owner's user id (null: belongs to no account) */
  ownerKey: string;
  /** who may read a value they do not own (any one of) */
  readers: Requirement[];
  /** what is refused, for the error message: "Reading <what> needs …" */
  what: string;
}

const USER_READERS = [Permission.CanReadUsers, Permission.CanManageUsers];

export const PERSONAL_TYPES: Readonly<Record<string, PersonalType>> = {
  User: { ownerKey: 'id', readers: USER_READERS, what: "another user's account" },
  Address: { ownerKey: 'userId', readers: USER_READERS, what: "another user's addresses" },
  // Whose session it is; admins reach them through userSessions (canManageUsers, staff: canManageRoles).
  Session: { ownerKey: 'userId', readers: [Permission.CanManageUsers], what: "another user's sessions" },
  // Profile data: the integrations' scopes and identity managers. An API token never reads account data
  // (Identity.user is a User: it has no user readers).
  Identity: {
    ownerKey: 'userId',
    readers: [Scope.IdentitiesRead, Scope.IdentitiesWrite, Permission.CanManageIdentities],
    what: "another person's identity profile",
  },
  // A merge record names profiles and holds the values the survivor did not keep: identity managers only.
  IdentityMerge: {
    ownerKey: 'ownerUserId',
    readers: [Scope.IdentitiesWrite, Permission.CanManageIdentities],
    what: 'identity merges',
  },
};

export const PART_OF: Readonly<Record<string, string>> = {
  Identifier: 'Identity',
  IdentityAttribute: 'Identity',
  // the profile's behaviour (names, times, parameters): whoever may read the profile, through Identity.events
  IdentityEvent: 'Identity',
};

/** Each with the reason it holds no personal data. */
export const NON_PERSONAL: Readonly<Record<string, string>> = {
  Country: 'public ISO 3166 reference data',
  Role: 'staff configuration (roles and their permissions)',
  CustomerGroup: 'a group’s id, name and metadata; its members are CustomerGroup.users (@FieldAllow)',
  ApiToken: 'integration credentials metadata, canManageApiTokens only; the token itself is never stored',
  CreatedApiToken: 'the one-time answer of createApiToken (canManageApiTokens)',
  IdentitySettings: 'service-wide identifier settings (canManageIdentities)',
  ErasureReceipt: 'an erasure receipt: an id, a time and counts, never personal data',
  CustomerTokenResult: "the caller's own new customer token, answered only to the caller",
  UserAuthenticationWithPasswordSuccess: 'a wrapper: its `item` is a User (@ReturnsOwnAccount)',
  UserAuthenticationWithPasswordFailure: 'a fixed failure message',
  ValidateUserPasswordResetTokenResult: 'a fixed code and message about a token',
  RedeemUserPasswordResetTokenResult: 'a fixed code and message about a token',
  AuditEvent:
    'audit entries, canReadAudit only (Query.auditEvents, User.history); personal values are masked, secrets redacted',
  AuditActor: 'part of an AuditEvent: an actor kind and id, client address and request id',
  AuditResource: 'part of an AuditEvent: a resource type and id',
  AuditChange: 'part of an AuditEvent: a field name and its masked or redacted old and new values',
  WebhookEndpoint: 'integration configuration (canManageWebhooks); the secret is never a field',
  CreatedWebhookEndpoint: 'the one-time answer of createWebhookEndpoint / rotateWebhookSecret (canManageWebhooks)',
  WebhookDelivery: 'a delivery log row: event type, ids and status, no payload values (canManageWebhooks)',
};

/** The GraphQL context as far as this file needs it (see graphql.module). */
interface AuthorizationContext {
  req?: { actor?: Actor };
  /** users this response may read as their owner: the account just registered or signed in to */
  ownAccounts?: Set<string>;
}

function requirementText(requirements: Requirement[]): string {
  const permissions = requirements.filter((r): r is Permission => Object.values(Permission).includes(r as Permission));
  const scopes = requirements.filter((r): r is Scope => Object.values(Scope).includes(r as Scope));
  const parts: string[] = [];
  if (scopes.length) parts.push(`the ${scopes.join(' or ')} scope`);
  if (permissions.length) parts.push(`the ${permissions.join(' or ')} permission`);
  return parts.join(' or ') || 'a permission nobody has';
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function actorOf(context: AuthorizationContext): Actor {
  return context.req?.actor ?? ANONYMOUS;
}

function mayRead(rule: PersonalType, actor: Actor, context: AuthorizationContext, value: object): boolean {
  const owner = (value as Record<string, unknown>)[rule.ownerKey];
  if (typeof owner === 'string') {
    if (owner === actor.userId && (actor.kind === 'session' || actor.kind === 'customer-token')) return true;
    if (context.ownAccounts?.has(owner)) return true;
  }
  return rule.readers.some((r) => satisfies(actor, r));
}

/** Throws FORBIDDEN unless the actor may read the value, or every element of the (nested) list. */
function check(rule: PersonalType, message: string, context: AuthorizationContext, value: unknown): void {
  if (value === null || value === undefined) return;
  const actor = actorOf(context);
  if (Array.isArray(value)) {
    for (const item of value) check(rule, message, context, item);
    return;
  }
  if (typeof value !== 'object' || !mayRead(rule, actor, context, value)) throw AppError.forbidden(message);
}

function grantOwnAccounts(context: AuthorizationContext, value: unknown): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) return value.forEach((v) => grantOwnAccounts(context, v));
  const id = (value as { id?: unknown }).id;
  if (typeof id === 'string') (context.ownAccounts ??= new Set()).add(id);
}

interface FieldPlan {
  rule?: PersonalType;
  allow?: Requirement[];
  grants: boolean;
}

function planField(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  isRoot: boolean,
): FieldPlan {
  const coordinate = `${type.name}.${field.name}`;
  const returned = getNamedType(field.type);
  const allow = field.extensions?.[FIELD_ALLOW_EXTENSION] as Requirement[] | undefined;
  const grants = field.extensions?.[RETURNS_OWN_ACCOUNT_EXTENSION] === true;
  if (allow && isRoot) throw new Error(`${coordinate}: an operation takes @Allow, not @FieldAllow`);
  if (grants && returned.name !== 'User') throw new Error(`${coordinate}: @ReturnsOwnAccount needs a User field`);
  if (isAbstractType(returned)) {
    const personal = schema.getPossibleTypes(returned).find((member) => PERSONAL_TYPES[member.name]);
    if (personal) {
      throw new Error(
        `${coordinate}: the abstract type ${returned.name} includes the personal type ${personal.name}; ` +
          'field authorization checks object types: return the object type, or extend the rule',
      );
    }
  }
  const parent = PART_OF[returned.name];
  if (parent && parent !== type.name) {
    throw new Error(`${coordinate}: ${returned.name} is part of ${parent} and can only be reached from it`);
  }
  return { rule: PERSONAL_TYPES[returned.name], allow: allow?.length ? allow : undefined, grants };
}

function wrap(coordinate: string, field: GraphQLField<unknown, AuthorizationContext>, plan: FieldPlan): void {
  const resolve: GraphQLFieldResolver<unknown, AuthorizationContext> = field.resolve ?? defaultFieldResolver;
  const { rule, allow, grants } = plan;
  const allowMessage = allow && `Reading ${coordinate} needs ${requirementText(allow)}`;
  const ruleMessage = rule && `Reading ${rule.what} needs ${requirementText(rule.readers)}`;
  const after = (value: unknown, context: AuthorizationContext) => {
    if (value instanceof Error) return value; // Nest answers a failed resolver with the error as its value
    if (grants) grantOwnAccounts(context, value);
    if (rule) check(rule, ruleMessage!, context, value);
    return value;
  };
  field.resolve = (source, args, context, info) => {
    // Nested fields only: the guard has put the actor on the request when their root field ran.
    if (allow && !allow.some((r) => satisfies(actorOf(context), r))) throw AppError.forbidden(allowMessage);
    const result = resolve(source, args, context, info);
    if (!rule && !grants) return result;
    return isPromiseLike(result) ? result.then((value) => after(value, context)) : after(result, context);
  };
}

/** Object types of the schema that are neither operation roots nor introspection types. */
export function objectTypesOf(schema: GraphQLSchema): GraphQLObjectType[] {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  return Object.values(schema.getTypeMap()).filter(
    (t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__') && !roots.has(t),
  );
}

/** Problems of the registry against a schema: undeclared, doubly declared or unknown types. */
export function registryProblems(schema: GraphQLSchema): string[] {
  const lists = [PERSONAL_TYPES, PART_OF, NON_PERSONAL];
  const problems: string[] = [];
  const names = new Set(objectTypesOf(schema).map((t) => t.name));
  for (const name of names) {
    const declared = lists.filter((list) => name in list).length;
    if (declared === 0) {
      problems.push(
        `${name} is not declared in src/auth/field-authorization.ts: add it to PERSONAL_TYPES (with its owner and readers), PART_OF or NON_PERSONAL`,
      );
    }
    if (declared > 1) problems.push(`${name} is declared more than once in src/auth/field-authorization.ts`);
  }
  for (const list of lists) {
    for (const name of Object.keys(list))
      if (!names.has(name)) problems.push(`${name} is declared but not in the schema`);
  }
  return problems;
}

/**
 * Applies the rule to a built schema (ApolloDriverConfig.transformSchema), in place: only fields that
 * return a personal type, carry @FieldAllow or @ReturnsOwnAccount are wrapped; every other field keeps
 * its resolver untouched, so `authenticatedItem { id }` costs one ownership comparison.
 */
export function applyFieldAuthorization(schema: GraphQLSchema): GraphQLSchema {
  const problems = registryProblems(schema);
  if (problems.length) throw new Error(`Field authorization:\n- ${problems.join('\n- ')}`);
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
    (t): t is GraphQLObjectType => !!t,
  );
  for (const type of [...roots, ...objectTypesOf(schema)]) {
    const isRoot = roots.includes(type);
    for (const field of Object.values(type.getFields())) {
      const plan = planField(schema, type, field, isRoot);
      if (plan.rule || plan.allow || plan.grants) {
        wrap(`${type.name}.${field.name}`, field as GraphQLField<unknown, AuthorizationContext>, plan);
      }
    }
  }
  return schema;
}
