import { useState, type FormEvent } from 'react';
import { formErrors, type FormErrors } from '../api/errors';
import { useMutation, useQuery } from '../api/hooks';
import { graphql } from '../gql';
import { Link, navigate, useLocation, withQuery } from '../router';
import { useSession } from '../session';
import { FormErrorsView, TextArea, TextField } from '../ui/forms';
import { checkJsonObject } from '../ui/json';
import { ErrorView, formatDate, Loading, PageTitle, Pager } from '../ui/widgets';

const Groups = graphql(`
  query ConsoleGroups($where: CustomerGroupWhereInput!, $take: Int!, $skip: Int!) {
    customerGroups(where: $where, take: $take, skip: $skip, orderBy: [{ name: asc }]) {
      id
      name
      usersCount
      createdAt
    }
    customerGroupsCount(where: $where)
  }
`);

const CreateGroup = graphql(`
  mutation ConsoleCreateGroup($data: CustomerGroupCreateInput!) {
    createCustomerGroup(data: $data) {
      id
    }
  }
`);

const PAGE_SIZE = 25;

export function GroupsPage() {
  const { permissions } = useSession();
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const [typed, setTyped] = useState(q);
  const list = useQuery(Groups, {
    where: q ? { name: { contains: q } } : {},
    take: PAGE_SIZE,
    skip: (page - 1) * PAGE_SIZE,
  });

  return (
    <>
      <PageTitle>Customer groups</PageTitle>
      <form
        className="filters"
        role="search"
        aria-label="Customer groups"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(withQuery('/groups', { q: typed.trim() }));
        }}
      >
        <TextField label="Search by name" type="search" value={typed} onValue={setTyped} />
        <button type="submit">Search</button>
      </form>
      {list.error ? <ErrorView error={list.error} title="The groups could not be loaded." /> : null}
      {!list.data && !list.error && <Loading what="Loading the groups" />}
      {list.data && (
        <>
          <div className="table-wrap" aria-busy={list.loading}>
            <table className="cards">
              <caption className="visually-hidden">Customer groups by name</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Members</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {(list.data.customerGroups ?? []).length === 0 ? (
                  <tr>
                    <td colSpan={3}>{q ? 'No group matches.' : 'No groups yet.'}</td>
                  </tr>
                ) : (
                  (list.data.customerGroups ?? []).map((g) => (
                    <tr key={g.id}>
                      <td data-label="Name">
                        <Link to={`/groups/${encodeURIComponent(g.id)}`}>{g.name}</Link>
                      </td>
                      <td data-label="Members">{(g.usersCount ?? 0).toLocaleString('en')}</td>
                      <td data-label="Created">{formatDate(g.createdAt)}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
          <Pager
            label="Group pages"
            page={page}
            pageSize={PAGE_SIZE}
            total={list.data.customerGroupsCount ?? 0}
            onPage={(n) => navigate(withQuery('/groups', { q, page: n === 1 ? undefined : n }))}
          />
        </>
      )}
      {permissions.canManageUsers && <CreateGroupForm />}
    </>
  );
}

const CREATE_FIELDS = ['name', 'metadata'] as const;

function CreateGroupForm() {
  const [name, setName] = useState('');
  const [metadata, setMetadata] = useState('');
  const [errors, setErrors] = useState<FormErrors<(typeof CREATE_FIELDS)[number]>>({ fields: {}, form: [] });
  const create = useMutation(CreateGroup);
  const json = checkJsonObject(metadata);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!json.ok) return setErrors({ fields: { metadata: json.message }, form: [] });
    try {
      const { createCustomerGroup } = await create.run({ data: { name: name.trim(), metadata: json.value } });
      if (createCustomerGroup) navigate(`/groups/${encodeURIComponent(createCustomerGroup.id)}`);
    } catch (error) {
      setErrors(formErrors(error, CREATE_FIELDS));
    }
  };

  return (
    <section className="panel" aria-labelledby="new-group-title">
      <h2 id="new-group-title">New group</h2>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" value={name} onValue={setName} error={errors.fields.name} required autoComplete="off" />
        <TextArea
          label="Metadata (JSON object, optional)"
          value={metadata}
          onValue={(text) => {
            setMetadata(text);
            setErrors((e) => ({ ...e, fields: { ...e.fields, metadata: undefined } }));
          }}
          rows={4}
          className="mono"
          error={json.ok ? errors.fields.metadata : json.message}
          hint='For example {"discount": 10}. At most 16 KB.'
        />
        <FormErrorsView messages={errors.form} />
        <button type="submit" className="primary" disabled={create.pending}>
          Create group
        </button>
      </form>
    </section>
  );
}
