import { useEffect, useRef, useState, type FormEvent } from 'react';
import { formErrors, messagesOf, type FormErrors } from '../api/errors';
import { useMutation, useQuery } from '../api/hooks';
import { graphql } from '../gql';
import { CheckboxGroup, FormErrorsView, TextField } from '../ui/forms';
import { ConfirmButton, CopyButton, ErrorView, formatDate, Loading, PageTitle, Status } from '../ui/widgets';

const Tokens = graphql(`
  query ConsoleApiTokens {
    apiTokens {
      id
      name
      scopes
      createdAt
      lastUsedAt
      revokedAt
    }
  }
`);

const CreateToken = graphql(`
  mutation ConsoleCreateApiToken($data: ApiTokenCreateInput!) {
    createApiToken(data: $data) {
      token
      apiToken {
        id
        name
      }
    }
  }
`);

const RevokeToken = graphql(`
  mutation ConsoleRevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      id
      revokedAt
    }
  }
`);

const SCOPES = [
  { value: 'identities:read', label: 'identities:read — read identity profiles (partner API and GraphQL)' },
  { value: 'identities:write', label: 'identities:write — create and change identity profiles' },
  { value: 'gdpr', label: 'gdpr — redaction and takeout (erasure and export of personal data)' },
];
const FIELDS = ['name', 'scopes'] as const;

export function ApiTokensPage() {
  const list = useQuery(Tokens, {});
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [done, setDone] = useState('');
  const [revokeErrors, setRevokeErrors] = useState<string[]>([]);
  const revoke = useMutation(RevokeToken);
  const tokens = list.data?.apiTokens ?? [];

  return (
    <>
      <PageTitle>API tokens</PageTitle>
      <p className="lead">
        Integrations call the partner API and GraphQL with a token:{' '}
        <code>Authorization: Basic base64(":" + token)</code> or <code>X-REQUEST-TOKEN</code>. A token is shown once,
        when it is created; only its hash is kept.
      </p>
      {created && <CreatedToken {...created} onDone={() => setCreated(null)} />}
      {done && !created && <Status>{done}</Status>}
      <CreateTokenForm
        onCreated={(name, token) => {
          setCreated({ name, token });
          list.reload();
        }}
      />
      <section className="panel" aria-labelledby="tokens-title">
        <h2 id="tokens-title">Tokens</h2>
        {list.error ? <ErrorView error={list.error} title="The tokens could not be loaded." /> : null}
        <FormErrorsView messages={revokeErrors} />
        {!list.data && !list.error ? (
          <Loading what="Loading the tokens" />
        ) : tokens.length === 0 ? (
          <p>No API tokens yet.</p>
        ) : (
          <table className="cards">
            <caption className="visually-hidden">API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id} className={t.revokedAt ? 'muted' : undefined}>
                  <td data-label="Name">{t.name}</td>
                  <td data-label="Scopes">{t.scopes.join(', ')}</td>
                  <td data-label="Created">{formatDate(t.createdAt)}</td>
                  <td data-label="Last used">{t.lastUsedAt ? formatDate(t.lastUsedAt) : 'never'}</td>
                  <td data-label="Status">
                    {t.revokedAt ? (
                      `Revoked ${formatDate(t.revokedAt)}`
                    ) : (
                      <ConfirmButton
                        confirm={`Yes, revoke ${t.name}`}
                        question="Integrations using it stop working at once."
                        disabled={revoke.pending}
                        onConfirm={async () => {
                          try {
                            await revoke.run({ id: t.id });
                            setRevokeErrors([]);
                            setCreated(null);
                            setDone(`The token ${t.name} was revoked.`);
                            list.reload();
                          } catch (error) {
                            setRevokeErrors(messagesOf(error));
                          }
                        }}
                      >
                        Revoke
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function CreateTokenForm({ onCreated }: { onCreated(name: string, token: string): void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['identities:read']);
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>({ fields: {}, form: [] });
  const create = useMutation(CreateToken);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const { createApiToken } = await create.run({ data: { name, scopes } });
      if (!createApiToken) throw new Error('The service created no token.');
      setErrors({ fields: {}, form: [] });
      setName('');
      onCreated(createApiToken.apiToken.name, createApiToken.token);
    } catch (error) {
      setErrors(formErrors(error, FIELDS));
    }
  };

  return (
    <section className="panel" aria-labelledby="new-token-title">
      <h2 id="new-token-title">New token</h2>
      <form onSubmit={submit} noValidate>
        <TextField
          label="Name"
          value={name}
          onValue={setName}
          error={errors.fields.name}
          hint="Who uses it, e.g. “CRM sync”."
          autoComplete="off"
        />
        <CheckboxGroup
          legend="Scopes"
          options={SCOPES}
          values={scopes}
          onValues={setScopes}
          error={errors.fields.scopes}
        />
        <FormErrorsView messages={errors.form} />
        <button type="submit" className="primary" disabled={create.pending}>
          Create token
        </button>
      </form>
    </section>
  );
}

/** The new token, once: the panel takes the focus so a keyboard user lands on it. */
function CreatedToken({ name, token, onDone }: { name: string; token: string; onDone(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="panel created-token" role="region" aria-labelledby="created-token-title" tabIndex={-1} ref={ref}>
      <h2 id="created-token-title">Token “{name}” created</h2>
      <p>
        <strong>Copy it now: it is not shown again.</strong> Only its hash is kept; if it is lost, revoke it and create
        another.
      </p>
      <div className="token-row">
        <label htmlFor="new-token-value" className="visually-hidden">
          The new token
        </label>
        <input id="new-token-value" className="mono" readOnly value={token} onFocus={(e) => e.target.select()} />
        <CopyButton text={token} label="Copy token" />
      </div>
      <button type="button" onClick={onDone}>
        Done, I have copied it
      </button>
    </div>
  );
}
