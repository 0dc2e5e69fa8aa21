import { useEffect, useState, type FormEvent } from 'react';
import { formErrors, type FormErrors } from '../api/errors';
import { useMutation, useQuery } from '../api/hooks';
import { graphql } from '../gql';
import type { ConsoleRoleFragment } from '../gql/graphql';
import { PERMISSION_NAMES, useSession, type Permissions } from '../session';
import { CheckboxGroup, FormErrorsView, TextField } from '../ui/forms';
import { ErrorView, Loading, PageTitle, Status } from '../ui/widgets';

const Roles = graphql(`
  query ConsoleRoles {
    roles {
      ...ConsoleRole
    }
  }
`);

const CreateRole = graphql(`
  mutation ConsoleCreateRole($data: RoleCreateInput!) {
    createRole(data: $data) {
      id
    }
  }
`);

const UpdateRole = graphql(`
  mutation ConsoleUpdateRole($id: ID!, $data: RoleUpdateInput!) {
    updateRole(where: { id: $id }, data: $data) {
      id
    }
  }
`);

const LABELS: Record<keyof Permissions, string> = {
  canReadUsers: 'canReadUsers — read accounts, addresses and group members',
  canManageUsers: 'canManageUsers — create, change and delete accounts; manage customer groups',
  canManageIdentities: 'canManageIdentities — identity profiles and identity settings',
  canManageApiTokens: 'canManageApiTokens — create and revoke API tokens',
  canManageRoles: 'canManageRoles — roles, and changing staff accounts',
  canManageWebhooks: 'canManageWebhooks — webhook endpoints, their secrets and deliveries',
  canReadAudit: 'canReadAudit — the audit trail and each customer’s history',
};
const OPTIONS = PERMISSION_NAMES.map((name) => ({ value: name, label: LABELS[name] }));
const FIELDS = ['name'] as const;

const granted = (role: ConsoleRoleFragment) => PERMISSION_NAMES.filter((name) => role[name]);
const asInput = (values: readonly string[]) =>
  Object.fromEntries(PERMISSION_NAMES.map((name) => [name, values.includes(name)])) as Permissions;

export function RolesPage() {
  const list = useQuery(Roles, {});
  const [done, setDone] = useState('');
  const changed = (what: string) => {
    setDone(what);
    list.reload();
  };
  return (
    <>
      <PageTitle>Roles</PageTitle>
      <p className="lead">A user with a role is staff; a user without one is a customer.</p>
      {done && <Status>{done}</Status>}
      {list.error ? <ErrorView error={list.error} title="The roles could not be loaded." /> : null}
      {!list.data && !list.error && <Loading what="Loading the roles" />}
      <div className="grid">
        {list.data?.roles.map((role) => (
          <RoleForm key={role.id} role={role} onChanged={changed} />
        ))}
        <NewRoleForm onChanged={changed} />
      </div>
    </>
  );
}

function RoleForm({ role, onChanged }: { role: ConsoleRoleFragment; onChanged(what: string): void }) {
  const { state } = useSession();
  const [name, setName] = useState(role.name);
  const [values, setValues] = useState<string[]>(granted(role));
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>({ fields: {}, form: [] });
  const update = useMutation(UpdateRole);
  const savedKey = JSON.stringify(role);
  useEffect(() => {
    setName(role.name);
    setValues(granted(role));
  }, [savedKey]);
  const own = state.status === 'signedIn' && state.me.role.id === role.id;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await update.run({ id: role.id, data: { name: name.trim(), ...asInput(values) } });
      setErrors({ fields: {}, form: [] });
      onChanged(`The role ${name.trim()} was saved.`);
    } catch (error) {
      setErrors(formErrors(error, FIELDS));
    }
  };

  return (
    <section className="panel" aria-label={`Role ${role.name}`}>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" value={name} onValue={setName} error={errors.fields.name} autoComplete="off" />
        <CheckboxGroup
          legend="Permissions"
          options={OPTIONS}
          values={values}
          onValues={setValues}
          hint={own ? 'Your own role: removing a permission takes it from you too.' : undefined}
        />
        <FormErrorsView messages={errors.form} />
        <button type="submit" disabled={update.pending}>
          Save role
        </button>
      </form>
    </section>
  );
}

function NewRoleForm({ onChanged }: { onChanged(what: string): void }) {
  const [name, setName] = useState('');
  const [values, setValues] = useState<string[]>(['canReadUsers']);
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>({ fields: {}, form: [] });
  const create = useMutation(CreateRole);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await create.run({ data: { name: name.trim(), ...asInput(values) } });
      setErrors({ fields: {}, form: [] });
      setName('');
      onChanged(`The role ${name.trim()} was created.`);
    } catch (error) {
      setErrors(formErrors(error, FIELDS));
    }
  };

  return (
    <section className="panel" aria-labelledby="new-role-title">
      <h2 id="new-role-title">New role</h2>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" value={name} onValue={setName} error={errors.fields.name} autoComplete="off" />
        <CheckboxGroup legend="Permissions" options={OPTIONS} values={values} onValues={setValues} />
        <FormErrorsView messages={errors.form} />
        <button type="submit" className="primary" disabled={create.pending}>
          Create role
        </button>
      </form>
    </section>
  );
}
