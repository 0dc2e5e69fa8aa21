import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLSchema,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  SchemaMetaFieldDef,
  SelectionSetNode,
  TypeMetaFieldDef,
  ValueNode,
} from 'graphql';
import { MAX_ADDRESSES_PER_USER } from '../address/dto/address.input';
import { MAX_SESSIONS_PER_USER } from '../auth/session.entity';
import { MAX_TAKE } from '../common/keystone-inputs';
import { isoCountries } from '../database/countries-seed';
import { EVENTS_DEFAULT_TAKE } from '../identity/dto/identity.input';

/**
 * How many objects a list field can return: `take` when the field has that argument and it is given
 * (literal or variable), otherwise `cap` (the most it returns when no `take` is given).
 */
export interface ListSize {
  cap: number;
  take?: boolean;
}

/**
 * Every list of objects in the schema, with its size. Some are real bounds (a `take` at most MAX_TAKE,
 * MAX_ADDRESSES_PER_USER, the ISO country list); the others have no bound in the data and are counted
 * at a size meant to be generous for real data, so the product of a few of them is still refused.
 * A spec walks the schema: a new list field without an entry here fails it.
 */
export const LIST_SIZES: Readonly<Record<string, ListSize>> = {
  'Query.users': { cap: MAX_TAKE, take: true },
  'Query.customerGroups': { cap: MAX_TAKE, take: true },
  /** default 50, at most 1000 */
  'Query.identities': { cap: 50, take: true },
  'Query.countries': { cap: isoCountries().length },
  /** unbounded: a handful in practice */
  'Query.roles': { cap: 100 },
  /** unbounded: revoked tokens stay listed */
  'Query.apiTokens': { cap: MAX_TAKE },
  /** a user's live sessions: at most MAX_SESSIONS_PER_USER are listed */
  'Query.activeUserSessions': { cap: MAX_SESSIONS_PER_USER },
  'Query.userSessions': { cap: MAX_SESSIONS_PER_USER },
  'User.addresses': { cap: MAX_ADDRESSES_PER_USER, take: true },
  /** a user is in a few groups (at most MAX_TAKE answered) */
  'User.customerGroups': { cap: 100, take: true },
  /** at most MAX_TAKE (the default), like one page of `users` */
  'CustomerGroup.users': { cap: MAX_TAKE, take: true },
  /** unbounded through GraphQL; the partner API writes at most 200 per profile */
  'Identity.attributes': { cap: 200 },
  /** uuid, email, phone_number and at most 100 custom identifier types */
  'Identity.identifiers': { cap: 103 },
  /** take default EVENTS_DEFAULT_TAKE (20), at most 100, per identity */
  'Identity.events': { cap: EVENTS_DEFAULT_TAKE, take: true },
  /** take at most 500 (default 50) */
  'Query.auditEvents': { cap: 500, take: true },
  'User.history': { cap: 500, take: true },
  /** a handful of fields per entry */
  'AuditEvent.changes': { cap: 50 },
  /** at most MAX_ENDPOINTS (100) */
  'Query.webhookEndpoints': { cap: 100 },
  'Query.webhookDeliveries': { cap: 500, take: true },
  'WebhookEndpoint.events': { cap: 17 },
  /** default 50, at most 100 */
  'Query.identityMerges': { cap: 50, take: true },
  /** the survivor and the profiles a merge restores: at most 50 */
  'Mutation.unmergeIdentity': { cap: 50 },
};

/** Introspection lists are bounded by the schema itself: each counts as the largest such list in it. */
function introspectionSizes(schema: GraphQLSchema): Record<string, ListSize> {
  const types = Object.values(schema.getTypeMap());
  const withFields = types.filter((t) => isObjectType(t) || isInterfaceType(t));
  const fields = withFields.flatMap((t) => Object.values(t.getFields()));
  const directives = schema.getDirectives();
  const largest = (counts: number[]): ListSize => ({ cap: Math.max(1, ...counts) });
  return {
    '__Schema.types': largest([types.length]),
    '__Schema.directives': largest([directives.length]),
    '__Type.fields': largest(withFields.map((t) => Object.keys(t.getFields()).length)),
    '__Type.interfaces': largest(withFields.map((t) => t.getInterfaces().length)),
    '__Type.possibleTypes': largest(types.filter(isAbstractType).map((t) => schema.getPossibleTypes(t).length)),
    '__Type.enumValues': largest(types.filter(isEnumType).map((t) => t.getValues().length)),
    '__Type.inputFields': largest(types.filter(isInputObjectType).map((t) => Object.keys(t.getFields()).length)),
    '__Field.args': largest(fields.map((f) => f.args.length)),
    '__Directive.args': largest(directives.map((d) => d.args.length)),
  };
}

const sizesBySchema = new WeakMap<GraphQLSchema, Record<string, ListSize>>();

function sizesFor(schema: GraphQLSchema): Record<string, ListSize> {
  let sizes = sizesBySchema.get(schema);
  if (!sizes) {
    sizes = { ...introspectionSizes(schema), ...LIST_SIZES };
    sizesBySchema.set(schema, sizes);
  }
  return sizes;
}

/** A list without an entry (only possible if the spec that walks the schema is ignored): the largest page. */
const UNKNOWN_LIST: ListSize = { cap: MAX_TAKE };

/**
 * The number of objects an operation can return (GitHub's node limit, extended to every object):
 * each field of object type counts the objects it returns (a list: its `take`, or its cap when none is
 * given; a single object: 1) times the objects of its parent, summed over the document. Fragments count
 * where they are spread; fields of both branches of a union count (an upper bound). Each fragment is
 * counted once per operation, so the work is linear in the size of the document.
 */
export function countNodes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): number {
  const sizes = sizesFor(schema);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const defaults = new Map<string, ValueNode | undefined>(
    (operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d.defaultValue]),
  );
  const fragmentCounts = new Map<string, number>();

  const intValue = (node: ValueNode | undefined): number | undefined => {
    if (!node) return undefined;
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      const given = variables[name];
      if (typeof given === 'number' && Number.isInteger(given)) return given;
      if (given === undefined) return intValue(defaults.get(name));
    }
    return undefined; // null or a wrong type (refused when variables are coerced): the cap
  };

  const listSize = (parent: GraphQLCompositeType, node: FieldNode): number => {
    const size = sizes[`${parent.name}.${node.name.value}`] ?? UNKNOWN_LIST;
    if (size.take) {
      const take = intValue(node.arguments?.find((a) => a.name.value === 'take')?.value);
      if (take !== undefined) return Math.max(0, take);
    }
    return size.cap;
  };

  const fieldDef = (parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (parent === schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  };

  const countSelections = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldDef(parent, selection.name.value);
        const type = field && getNamedType(field.type);
        if (!field || !isCompositeType(type) || !selection.selectionSet) continue; // leaves return no object
        const size = isListType(getNullableType(field.type)) ? listSize(parent, selection) : 1;
        if (size === 0) continue;
        total += size * (1 + countSelections(selection.selectionSet, type));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (isCompositeType(type)) total += countSelections(selection.selectionSet, type);
      } else {
        const name = selection.name.value;
        let count = fragmentCounts.get(name);
        if (count === undefined) {
          fragmentCounts.set(name, 0); // a cycle (refused by validation anyway) counts nothing
          const fragment = fragments.get(name);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          count = fragment && isCompositeType(type) ? countSelections(fragment.selectionSet, type) : 0;
          fragmentCounts.set(name, count);
        }
        total += count;
      }
    }
    return total;
  };

  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return root ? countSelections(operation.selectionSet, root) : 0;
}
