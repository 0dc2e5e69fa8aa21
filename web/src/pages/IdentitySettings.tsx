import { useEffect, useState, type FormEvent } from 'react';
import { formErrors, type FormErrors } from '../api/errors';
import { useMutation, useQuery } from '../api/hooks';
import { graphql } from '../gql';
import { CheckboxGroup, FormErrorsView, TextArea } from '../ui/forms';
import { ErrorView, Loading, PageTitle, Status } from '../ui/widgets';

const Settings = graphql(`
  query ConsoleIdentitySettings {
    identitySettings {
      enabledIdentifiers
      customIdentifiers
      blockedValues
    }
  }
`);

const UpdateSettings = graphql(`
  mutation ConsoleUpdateIdentitySettings($data: IdentitySettingsInput!) {
    updateIdentitySettings(data: $data) {
      enabledIdentifiers
      customIdentifiers
      blockedValues
    }
  }
`);

const IDENTIFIERS = [
  { value: 'email', label: 'email' },
  { value: 'phone_number', label: 'phone_number' },
  { value: 'uuid', label: 'uuid' },
];
const FIELDS = ['enabledIdentifiers', 'customIdentifiers', 'blockedValues'] as const;

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export function IdentitySettingsPage() {
  const query = useQuery(Settings, {});
  const update = useMutation(UpdateSettings);
  const saved = query.data?.identitySettings;
  const [enabled, setEnabled] = useState<string[]>([]);
  const [custom, setCustom] = useState('');
  const [blocked, setBlocked] = useState('');
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>({ fields: {}, form: [] });
  const [done, setDone] = useState('');
  const savedKey = JSON.stringify(saved ?? null);
  useEffect(() => {
    if (!saved) return;
    setEnabled(saved.enabledIdentifiers);
    setCustom(saved.customIdentifiers.join('\n'));
    setBlocked(saved.blockedValues.join('\n'));
  }, [savedKey]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone('');
    try {
      await update.run({
        data: { enabledIdentifiers: enabled, customIdentifiers: lines(custom), blockedValues: lines(blocked) },
      });
      setErrors({ fields: {}, form: [] });
      setDone('The identity settings were saved. They apply to the next partner API request.');
      query.reload();
    } catch (error) {
      setErrors(formErrors(error, FIELDS));
    }
  };

  return (
    <>
      <PageTitle>Identity settings</PageTitle>
      <p className="lead">Which identifiers the partner API matches profiles on (Insider's IRM settings).</p>
      {query.error ? <ErrorView error={query.error} title="The settings could not be loaded." /> : null}
      {!saved && !query.error ? (
        <Loading what="Loading the settings" />
      ) : saved ? (
        <section className="panel" aria-label="Identity settings">
          {done && <Status>{done}</Status>}
          <form onSubmit={submit} noValidate>
            <CheckboxGroup
              legend="Enabled identifiers"
              options={IDENTIFIERS}
              values={enabled}
              onValues={setEnabled}
              error={errors.fields.enabledIdentifiers}
              hint="Disabled ones are kept as attributes."
            />
            <TextArea
              label="Custom identifiers"
              value={custom}
              onValue={setCustom}
              rows={4}
              className="mono"
              error={errors.fields.customIdentifiers}
              hint="One name per line, like user_loyalty_id: a lower-case letter, then letters, digits or _ (at most 64)."
            />
            <TextArea
              label="Blocked values"
              value={blocked}
              onValue={setBlocked}
              rows={4}
              className="mono"
              error={errors.fields.blockedValues}
              hint="One per line: values never used as identifiers (e.g. a shared test address)."
            />
            <FormErrorsView messages={errors.form} />
            <button type="submit" className="primary" disabled={update.pending}>
              Save settings
            </button>
          </form>
        </section>
      ) : null}
    </>
  );
}
