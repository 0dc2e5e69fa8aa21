import { useEffect, useRef, useState, type FormEvent } from 'react';
import { formErrors, messagesOf, type FormErrors } from '../api/errors';
import { useMutation, useQuery } from '../api/hooks';
import { graphql } from '../gql';
import { CheckboxGroup, FormErrorsView, SelectField, TextField } from '../ui/forms';
import { ConfirmButton, CopyButton, ErrorView, formatDate, Loading, PageTitle, Status } from '../ui/widgets';

const Endpoints = graphql(`
  query ConsoleWebhookEndpoints {
    webhookEndpoints {
      id
      url
      description
      events
      enabled
      disabledReason
      createdAt
    }
    failed: webhookDeliveries(where: { status: "failed" }, take: 500) {
      id
      endpointId
    }
  }
`);

const Deliveries = graphql(`
  query ConsoleWebhookDeliveries($where: WebhookDeliveryWhereInput) {
    webhookDeliveries(where: $where, take: 50) {
      id
      endpointId
      eventId
      eventType
      status
      attempts
      lastAttemptAt
      lastError
      nextAttemptAt
      sentAt
      createdAt
    }
  }
`);

const CreateEndpoint = graphql(`
  mutation ConsoleCreateWebhookEndpoint($data: WebhookEndpointCreateInput!) {
    createWebhookEndpoint(data: $data) {
      secret
      endpoint {
        id
        url
      }
    }
  }
`);

const UpdateEndpoint = graphql(`
  mutation ConsoleUpdateWebhookEndpoint($id: ID!, $data: WebhookEndpointUpdateInput!) {
    updateWebhookEndpoint(id: $id, data: $data) {
      id
      enabled
    }
  }
`);

const RotateSecret = graphql(`
  mutation ConsoleRotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      endpoint {
        id
        url
      }
    }
  }
`);

const DeleteEndpoint = graphql(`
  mutation ConsoleDeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id) {
      id
    }
  }
`);

const SendTest = graphql(`
  mutation ConsoleSendTestWebhook($id: ID!) {
    sendTestWebhook(id: $id) {
      id
      eventType
    }
  }
`);

const RetryDelivery = graphql(`
  mutation ConsoleRetryWebhookDelivery($id: ID!) {
    retryWebhookDelivery(id: $id) {
      id
      status
    }
  }
`);

/** The event types an endpoint can subscribe to, as the service lists them (the same permission). */
const EventTypes = graphql(`
  query ConsoleWebhookEventTypes {
    webhookEventTypes
  }
`);

const FIELDS = ['url', 'events', 'description'] as const;
const STATUSES = [
  { value: '', label: 'Any' },
  { value: 'pending', label: 'Pending' },
  { value: 'sending', label: 'Sending' },
  { value: 'sent', label: 'Sent' },
  { value: 'failed', label: 'Failed' },
];

export function WebhooksPage() {
  const list = useQuery(Endpoints, {});
  const [secret, setSecret] = useState<{ title: string; secret: string } | null>(null);
  const [done, setDone] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [logFor, setLogFor] = useState('');
  const [logStatus, setLogStatus] = useState('');
  const log = useQuery(Deliveries, {
    where: { ...(logFor ? { endpointId: logFor } : {}), ...(logStatus ? { status: logStatus } : {}) },
  });
  const update = useMutation(UpdateEndpoint);
  const rotate = useMutation(RotateSecret);
  const remove = useMutation(DeleteEndpoint);
  const test = useMutation(SendTest);
  const retry = useMutation(RetryDelivery);
  const endpoints = list.data?.webhookEndpoints ?? [];
  const urlOf = (id: string) => endpoints.find((e) => e.id === id)?.url ?? id;
  const failures = (id: string) => (list.data?.failed ?? []).filter((d) => d.endpointId === id).length;

  /** runs an action of a row: its outcome above the list, the lists asked again */
  const act = async (what: () => Promise<string | void>) => {
    try {
      const said = await what();
      setErrors([]);
      if (said) setDone(said);
      list.reload();
      log.reload();
    } catch (error) {
      setDone('');
      setErrors(messagesOf(error));
    }
  };

  return (
    <>
      <PageTitle>Webhooks</PageTitle>
      <p className="lead">
        Endpoints receive signed Standard Webhooks (<code>webhook-id</code>, <code>webhook-timestamp</code>,{' '}
        <code>webhook-signature</code>) for the events they subscribe to. A failed delivery is retried with backoff; an
        answer of 410 Gone disables the endpoint.
      </p>
      {secret && <ShownSecret {...secret} onDone={() => setSecret(null)} />}
      {done && <Status>{done}</Status>}
      <FormErrorsView messages={errors} />
      <div className="columns">
        <section className="panel" aria-labelledby="endpoints-title">
          <h2 id="endpoints-title">Endpoints</h2>
          {list.error ? <ErrorView error={list.error} title="The endpoints could not be loaded." /> : null}
          {!list.data ? (
            !list.error && <Loading what="Loading the endpoints" />
          ) : endpoints.length === 0 ? (
            <p>No endpoint yet.</p>
          ) : (
            <ul className="endpoints" aria-label="Webhook endpoints">
              {endpoints.map((e) => (
                <li key={e.id} aria-label={e.url}>
                  <p className="endpoint-url mono">{e.url}</p>
                  {e.description && <p>{e.description}</p>}
                  <p className="hint">
                    {e.enabled ? (
                      <span className="badge">Enabled</span>
                    ) : (
                      <span className="badge off">Disabled{e.disabledReason ? `: ${e.disabledReason}` : ''}</span>
                    )}{' '}
                    {failures(e.id)} failed {failures(e.id) === 1 ? 'delivery' : 'deliveries'} · created{' '}
                    {formatDate(e.createdAt)}
                  </p>
                  <p className="hint">Events: {e.events.join(', ')}</p>
                  <div className="actions">
                    <button
                      type="button"
                      disabled={test.pending}
                      onClick={() =>
                        act(async () => {
                          await test.run({ id: e.id });
                          setLogFor(e.id);
                          return `A webhook.test event is queued for ${e.url}.`;
                        })
                      }
                    >
                      Send test event
                    </button>
                    <button
                      type="button"
                      disabled={update.pending}
                      onClick={() =>
                        act(async () => {
                          await update.run({ id: e.id, data: { enabled: !e.enabled } });
                          return `${e.url} is ${e.enabled ? 'disabled' : 'enabled'}.`;
                        })
                      }
                    >
                      {e.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <ConfirmButton
                      confirm="Yes, rotate"
                      question="The old secret stops at once."
                      disabled={rotate.pending}
                      onConfirm={() =>
                        act(async () => {
                          const { rotateWebhookSecret } = await rotate.run({ id: e.id });
                          setSecret({ title: `New secret for ${e.url}`, secret: rotateWebhookSecret.secret });
                        })
                      }
                    >
                      Rotate secret
                    </ConfirmButton>
                    <ConfirmButton
                      confirm={`Yes, delete ${e.url}`}
                      question="Its queued deliveries fail."
                      disabled={remove.pending}
                      onConfirm={() =>
                        act(async () => {
                          await remove.run({ id: e.id });
                          if (logFor === e.id) setLogFor('');
                          return `The endpoint ${e.url} was deleted.`;
                        })
                      }
                    >
                      Delete
                    </ConfirmButton>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
        <CreateEndpointForm
          onCreated={(url, created) => {
            setDone('');
            setErrors([]);
            setSecret({ title: `Endpoint ${url} created`, secret: created });
            list.reload();
          }}
        />
      </div>

      <section className="panel" aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">Delivery log</h2>
        <div className="filters">
          <SelectField
            label="Endpoint"
            value={logFor}
            onValue={setLogFor}
            options={[{ value: '', label: 'Every endpoint' }, ...endpoints.map((e) => ({ value: e.id, label: e.url }))]}
          />
          <SelectField label="Status" value={logStatus} onValue={setLogStatus} options={STATUSES} />
          <button type="button" onClick={() => log.reload()}>
            Refresh
          </button>
        </div>
        {log.error ? <ErrorView error={log.error} title="The deliveries could not be loaded." /> : null}
        {!log.data ? (
          !log.error && <Loading what="Loading the deliveries" />
        ) : (
          <div className="table-wrap" aria-busy={log.loading}>
            <table className="cards">
              <caption className="visually-hidden">Webhook deliveries, newest first (the last 50)</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Next retry</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {log.data.webhookDeliveries.length === 0 ? (
                  <tr>
                    <td colSpan={7}>No delivery yet.</td>
                  </tr>
                ) : (
                  log.data.webhookDeliveries.map((d) => (
                    <tr key={d.id}>
                      <td data-label="Event">
                        <code>{d.eventType}</code>
                        <span className="hint mono"> {d.eventId}</span>
                      </td>
                      <td data-label="Endpoint" className="mono">
                        {urlOf(d.endpointId)}
                      </td>
                      <td data-label="Status">
                        {d.status}
                        {d.lastError && <span className="hint"> ({d.lastError})</span>}
                      </td>
                      <td data-label="Attempts">{d.attempts}</td>
                      <td data-label="Last attempt">{formatDate(d.sentAt ?? d.lastAttemptAt)}</td>
                      <td data-label="Next retry">{d.status === 'pending' ? formatDate(d.nextAttemptAt) : '—'}</td>
                      <td data-label="Action">
                        {d.status === 'sent' || d.status === 'failed' ? (
                          <button
                            type="button"
                            disabled={retry.pending}
                            onClick={() =>
                              act(async () => {
                                await retry.run({ id: d.id });
                                return `The ${d.eventType} delivery is due again.`;
                              })
                            }
                          >
                            Retry
                          </button>
                        ) : (
                          '—'
                        )}
                      </td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function CreateEndpointForm({ onCreated }: { onCreated(url: string, secret: string): void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>({ fields: {}, form: [] });
  const create = useMutation(CreateEndpoint);
  const types = useQuery(EventTypes, {});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const { createWebhookEndpoint } = await create.run({
        data: { url, events, description: description.trim() || undefined },
      });
      setErrors({ fields: {}, form: [] });
      setUrl('');
      setDescription('');
      setEvents([]);
      onCreated(createWebhookEndpoint.endpoint.url, createWebhookEndpoint.secret);
    } catch (error) {
      setErrors(formErrors(error, FIELDS));
    }
  };

  return (
    <section className="panel" aria-labelledby="new-endpoint-title">
      <h2 id="new-endpoint-title">New endpoint</h2>
      <form onSubmit={submit} noValidate>
        <TextField
          label="URL"
          type="url"
          value={url}
          onValue={setUrl}
          error={errors.fields.url}
          hint="https; http and private addresses only when the service allows them (WEBHOOK_ALLOW_PRIVATE)."
          autoComplete="off"
        />
        <TextField
          label="Description"
          value={description}
          onValue={setDescription}
          error={errors.fields.description}
          autoComplete="off"
        />
        {types.error ? <ErrorView error={types.error} title="The event types could not be loaded." /> : null}
        {types.data ? (
          <CheckboxGroup
            legend="Event types"
            options={types.data.webhookEventTypes.map((value) => ({ value, label: value }))}
            values={events}
            onValues={setEvents}
            error={errors.fields.events}
          />
        ) : (
          <>
            {!types.error && <Loading what="Loading the event types" />}
            {errors.fields.events && <FormErrorsView messages={[errors.fields.events]} />}
          </>
        )}
        <FormErrorsView messages={errors.form} />
        <button type="submit" className="primary" disabled={create.pending}>
          Create endpoint
        </button>
      </form>
    </section>
  );
}

/** The signing secret, once: the panel takes the focus so a keyboard user lands on it. */
function ShownSecret({ title, secret, onDone }: { title: string; secret: string; onDone(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [secret]);
  return (
    <div className="panel created-token" role="region" aria-labelledby="shown-secret-title" tabIndex={-1} ref={ref}>
      <h2 id="shown-secret-title">{title}</h2>
      <p>
        <strong>Copy the signing secret now: it is not shown again.</strong> The receiver verifies each delivery’s{' '}
        <code>webhook-signature</code> with it; if it is lost, rotate it.
      </p>
      <div className="token-row">
        <label htmlFor="shown-secret-value" className="visually-hidden">
          The signing secret
        </label>
        <input id="shown-secret-value" className="mono" readOnly value={secret} onFocus={(e) => e.target.select()} />
        <CopyButton text={secret} label="Copy secret" />
      </div>
      <button type="button" onClick={onDone}>
        Done, I have copied it
      </button>
    </div>
  );
}
