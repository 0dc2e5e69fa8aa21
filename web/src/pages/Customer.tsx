import { useEffect, useRef, useState, type FormEvent } from 'react';
import { formErrors, messagesOf, type FormErrors } from '../api/errors';
import { useMutation, useQuery } from '../api/hooks';
import { graphql } from '../gql';
import type { ConsoleCustomerQuery, ConsoleEraseIdentityMutation, UserUpdateInput } from '../gql/graphql';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { FormErrorsView, SelectField, TextField } from '../ui/forms';
import { AuditTable } from './Audit';
import { ConfirmButton, ErrorView, formatDate, Loading, PageTitle, Status } from '../ui/widgets';

/**
 * One customer. Parts the signed-in role may not read are not asked for (`@include`), so the API never
 * has to refuse them: the identity profile needs canManageIdentities, the role list canManageRoles.
 */
const Customer = graphql(`
  query ConsoleCustomer($id: ID!, $withIdentity: Boolean!, $withRoles: Boolean!, $withGroups: Boolean!) {
    user(where: { id: $id }) {
      id
      email
      name
      phone
      onboardingStatus
      orderWebhookUrl
      hasAccount
      emailVerified
      createdAt
      updatedAt
      tokenGeneratedAt
      role {
        id
        name
      }
      addresses {
        id
        firstName
        lastName
        company
        address1
        address2
        postalCode
        city
        province
        phone
        isBilling
        country {
          iso2
          name
        }
      }
      customerGroups {
        id
        name
      }
      identity @include(if: $withIdentity) {
        id
        createdAt
        updatedAt
        identifiers {
          type
          value
        }
        attributes {
          name
          value
        }
        events(take: 20) {
          name
          timestamp
          params
        }
      }
    }
    roles @include(if: $withRoles) {
      id
      name
    }
    customerGroups(take: 1000, orderBy: [{ name: asc }]) @include(if: $withGroups) {
      id
      name
    }
  }
`);

const UpdateCustomer = graphql(`
  mutation ConsoleUpdateCustomer($id: ID!, $data: UserUpdateInput!) {
    updateUser(where: { id: $id }, data: $data) {
      id
    }
  }
`);

/** Asked apart from the customer: the API refuses another staff member's sessions without canManageRoles. */
const Sessions = graphql(`
  query ConsoleUserSessions($id: ID!) {
    userSessions(where: { id: $id }) {
      id
      createdAt
      lastUsedAt
      expiresAt
      ipAddress
      userAgent
      current
    }
  }
`);

const RevokeSessions = graphql(`
  mutation ConsoleRevokeUserSessions($id: ID!) {
    revokeUserSessions(where: { id: $id })
  }
`);

const SendResetLink = graphql(`
  mutation ConsoleSendResetLink($email: String!) {
    sendUserPasswordResetLink(email: $email)
  }
`);

const DeleteCustomer = graphql(`
  mutation ConsoleDeleteCustomer($id: ID!) {
    deleteUser(where: { id: $id }) {
      id
    }
  }
`);

/** Needs canManageIdentities and canManageUsers (the API's rule for a user): the action is shown only then. */
const EraseCustomer = graphql(`
  mutation ConsoleEraseIdentity($where: IdentityWhereUniqueInput!, $suppress: Boolean) {
    eraseIdentity(where: $where, suppress: $suppress) {
      id
      erasedAt
      counts
    }
  }
`);

const History = graphql(`
  query ConsoleUserHistory($id: ID!, $take: Int!, $skip: Int!) {
    user(where: { id: $id }) {
      id
      history(take: $take, skip: $skip) {
        ...ConsoleAuditEvent
      }
    }
  }
`);

type User = NonNullable<ConsoleCustomerQuery['user']>;

const ONBOARDING = [
  { value: 'not_started', label: 'Not started' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'completed', label: 'Completed' },
  { value: 'dismissed', label: 'Dismissed' },
];

export function CustomerPage({ id }: { id: string }) {
  const { permissions } = useSession();
  const query = useQuery(Customer, {
    id,
    withIdentity: permissions.canManageIdentities,
    withRoles: permissions.canManageRoles,
    withGroups: permissions.canManageUsers,
  });
  const [done, setDone] = useState('');
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const changed = (what: string) => {
    setDone(what);
    query.reload();
  };

  // the person is gone: what the erasure removed, instead of their page
  if (receipt) return <ErasureReceiptView receipt={receipt} />;
  if (query.error && !query.data) return <ErrorView error={query.error} title="The customer could not be loaded." />;
  if (!query.data) return <Loading what="Loading the customer" />;
  const user = query.data.user;
  if (!user) {
    return (
      <>
        <PageTitle>Customer not found</PageTitle>
        <p>
          No user has this id. <Link to="/customers">Back to the customers</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <p className="breadcrumb">
        <Link to="/customers">Customers</Link>
      </p>
      <PageTitle>{user.name || user.email || user.id}</PageTitle>
      {done && <Status>{done}</Status>}
      {query.error ? <ErrorView error={query.error} /> : null}
      <div className="columns">
        <div>
          <AccountSection user={user} onChanged={changed} />
          <AddressesSection user={user} />
          {permissions.canManageIdentities && <IdentitySection identity={user.identity} />}
        </div>
        <div>
          <RoleSection user={user} roles={query.data.roles} onChanged={changed} />
          <GroupsSection user={user} groups={query.data.customerGroups} onChanged={changed} />
          {permissions.canManageUsers && <SessionsSection user={user} />}
          {permissions.canManageUsers && user.email && <ResetLinkSection email={user.email} />}
          {permissions.canManageUsers && <DangerSection user={user} onChanged={changed} />}
          {permissions.canManageUsers && permissions.canManageIdentities && (
            <EraseSection user={user} onErased={setReceipt} />
          )}
        </div>
      </div>
      {permissions.canReadAudit && <HistorySection id={user.id} />}
    </>
  );
}

const HISTORY_SIZE = 20;

/** The audit entries about the customer (User.history), newest first; asked apart, only with canReadAudit. */
function HistorySection({ id }: { id: string }) {
  const [page, setPage] = useState(1);
  const history = useQuery(History, { id, take: HISTORY_SIZE + 1, skip: (page - 1) * HISTORY_SIZE });
  const events = history.data?.user?.history;
  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {history.error ? <ErrorView error={history.error} title="The history could not be loaded." /> : null}
      {!events ? (
        !history.error && <Loading what="Loading the history" />
      ) : (
        <>
          <AuditTable
            events={events.slice(0, HISTORY_SIZE)}
            caption="History of this customer, newest first"
            busy={history.loading}
            empty="No recorded change."
          />
          {(page > 1 || events.length > HISTORY_SIZE) && (
            <nav className="pager" aria-label="History pages">
              <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                Newer
              </button>
              <button type="button" disabled={events.length <= HISTORY_SIZE} onClick={() => setPage(page + 1)}>
                Older
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

const ACCOUNT_FIELDS = ['name', 'email', 'phone', 'onboardingStatus', 'orderWebhookUrl'] as const;
type AccountField = (typeof ACCOUNT_FIELDS)[number];

function accountValues(user: User): Record<AccountField, string> {
  return {
    name: user.name ?? '',
    email: user.email ?? '',
    phone: user.phone ?? '',
    onboardingStatus: user.onboardingStatus ?? 'not_started',
    orderWebhookUrl: user.orderWebhookUrl ?? '',
  };
}

function AccountSection({ user, onChanged }: { user: User; onChanged(what: string): void }) {
  const { permissions } = useSession();
  const saved = accountValues(user);
  const [values, setValues] = useState(saved);
  const [errors, setErrors] = useState<FormErrors<AccountField>>({ fields: {}, form: [] });
  const update = useMutation(UpdateCustomer);
  // a successful save (or another change) brings new values: show them
  const savedKey = JSON.stringify(saved);
  useEffect(() => setValues(JSON.parse(savedKey) as Record<AccountField, string>), [savedKey]);

  const editable = permissions.canManageUsers;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // only what changed is sent; an emptied optional field is cleared (null)
    const data: UserUpdateInput = {};
    for (const field of ACCOUNT_FIELDS) {
      if (values[field] === saved[field]) continue;
      const value = values[field].trim();
      data[field] = value === '' && field !== 'email' ? null : value;
    }
    if (Object.keys(data).length === 0) return setErrors({ fields: {}, form: ['Nothing has changed.'] });
    try {
      await update.run({ id: user.id, data });
      setErrors({ fields: {}, form: [] });
      onChanged('The account was saved.');
    } catch (error) {
      setErrors(formErrors(error, ACCOUNT_FIELDS));
    }
  };

  const field = (name: AccountField, label: string, extra: Partial<Parameters<typeof TextField>[0]> = {}) => (
    <TextField
      label={label}
      value={values[name]}
      onValue={(v) => setValues({ ...values, [name]: v })}
      error={errors.fields[name]}
      readOnly={!editable}
      {...extra}
    />
  );

  return (
    <section className="panel" aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <dl className="facts">
        <dt>Id</dt>
        <dd className="mono">{user.id}</dd>
        <dt>Can sign in</dt>
        <dd>{user.hasAccount ? 'Yes, has a password' : 'No: no password (a customer record, or a closed account)'}</dd>
        <dt>Email verified</dt>
        <dd>{user.emailVerified ? 'Yes' : 'No: the owner has not proved this address yet'}</dd>
        <dt>Created</dt>
        <dd>{formatDate(user.createdAt)}</dd>
        <dt>Updated</dt>
        <dd>{formatDate(user.updatedAt)}</dd>
        <dt>Customer token</dt>
        <dd>{user.tokenGeneratedAt ? `generated ${formatDate(user.tokenGeneratedAt)}` : 'none'}</dd>
      </dl>
      <form onSubmit={submit} noValidate>
        {field('email', 'Email', { type: 'email', autoComplete: 'off' })}
        {field('name', 'Name', { autoComplete: 'off' })}
        {field('phone', 'Phone', {
          type: 'tel',
          hint: 'E.164, e.g. +358401234567; empty clears it',
          autoComplete: 'off',
        })}
        {editable ? (
          <SelectField
            label="Onboarding"
            value={values.onboardingStatus}
            onValue={(v) => setValues({ ...values, onboardingStatus: v })}
            options={ONBOARDING}
            error={errors.fields.onboardingStatus}
          />
        ) : (
          field('onboardingStatus', 'Onboarding')
        )}
        {field('orderWebhookUrl', 'Order webhook URL', { type: 'url', hint: 'An absolute https URL; empty clears it' })}
        <FormErrorsView messages={errors.form} />
        {editable && (
          <button type="submit" className="primary" disabled={update.pending}>
            {update.pending ? 'Saving…' : 'Save account'}
          </button>
        )}
      </form>
    </section>
  );
}

function AddressesSection({ user }: { user: User }) {
  const addresses = user.addresses ?? [];
  return (
    <section className="panel" aria-labelledby="addresses-title">
      <h2 id="addresses-title">Addresses ({addresses.length})</h2>
      {addresses.length === 0 ? (
        <p>No addresses.</p>
      ) : (
        <ul className="addresses">
          {addresses.map((a) => (
            <li key={a.id}>
              <address>
                {[a.firstName, a.lastName].filter(Boolean).join(' ')}
                {a.company && <>, {a.company}</>}
                <br />
                {[a.address1, a.address2].filter(Boolean).join(', ')}
                <br />
                {[a.postalCode, a.city, a.province].filter(Boolean).join(' ')}
                {a.country && <>, {a.country.name}</>}
                {a.phone && (
                  <>
                    <br />
                    {a.phone}
                  </>
                )}
              </address>
              {a.isBilling && <span className="badge">Billing address</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function IdentitySection({ identity }: { identity: User['identity'] }) {
  return (
    <section className="panel" aria-labelledby="identity-title">
      <h2 id="identity-title">Identity profile</h2>
      {!identity ? (
        <p>No identity profile is linked to this account.</p>
      ) : (
        <>
          <dl className="facts">
            <dt>Profile id</dt>
            <dd className="mono">{identity.id}</dd>
            <dt>Created</dt>
            <dd>{formatDate(identity.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>{formatDate(identity.updatedAt)}</dd>
          </dl>
          <h3>Identifiers</h3>
          <NameValueTable
            caption="Identifiers"
            headers={['Type', 'Value']}
            rows={identity.identifiers.map((i) => [i.type, i.value])}
            empty="No identifiers."
          />
          <h3>Attributes</h3>
          <NameValueTable
            caption="Attributes"
            headers={['Name', 'Value']}
            rows={identity.attributes.map((a) => [a.name, a.value])}
            empty="No attributes."
          />
          <h3>Recent events</h3>
          <EventsTable events={identity.events} />
        </>
      )}
    </section>
  );
}

type IdentityEvent = NonNullable<User['identity']>['events'][number];

/** The profile's newest events (Identity.events, at most 20), with their parameters as the API stores them. */
function EventsTable({ events }: { events: IdentityEvent[] }) {
  if (events.length === 0) return <p>No events.</p>;
  return (
    <div className="table-wrap">
      <table className="cards compact">
        <caption className="visually-hidden">Recent events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">When</th>
            <th scope="col">Parameters</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e, i) => (
            <tr key={`${e.timestamp}-${i}`}>
              <td data-label="Event" className="mono">
                {e.name}
              </td>
              <td data-label="When">{formatDate(e.timestamp)}</td>
              <td data-label="Parameters" className="mono wrap">
                {eventParams(e.params)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** `name: value` pairs of an event's parameters (nested objects such as `custom` as JSON); "—" for none. */
function eventParams(params: unknown): string {
  if (!params || typeof params !== 'object' || Array.isArray(params)) return JSON.stringify(params ?? null);
  const entries = Object.entries(params as Record<string, unknown>);
  if (entries.length === 0) return '—';
  return entries
    .map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

function NameValueTable({
  caption,
  headers,
  rows,
  empty,
}: {
  caption: string;
  headers: [string, string];
  rows: [string, string][];
  empty: string;
}) {
  if (rows.length === 0) return <p>{empty}</p>;
  return (
    <table className="compact">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{headers[0]}</th>
          <th scope="col">{headers[1]}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, value], i) => (
          <tr key={`${name}-${i}`}>
            <th scope="row" className="mono">
              {name}
            </th>
            <td className="mono wrap">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RoleSection({
  user,
  roles,
  onChanged,
}: {
  user: User;
  roles: ConsoleCustomerQuery['roles'];
  onChanged(what: string): void;
}) {
  const { permissions } = useSession();
  const [roleId, setRoleId] = useState(user.role?.id ?? '');
  const [errors, setErrors] = useState<string[]>([]);
  const update = useMutation(UpdateCustomer);
  useEffect(() => setRoleId(user.role?.id ?? ''), [user.role?.id]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await update.run({
        id: user.id,
        data: { role: roleId ? { connect: { id: roleId } } : { disconnect: true } },
      });
      setErrors([]);
      onChanged(roleId ? 'The role was changed.' : 'The role was removed: this user is now a customer.');
    } catch (error) {
      setErrors(messagesOf(error));
    }
  };

  return (
    <section className="panel" aria-labelledby="role-title">
      <h2 id="role-title">Role</h2>
      {!permissions.canManageRoles || !roles ? (
        <p>{user.role ? user.role.name : 'None: a customer.'}</p>
      ) : (
        <form onSubmit={submit} className="inline-form">
          <SelectField
            label="Role"
            value={roleId}
            onValue={setRoleId}
            options={[
              { value: '', label: 'No role (customer)' },
              ...roles.map((r) => ({ value: r.id, label: r.name })),
            ]}
            error={errors.join('; ') || undefined}
          />
          <button type="submit" disabled={update.pending || roleId === (user.role?.id ?? '')}>
            Change role
          </button>
        </form>
      )}
    </section>
  );
}

function GroupsSection({
  user,
  groups,
  onChanged,
}: {
  user: User;
  groups: ConsoleCustomerQuery['customerGroups'];
  onChanged(what: string): void;
}) {
  const { permissions } = useSession();
  const member = user.customerGroups ?? [];
  const others = (groups ?? []).filter((g) => !member.some((m) => m.id === g.id));
  const [adding, setAdding] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const update = useMutation(UpdateCustomer);
  const chosen = others.some((g) => g.id === adding) ? adding : (others[0]?.id ?? '');

  const change = async (data: UserUpdateInput, what: string) => {
    try {
      await update.run({ id: user.id, data });
      setErrors([]);
      onChanged(what);
    } catch (error) {
      setErrors(messagesOf(error));
    }
  };
  const name = (id: string) => groups?.find((g) => g.id === id)?.name ?? member.find((g) => g.id === id)?.name;

  return (
    <section className="panel" aria-labelledby="groups-title">
      <h2 id="groups-title">Customer groups</h2>
      {member.length === 0 ? (
        <p>In no group.</p>
      ) : (
        <ul className="chips" aria-label="Groups of this customer">
          {member.map((g) => (
            <li key={g.id}>
              <Link to={`/groups/${encodeURIComponent(g.id)}`}>{g.name}</Link>
              {permissions.canManageUsers && (
                <button
                  type="button"
                  className="small"
                  disabled={update.pending}
                  aria-label={`Remove from ${g.name}`}
                  onClick={() =>
                    change({ customerGroups: { disconnect: [{ id: g.id }] } }, `Removed from the group ${g.name}.`)
                  }
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {permissions.canManageUsers && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (chosen)
              void change({ customerGroups: { connect: [{ id: chosen }] } }, `Added to the group ${name(chosen)}.`);
          }}
        >
          <SelectField
            label="Add to group"
            value={chosen}
            onValue={setAdding}
            disabled={others.length === 0}
            options={
              others.length
                ? others.map((g) => ({ value: g.id, label: g.name }))
                : [{ value: '', label: 'No other group' }]
            }
            error={errors.join('; ') || undefined}
          />
          <button type="submit" disabled={update.pending || !chosen}>
            Add to group
          </button>
        </form>
      )}
    </section>
  );
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The user's live sessions (where and when they signed in), and signing them out everywhere. */
function SessionsSection({ user }: { user: User }) {
  const sessions = useQuery(Sessions, { id: user.id });
  const revoke = useMutation(RevokeSessions);
  const [done, setDone] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const list = sessions.data?.userSessions;
  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions{list ? ` (${list.length})` : ''}</h2>
      {done && <Status>{done}</Status>}
      {sessions.error ? <ErrorView error={sessions.error} title="The sessions could not be loaded." /> : null}
      {!list ? (
        !sessions.error && <Loading what="Loading the sessions" />
      ) : list.length === 0 ? (
        <p>Not signed in anywhere.</p>
      ) : (
        <>
          <ul className="sessions" aria-label="Sessions of this user">
            {list.map((s) => (
              <li key={s.id}>
                <span className="session-agent">{s.userAgent || 'Unknown browser or client'}</span>
                {s.current && <span className="badge">This console session</span>}
                <span className="hint">
                  Signed in {formatDate(s.createdAt)}
                  {s.ipAddress ? ` from ${s.ipAddress}` : ''}; last used {formatDate(s.lastUsedAt)}; expires{' '}
                  {formatDate(s.expiresAt)}
                </span>
              </li>
            ))}
          </ul>
          <FormErrorsView messages={errors} />
          <ConfirmButton
            confirm="Yes, sign out everywhere"
            question={`End ${plural(list.length, 'session', 'sessions')}?`}
            disabled={revoke.pending}
            onConfirm={async () => {
              try {
                const ended = (await revoke.run({ id: user.id })).revokeUserSessions;
                setErrors([]);
                setDone(`Signed out of ${plural(ended, 'session', 'sessions')}.`);
                sessions.reload();
              } catch (error) {
                setDone('');
                setErrors(messagesOf(error));
              }
            }}
          >
            Sign out of every session
          </ConfirmButton>
        </>
      )}
    </section>
  );
}

/** Mails the owner a one-time link to set a password (as "forgot password" does; it also claims a record). */
function ResetLinkSection({ email }: { email: string }) {
  const send = useMutation(SendResetLink);
  const [done, setDone] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  return (
    <section className="panel" aria-labelledby="reset-title">
      <h2 id="reset-title">Password</h2>
      <p className="hint">
        Mails {email} a one-time link to choose a new password. The current password keeps working until the link is
        used; using it ends every session and verifies the email.
      </p>
      {done && <Status>{done}</Status>}
      <FormErrorsView messages={errors} />
      <button
        type="button"
        disabled={send.pending}
        onClick={async () => {
          try {
            await send.run({ email });
            setErrors([]);
            setDone(`A reset link is on its way to ${email}.`);
          } catch (error) {
            setDone('');
            setErrors(messagesOf(error));
          }
        }}
      >
        {send.pending ? 'Sending…' : 'Send reset link'}
      </button>
    </section>
  );
}

function DangerSection({ user, onChanged }: { user: User; onChanged(what: string): void }) {
  const { state } = useSession();
  const update = useMutation(UpdateCustomer);
  const remove = useMutation(DeleteCustomer);
  const [errors, setErrors] = useState<string[]>([]);
  const self = state.status === 'signedIn' && state.me.id === user.id;
  return (
    <section className="panel danger-zone" aria-labelledby="danger-title">
      <h2 id="danger-title">Close or delete</h2>
      <FormErrorsView messages={errors} />
      {user.hasAccount && !self && (
        <div className="action">
          <p>Closing the account removes the password: every session and the customer token end; the data stays.</p>
          <ConfirmButton
            confirm="Yes, close the account"
            question="Close this account?"
            disabled={update.pending}
            onConfirm={async () => {
              try {
                await update.run({ id: user.id, data: { password: null } });
                setErrors([]);
                onChanged('The account was closed: it can no longer sign in.');
              } catch (error) {
                setErrors(messagesOf(error));
              }
            }}
          >
            Close account
          </ConfirmButton>
        </div>
      )}
      <div className="action">
        <p>Deleting removes the account with its addresses, group memberships and sessions; it cannot be undone.</p>
        <ConfirmButton
          confirm="Yes, delete for good"
          question={`Delete ${user.email ?? 'this user'}?`}
          disabled={remove.pending || self}
          onConfirm={async () => {
            try {
              await remove.run({ id: user.id });
              navigate('/customers', { replace: true });
            } catch (error) {
              setErrors(messagesOf(error));
            }
          }}
        >
          Delete user
        </ConfirmButton>
        {self && <p className="hint">You cannot delete your own account.</p>}
      </div>
    </section>
  );
}

type Receipt = ConsoleEraseIdentityMutation['eraseIdentity'] & { who: string };

/**
 * Erasure (SPEC §10): the person's profile (and those merged into it) and their account, with every
 * row that names them, in one transaction; asks first. "Suppress later writes" refuses their
 * identifiers afterwards. The person is named by their profile when the role sees it, else by email.
 */
function EraseSection({ user, onErased }: { user: User; onErased(receipt: Receipt): void }) {
  const { state } = useSession();
  const erase = useMutation(EraseCustomer);
  const [suppress, setSuppress] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const self = state.status === 'signedIn' && state.me.id === user.id;
  const where = user.identity ? { id: user.identity.id } : user.email ? { email: user.email } : null;
  const who = user.email ?? user.name ?? user.id;
  return (
    <section className="panel danger-zone" aria-labelledby="erase-title">
      <h2 id="erase-title">Erase</h2>
      <p className="hint">
        Erasing removes this person everywhere, for good: the account with its sessions, tokens, addresses and group
        memberships, the identity profile with its identifiers, attributes, events and merges, and queued mails. The
        audit trail keeps its entries with their ids hashed and values masked. A receipt with the counts is shown.
      </p>
      {!where ? (
        <p className="hint">This user has neither an email nor an identity profile to name in an erasure.</p>
      ) : self ? (
        <p className="hint">You cannot erase your own account.</p>
      ) : (
        <>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={suppress}
              onChange={(e) => setSuppress(e.target.checked)}
              aria-describedby="erase-suppress-hint"
            />
            <span>Suppress later writes of their identifiers</span>
          </label>
          <p className="hint" id="erase-suppress-hint">
            Every API then refuses this person’s email, phone number and other identifiers; signing up again lifts it.
          </p>
          <FormErrorsView messages={errors} />
          <ConfirmButton
            confirm="Yes, erase for good"
            question={`Erase ${who}${suppress ? ' and suppress their identifiers' : ''}?`}
            disabled={erase.pending}
            onConfirm={async () => {
              try {
                const { eraseIdentity } = await erase.run({ where, suppress });
                setErrors([]);
                onErased({ ...eraseIdentity, who });
              } catch (error) {
                setErrors(messagesOf(error));
              }
            }}
          >
            Erase this person
          </ConfirmButton>
        </>
      )}
    </section>
  );
}

/** The receipt of an erasure: its id, time and what was removed (counts only: no personal data). */
function ErasureReceiptView({ receipt }: { receipt: Receipt }) {
  const counts = Object.entries((receipt.counts ?? {}) as Record<string, number>);
  // the button that asked is gone: the receipt takes the focus, so a keyboard user lands on it
  const ref = useRef<HTMLElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <>
      <p className="breadcrumb">
        <Link to="/customers">Customers</Link>
      </p>
      <PageTitle>Erased</PageTitle>
      <Status>{receipt.who} was erased.</Status>
      <section className="panel" aria-labelledby="receipt-title" tabIndex={-1} ref={ref}>
        <h2 id="receipt-title">Erasure receipt</h2>
        <dl className="facts">
          <dt>Receipt id</dt>
          <dd className="mono">{receipt.id}</dd>
          <dt>Erased</dt>
          <dd>{formatDate(receipt.erasedAt)}</dd>
        </dl>
        <NameValueTable
          caption="Rows removed, by kind"
          headers={['Kind', 'Removed']}
          rows={counts.map(([kind, n]) => [kind, String(n)])}
          empty="Nothing was counted."
        />
        <p>
          <Link to="/customers">Back to the customers</Link>
        </p>
      </section>
    </>
  );
}
