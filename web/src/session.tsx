import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, request, setUnauthenticatedHandler } from './api/client';
import { graphql } from './gql';
import { navigate } from './router';
import type { ConsoleRoleFragment, TypedDocumentString } from './gql/graphql';

export const ConsoleRole = graphql(`
  fragment ConsoleRole on Role {
    id
    name
    canReadUsers
    canManageUsers
    canManageIdentities
    canManageApiTokens
    canManageRoles
    canManageWebhooks
    canReadAudit
  }
`);

const Me = graphql(`
  query ConsoleMe {
    authenticatedItem {
      id
      email
      name
      role {
        ...ConsoleRole
      }
    }
  }
`);

const SignIn = graphql(`
  mutation ConsoleSignIn($email: String!, $password: String!) {
    authenticateUserWithPassword(email: $email, password: $password) {
      __typename
      ... on UserAuthenticationWithPasswordSuccess {
        sessionToken
        item {
          id
          email
          name
          role {
            ...ConsoleRole
          }
        }
      }
      ... on UserAuthenticationWithPasswordFailure {
        message
      }
    }
  }
`);

const SignOut = graphql(`
  mutation ConsoleSignOut {
    endSession
  }
`);

/** What the signed-in user's role allows: each screen and action asks for what the API asks for. */
export type Permissions = Omit<ConsoleRoleFragment, 'id' | 'name'>;

/** Every permission a role can hold; the console is for users whose role holds at least one. */
export const PERMISSION_NAMES = [
  'canReadUsers',
  'canManageUsers',
  'canManageIdentities',
  'canManageApiTokens',
  'canManageRoles',
  'canManageWebhooks',
  'canReadAudit',
] as const satisfies readonly (keyof Permissions)[];

const NO_PERMISSIONS: Permissions = Object.fromEntries(PERMISSION_NAMES.map((name) => [name, false])) as Permissions;

export const CUSTOMER_REFUSED =
  'This account has no admin permission. The console is for staff whose role grants at least one permission; customers manage their account in the shop.';
const SESSION_ENDED = 'Your session has ended. Sign in again.';

export interface Me {
  id: string;
  email: string | null | undefined;
  name: string | null | undefined;
  role: ConsoleRoleFragment;
}

type State =
  { status: 'loading' } | { status: 'signedOut'; message?: string } | { status: 'signedIn'; token: string; me: Me };

interface SessionValue {
  state: State;
  /** the signed-in user's permissions (all false when signed out) */
  permissions: Permissions;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** runs an operation with the session's token */
  api<R, V>(document: TypedDocumentString<R, V>, variables: V, signal?: AbortSignal): Promise<R>;
}

const SessionContext = createContext<SessionValue | null>(null);

/**
 * The session token lives in sessionStorage (this tab only, gone when it closes), never in a cookie:
 * the API reads it from `Authorization: Bearer`, so no other path or site can send it.
 */
const STORAGE_KEY = 'identity-hub.console.session';
const storage = {
  get: () => {
    try {
      return window.sessionStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  },
  set: (token: string | null) => {
    try {
      if (token) window.sessionStorage.setItem(STORAGE_KEY, token);
      else window.sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // storage off (private mode): the session lives in memory only
    }
  },
};

const hasAnyPermission = (role: ConsoleRoleFragment | null | undefined): role is ConsoleRoleFragment =>
  !!role && PERMISSION_NAMES.some((name) => role[name]);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>(() => (storage.get() ? { status: 'loading' } : { status: 'signedOut' }));

  const end = useCallback((message?: string) => {
    storage.set(null);
    setState({ status: 'signedOut', message });
  }, []);

  // A stored session (a reload): ask who it belongs to, and whether their role still has a permission.
  useEffect(() => {
    const token = storage.get();
    if (!token || state.status !== 'loading') return;
    const controller = new AbortController();
    request(Me, {}, token, controller.signal)
      .then(({ authenticatedItem: me }) => {
        if (!me) return end(SESSION_ENDED);
        if (!hasAnyPermission(me.role)) return end(CUSTOMER_REFUSED);
        setState({ status: 'signedIn', token, me: { ...me, role: me.role } });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        end(error instanceof ApiError && error.code !== 'UNAUTHENTICATED' ? error.message : SESSION_ENDED);
      });
    return () => controller.abort();
  }, [state.status, end]);

  useEffect(() => {
    setUnauthenticatedHandler(() => end(SESSION_ENDED));
    return () => setUnauthenticatedHandler(undefined);
  }, [end]);

  const signIn = useCallback(async (email: string, password: string) => {
    const { authenticateUserWithPassword: result } = await request(SignIn, { email, password });
    if (!result) throw new ApiError([{ message: 'The service gave no answer to the sign-in.' }]);
    if (result.__typename === 'UserAuthenticationWithPasswordFailure' || !('sessionToken' in result)) {
      throw new ApiError([{ message: 'message' in result ? result.message : 'Sign-in failed.' }]);
    }
    if (!hasAnyPermission(result.item.role)) {
      // a customer: end the session it was given at once, and say why
      await request(SignOut, {}, result.sessionToken).catch(() => undefined);
      throw new ApiError([{ message: CUSTOMER_REFUSED, code: 'FORBIDDEN' }]);
    }
    storage.set(result.sessionToken);
    setState({ status: 'signedIn', token: result.sessionToken, me: { ...result.item, role: result.item.role } });
  }, []);

  const token = state.status === 'signedIn' ? state.token : null;

  // Signing out ends the session on the service too; the next user starts at the start page (a session
  // that expired keeps the address, so signing in again returns to it).
  const signOut = useCallback(async () => {
    if (token) await request(SignOut, {}, token).catch(() => undefined);
    navigate('/', { replace: true });
    end();
  }, [token, end]);

  const api = useCallback(
    <R, V>(document: TypedDocumentString<R, V>, variables: V, signal?: AbortSignal) =>
      request(document, variables, token, signal),
    [token],
  );

  const value = useMemo<SessionValue>(
    () => ({
      state,
      permissions: state.status === 'signedIn' ? state.me.role : NO_PERMISSIONS,
      signIn,
      signOut,
      api,
    }),
    [state, signIn, signOut, api],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
