import type { TypedDocumentString } from '../gql/graphql';

/** One error of a GraphQL answer, as the service words it (SPEC §3: message and extensions.code). */
export interface ApiErrorItem {
  message: string;
  /** BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_MANY_REQUESTS, … or NETWORK */
  code?: string;
  /** the input field the service named (`extensions.field`), when it named one */
  field?: string;
}

/** A request the service refused (or could not be sent): every error in the service's words. */
export class ApiError extends Error {
  constructor(
    readonly errors: ApiErrorItem[],
    readonly status = 0,
  ) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'ApiError';
  }

  get code(): string | undefined {
    return this.errors[0]?.code;
  }
}

interface GraphqlAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: unknown; fields?: unknown } }[];
}

/** Called when the service says the session is no longer valid (expired, revoked, signed out elsewhere). */
let onUnauthenticated: (() => void) | undefined;
export function setUnauthenticatedHandler(handler: (() => void) | undefined) {
  onUnauthenticated = handler;
}

/** class-validator lists one message per field (`extensions.fields`): each becomes its own item. */
function toItems(errors: NonNullable<GraphqlAnswer<unknown>['errors']>): ApiErrorItem[] {
  const items: ApiErrorItem[] = [];
  for (const error of errors) {
    const code = error.extensions?.code;
    const fields = error.extensions?.fields;
    if (Array.isArray(fields) && fields.length > 0 && fields.every((f) => typeof f === 'string')) {
      for (const message of fields as string[]) items.push({ message, code });
      continue;
    }
    const field = error.extensions?.field;
    items.push({ message: error.message, code, field: typeof field === 'string' ? field : undefined });
  }
  return items;
}

/**
 * Sends one operation to the service's public GraphQL API (same origin, `Authorization: Bearer` with the
 * console's session token: never a cookie). Resolves with the data, or throws an ApiError holding every
 * error in the service's words.
 */
export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  token?: string | null,
  signal?: AbortSignal,
): Promise<TResult> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: document.toString(), variables }),
      credentials: 'omit',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError([
      { message: 'The service could not be reached. Check the connection and try again.', code: 'NETWORK' },
    ]);
  }
  let body: GraphqlAnswer<TResult>;
  try {
    body = (await response.json()) as GraphqlAnswer<TResult>;
  } catch {
    throw new ApiError(
      [
        {
          message: `The service answered ${response.status} ${response.statusText} without a GraphQL body.`,
          code: 'NETWORK',
        },
      ],
      response.status,
    );
  }
  if (body.errors?.length) {
    const error = new ApiError(toItems(body.errors), response.status);
    if (token && error.errors.some((e) => e.code === 'UNAUTHENTICATED')) onUnauthenticated?.();
    throw error;
  }
  if (!body.data) throw new ApiError([{ message: 'The service answered without data.' }], response.status);
  return body.data;
}
