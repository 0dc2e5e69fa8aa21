import { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, OperationDefinitionNode, ParseOptions, ValidationContext, ValidationRule } from 'graphql';
import { ErrorCode } from '../common/app-error';
import { GraphqlLimits } from '../config/app-config';
import { countNodes } from './query-nodes';

/** What Apollo gets to enforce the limits: validation rules, a plugin and the parser's token limit. */
export interface GraphqlLimitOptions {
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin[];
  parseOptions: ParseOptions;
  allowBatchedHttpRequests: false;
}

/** graphql-js's own message when `parseOptions.maxTokens` stops the parser ("more that" sic). */
const TOKEN_LIMIT = /^Syntax Error: Document contains more th(?:at|an) (\d+) tokens/;

/** 1,234,567 (or "more than 10^15" for the absurd) */
const count = (n: number) => (n < 1e15 ? Math.round(n).toLocaleString('en-US') : 'more than 10^15');

/**
 * An Armor rejection reported as a validation error with our message; Apollo answers it with 400 and
 * the formatter maps GRAPHQL_VALIDATION_FAILED to BAD_USER_INPUT. Armor's message ("… limit of 12
 * exceeded, found 14.") gives the count.
 */
function reportAs(message: (found: string) => string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const found = /found (\d+)/.exec(error.message)?.[1] ?? 'more';
    context?.reportError(new GraphQLError(message(found), { extensions: { code: ErrorCode.BadUserInput } }));
  };
}

/**
 * The limits of SPEC §6, all checked before anything runs. Depth, aliases and directives are GraphQL
 * Armor's validation rules (so a refused document is never cached as valid, never executed). Tokens are
 * counted by the parser itself (`parseOptions.maxTokens`, the count Armor's max-tokens makes): Armor's
 * Apollo token plugin throws from `parsingDidStart`, which Apollo 5 turns into a 500. Armor's cost rule
 * is replaced by the node count (a list counts as its `take`), which needs the request's variables and
 * so runs when the operation is resolved, still before execution.
 */
export function graphqlLimits(limits: GraphqlLimits): GraphqlLimitOptions {
  const armor = new ApolloArmor({
    maxDepth: {
      n: limits.maxDepth,
      flattenFragments: true, // count the depth of fields, not of fragment spreads
      ignoreIntrospection: true, // the standard introspection query nests ofType deeper; the node count bounds it
      propagateOnRejection: false,
      onReject: [
        reportAs((found) => `Query depth ${found} exceeds the maximum of ${limits.maxDepth} (GRAPHQL_MAX_DEPTH)`),
      ],
    },
    maxAliases: {
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [
        reportAs(
          (found) => `Query uses ${found} aliases, more than the maximum of ${limits.maxAliases} (GRAPHQL_MAX_ALIASES)`,
        ),
      ],
    },
    maxDirectives: {
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [
        reportAs(
          (found) =>
            `Query uses ${found} directives, more than the maximum of ${limits.maxDirectives} (GRAPHQL_MAX_DIRECTIVES)`,
        ),
      ],
    },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    // The schema is public (introspection, schema.graphql): hiding "Did you mean …" would hide nothing.
    blockFieldSuggestion: { enabled: false },
  }).protect();

  // Apollo keeps a parsed document per query text, so an operation node is met again and again: the
  // count of one without variables (it cannot change) is kept with it.
  const counted = new WeakMap<OperationDefinitionNode, number>();
  const listener: GraphQLRequestListener<BaseContext> = {
    async didResolveOperation({ schema, document, operation, request }) {
      if (!operation || limits.maxNodes === 0) return; // 0: the operator turned the object count off
      let nodes = counted.get(operation);
      if (nodes === undefined) {
        nodes = countNodes(schema, document, operation, request.variables ?? {});
        if (!operation.variableDefinitions?.length) counted.set(operation, nodes);
      }
      if (nodes > limits.maxNodes) {
        throw new GraphQLError(
          `Query can return ${count(nodes)} objects, more than the maximum of ${count(limits.maxNodes)} ` +
            '(GRAPHQL_MAX_NODES): ' +
            'a list counts as its take (or its cap) times the lists around it; ask for smaller pages',
          { extensions: { code: ErrorCode.BadUserInput, http: { status: 400 } } },
        );
      }
    },
    async didEncounterErrors({ errors }) {
      for (const error of errors) {
        const limit = TOKEN_LIMIT.exec(error.message)?.[1];
        if (limit) error.message = `Query has more than ${limit} tokens, the maximum (GRAPHQL_MAX_TOKENS)`;
      }
    },
  };
  const nodeLimit: ApolloServerPlugin = {
    async requestDidStart() {
      return listener; // nothing per request in it
    },
  };

  return {
    validationRules: armor.validationRules,
    plugins: [...armor.plugins, nodeLimit],
    parseOptions: { maxTokens: limits.maxTokens },
    allowBatchedHttpRequests: armor.allowBatchedHttpRequests,
  };
}
