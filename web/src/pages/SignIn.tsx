import { useState, type FormEvent } from 'react';
import { formErrors, type FormErrors } from '../api/errors';
import { useSession } from '../session';
import { FormErrorsView, TextField } from '../ui/forms';

const FIELDS = ['email', 'password'] as const;

export function SignInPage({ message }: { message?: string }) {
  const { signIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>({ fields: {}, form: [] });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setErrors({ fields: {}, form: [] });
    try {
      await signIn(email, password);
    } catch (error) {
      setErrors(formErrors(error, FIELDS));
      setPending(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <form onSubmit={submit} noValidate aria-labelledby="sign-in-title">
        <p className="brand">Identity Hub</p>
        <h1 id="sign-in-title">Sign in to the console</h1>
        {message && errors.form.length === 0 && (
          <p className="notice info" role="status">
            {message}
          </p>
        )}
        <TextField
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onValue={setEmail}
          error={errors.fields.email}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
          error={errors.fields.password}
        />
        <FormErrorsView messages={errors.form} />
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">
          For staff whose role grants a permission. The session is kept in this tab only and ends when it closes.
        </p>
      </form>
    </main>
  );
}
