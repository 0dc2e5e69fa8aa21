import { useEffect, useState, type FormEvent } from 'react';
import { formErrors, messagesOf, type FormErrors } from '../api/errors';
import { useMutation, useQuery } from '../api/hooks';
import { graphql } from '../gql';
import type { ConsoleGroupQuery } from '../gql/graphql';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { FormErrorsView, TextArea, TextField } from '../ui/forms';
import { checkJsonObject, showJson } from '../ui/json';
import { ConfirmButton, ErrorView, formatDate, Loading, PageTitle, Pager, Status } from '../ui/widgets';

/** The group with one page of its members (oldest account first), however many it has. */
const Group = graphql(`
  query ConsoleGroup($id: ID!, $take: Int!, $skip: Int!) {
    customerGroup(where: { id: $id }) {
      id
      name
      metadata
      createdAt
      updatedAt
      usersCount
      users(take: $take, skip: $skip) {
        id
        email
        name
        role {
          name
        }
      }
    }
  }
`);

const UpdateGroup = graphql(`
  mutation ConsoleUpdateGroup($id: ID!, $data: CustomerGroupUpdateInput!) {
    updateCustomerGroup(where: { id: $id }, data: $data) {
      id
    }
  }
`);

const DeleteGroup = graphql(`
  mutation ConsoleDeleteGroup($id: ID!) {
    deleteCustomerGroup(where: { id: $id }) {
      id
    }
  }
`);

type Group = NonNullable<ConsoleGroupQuery['customerGroup']>;

const MEMBERS_PAGE = 25;

export function GroupPage({ id }: { id: string }) {
  const [page, setPage] = useState(1);
  const query = useQuery(Group, { id, take: MEMBERS_PAGE, skip: (page - 1) * MEMBERS_PAGE });
  const [done, setDone] = useState('');
  const changed = (what: string) => {
    setDone(what);
    query.reload();
  };
  if (query.error && !query.data) return <ErrorView error={query.error} title="The group could not be loaded." />;
  if (!query.data) return <Loading what="Loading the group" />;
  const group = query.data.customerGroup;
  if (!group) {
    return (
      <>
        <PageTitle>Group not found</PageTitle>
        <p>
          No customer group has this id. <Link to="/groups">Back to the groups</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <p className="breadcrumb">
        <Link to="/groups">Customer groups</Link>
      </p>
      <PageTitle>{group.name}</PageTitle>
      {done && <Status>{done}</Status>}
      {query.error ? <ErrorView error={query.error} /> : null}
      <div className="columns even">
        <div>
          <DetailsSection group={group} onChanged={changed} />
        </div>
        <div>
          <MembersSection group={group} onChanged={changed} page={page} onPage={setPage} loading={query.loading} />
        </div>
      </div>
    </>
  );
}

const DETAIL_FIELDS = ['name', 'metadata'] as const;

function DetailsSection({ group, onChanged }: { group: Group; onChanged(what: string): void }) {
  const { permissions } = useSession();
  const editable = permissions.canManageUsers;
  const [name, setName] = useState(group.name);
  const [metadata, setMetadata] = useState(showJson(group.metadata));
  const [errors, setErrors] = useState<FormErrors<(typeof DETAIL_FIELDS)[number]>>({ fields: {}, form: [] });
  const update = useMutation(UpdateGroup);
  const remove = useMutation(DeleteGroup);
  const savedMetadata = showJson(group.metadata);
  useEffect(() => setName(group.name), [group.name]);
  useEffect(() => setMetadata(savedMetadata), [savedMetadata]);
  const json = checkJsonObject(metadata);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!json.ok) return setErrors({ fields: { metadata: json.message }, form: [] });
    try {
      await update.run({ id: group.id, data: { name: name.trim(), metadata: json.value } });
      setErrors({ fields: {}, form: [] });
      onChanged('The group was saved.');
    } catch (error) {
      setErrors(formErrors(error, DETAIL_FIELDS));
    }
  };

  return (
    <section className="panel" aria-labelledby="group-details-title">
      <h2 id="group-details-title">Name and metadata</h2>
      <dl className="facts">
        <dt>Id</dt>
        <dd className="mono">{group.id}</dd>
        <dt>Created</dt>
        <dd>{formatDate(group.createdAt)}</dd>
        <dt>Updated</dt>
        <dd>{formatDate(group.updatedAt)}</dd>
      </dl>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" value={name} onValue={setName} error={errors.fields.name} readOnly={!editable} />
        <TextArea
          label="Metadata (JSON object)"
          value={metadata}
          onValue={(text) => {
            setMetadata(text);
            setErrors((e) => ({ ...e, fields: { ...e.fields, metadata: undefined } }));
          }}
          rows={10}
          className="mono"
          readOnly={!editable}
          error={json.ok ? errors.fields.metadata : json.message}
          hint="Empty clears it. At most 16 KB."
        />
        <FormErrorsView messages={errors.form} />
        {editable && (
          <div className="buttons">
            <button type="submit" className="primary" disabled={update.pending}>
              Save group
            </button>
            <button
              type="button"
              disabled={!json.ok || json.value === null}
              onClick={() => json.ok && setMetadata(showJson(json.value))}
            >
              Format JSON
            </button>
          </div>
        )}
      </form>
      {editable && (
        <div className="action">
          <ConfirmButton
            confirm="Yes, delete the group"
            question={`Delete ${group.name}? Its members stay.`}
            disabled={remove.pending}
            onConfirm={async () => {
              try {
                await remove.run({ id: group.id });
                navigate('/groups', { replace: true });
              } catch (error) {
                setErrors({ fields: {}, form: messagesOf(error) });
              }
            }}
          >
            Delete group
          </ConfirmButton>
        </div>
      )}
    </section>
  );
}

function MembersSection({
  group,
  onChanged,
  page,
  onPage,
  loading,
}: {
  group: Group;
  onChanged(what: string): void;
  page: number;
  onPage(page: number): void;
  loading: boolean;
}) {
  const { permissions } = useSession();
  const members = group.users ?? [];
  const total = group.usersCount ?? members.length;
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FormErrors<'users'>>({ fields: {}, form: [] });
  const [rowErrors, setRowErrors] = useState<string[]>([]);
  const update = useMutation(UpdateGroup);
  const pages = Math.max(1, Math.ceil(total / MEMBERS_PAGE));
  // the last page emptied (members removed meanwhile): go back to the last page that has members
  useEffect(() => {
    if (page > pages) onPage(pages);
  }, [page, pages]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await update.run({ id: group.id, data: { users: { connect: [{ email: email.trim() }] } } });
      setErrors({ fields: {}, form: [] });
      onChanged(`${email.trim()} was added to the group.`);
      setEmail('');
    } catch (error) {
      setErrors(formErrors(error, ['users'] as const));
    }
  };
  const removeMember = async (userId: string, label: string) => {
    try {
      await update.run({ id: group.id, data: { users: { disconnect: [{ id: userId }] } } });
      setRowErrors([]);
      onChanged(`${label} was removed from the group.`);
    } catch (error) {
      setRowErrors(messagesOf(error));
    }
  };

  return (
    <section className="panel" aria-labelledby="members-title">
      <h2 id="members-title">Members ({total.toLocaleString('en')})</h2>
      {permissions.canManageUsers && (
        <form className="inline-form" onSubmit={add} noValidate>
          <TextField
            label="Add a member by email"
            type="email"
            value={email}
            onValue={setEmail}
            error={errors.fields.users}
            autoComplete="off"
          />
          <button type="submit" disabled={update.pending || !email.trim()}>
            Add member
          </button>
        </form>
      )}
      <FormErrorsView messages={[...errors.form, ...rowErrors]} />
      {total === 0 ? (
        <p>No members.</p>
      ) : (
        <>
          <table className="cards" aria-busy={loading}>
            <caption className="visually-hidden">Members of {group.name}</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                {permissions.canManageUsers && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {members.map((u) => (
                <tr key={u.id}>
                  <td data-label="Email">
                    {permissions.canReadUsers ? (
                      <Link to={`/customers/${encodeURIComponent(u.id)}`}>{u.email}</Link>
                    ) : (
                      u.email
                    )}
                    {u.role && <span className="badge">{u.role.name}</span>}
                  </td>
                  <td data-label="Name">{u.name || '—'}</td>
                  {permissions.canManageUsers && (
                    <td data-label="">
                      <button
                        type="button"
                        className="small"
                        disabled={update.pending}
                        aria-label={`Remove ${u.email ?? u.id} from the group`}
                        onClick={() => removeMember(u.id, u.email ?? u.id)}
                      >
                        Remove
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {total > MEMBERS_PAGE && (
            <Pager label="Member pages" page={page} pageSize={MEMBERS_PAGE} total={total} onPage={onPage} />
          )}
        </>
      )}
    </section>
  );
}
