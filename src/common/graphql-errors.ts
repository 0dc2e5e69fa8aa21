import { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { AppError, DATABASE_BUSY, ErrorCode, isDatabaseBusy } from './app-error';
import { ErrorFormat } from './error-formats';

const CLIENT_CODES = new Set<string>(Object.values(ErrorCode).filter((c) => c !== ErrorCode.Internal));
/** Apollo's (and Nest's) codes for documents, variables and requests that are wrong: the client's mistake. */
const INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_FOUND',
]);

function classify(formattedCode: unknown, original: unknown): ErrorCode | null {
  if (original instanceof AppError) return original.code;
  if (isDatabaseBusy(original)) return ErrorCode.ServiceUnavailable;
  if (typeof formattedCode === 'string') {
    if (INPUT_CODES.has(formattedCode)) return ErrorCode.BadUserInput;
    if (CLIENT_CODES.has(formattedCode)) return formattedCode as ErrorCode;
  }
  return null;
}

/** True for an error the client did not cause, to log: a bug, or the database too busy to answer. */
export function isUnexpectedGraphqlError(error: GraphQLError): boolean {
  const code = classify(error.extensions?.code, unwrapResolverError(error));
  return code === null || code === ErrorCode.ServiceUnavailable;
}

/**
 * The one GraphQL error mapping point: AppErrors keep their code, message and details; Apollo's input
 * errors become BAD_USER_INPUT with their message; anything else is answered as a generic
 * INTERNAL_SERVER_ERROR (it is logged, with the request id, by the plugin in graphql.module).
 * Stack traces and SQL never leave the process.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  const code = classify(formatted.extensions?.code, original);
  if (original instanceof AppError) {
    return { ...base, message: original.message, extensions: { ...original.details, code: original.code } };
  }
  if (code === ErrorCode.ServiceUnavailable) return { ...base, message: DATABASE_BUSY, extensions: { code } };
  if (code) return { ...base, extensions: { code } };
  return { ...base, message: 'Internal server error', extensions: { code: ErrorCode.Internal } };
}

/**
 * GraphQL errors raised before a resolver ran (no query, a body that is not JSON, a NUL in the
 * variables): `{ errors: [{ message, extensions: { code } }] }` with the HTTP status.
 */
export const graphqlTransportErrorFormat: ErrorFormat = (error) =>
  error
    ? { status: error.status, body: { errors: [{ message: error.message, extensions: { code: error.code } }] } }
    : {
        status: 500,
        body: { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.Internal } }] },
      };

/**
 * The HTTP status of a GraphQL answer that met SERVICE_UNAVAILABLE is 503, as on REST, so load balancers
 * and clients see an operational condition to retry (resolver errors are otherwise answered with 200).
 */
export const serviceUnavailableStatus: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (errors?.some((e) => e.extensions?.code === ErrorCode.ServiceUnavailable)) response.http.status = 503;
      },
    };
  },
};
