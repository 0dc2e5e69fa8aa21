/**
 * The account pages the service serves itself (SPEC §7), so a link from a mail works without any
 * storefront: `/account/reset-password` (ask for a link; choose a new password with one) and
 * `/account/verify-email`. Static HTML, one stylesheet and one script, all from the service: no inline
 * script or style, no external asset, so their Content-Security-Policy allows only 'self'
 * (common/security-headers.ts). The script calls the public GraphQL API (the Keystone mutations) on the
 * same origin; nothing of the request is written into the pages. Asset and API URLs are relative, so
 * the pages also work under a PUBLIC_URL with a path (behind a proxy that strips it).
 *
 * Without JavaScript the forms stay hidden and the page says that it needs JavaScript: a form that
 * submitted itself natively would put the password in a URL.
 */

/** The paths, relative to the service root. */
export const ACCOUNT_PAGES_PREFIX = '/account/';

function page(title: string, pageId: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="account.css">
<script src="account.js" defer></script>
</head>
<body data-page="${pageId}">
<main>
<h1>${title}</h1>
<noscript><p class="message error">This page needs JavaScript. Turn it on for this site and load the page again.</p></noscript>
<p id="message" class="message" role="status" aria-live="polite" tabindex="-1" hidden></p>
${body}
</main>
</body>
</html>
`;
}

export const RESET_PASSWORD_HTML = page(
  'Reset your password',
  'reset-password',
  `<form id="request-form" novalidate hidden>
<p>Enter the email address of your account. If it has an account, a link to choose a new password is mailed to it.</p>
<label for="request-email">Email address</label>
<input id="request-email" name="email" type="email" autocomplete="email" required>
<button type="submit">Mail me a reset link</button>
</form>
<form id="reset-form" novalidate hidden>
<p>Choose a new password for <strong id="reset-email"></strong>.</p>
<label for="new-password">New password</label>
<input id="new-password" name="password" type="password" autocomplete="new-password" required aria-describedby="password-help">
<p id="password-help" class="help">At least 10 characters. Common passwords are refused.</p>
<label for="confirm-password">New password again</label>
<input id="confirm-password" name="confirm" type="password" autocomplete="new-password" required>
<button type="submit">Set the new password</button>
</form>`,
);

export const VERIFY_EMAIL_HTML = page(
  'Confirm your email address',
  'verify-email',
  `<form id="verify-form" novalidate hidden>
<p>Confirm that the address this link was mailed to is yours.</p>
<button type="submit">Confirm my email address</button>
</form>`,
);

export const ACCOUNT_CSS = `:root { color-scheme: light dark; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 1rem; line-height: 1.5; margin: 0; padding: 1.5rem; }
main { max-width: 28rem; margin: 2rem auto; }
h1 { font-size: 1.5rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input { display: block; box-sizing: border-box; width: 100%; font: inherit; padding: 0.5rem; margin-top: 0.25rem; border: 1px solid #767676; border-radius: 4px; }
button { font: inherit; margin-top: 1.25rem; padding: 0.6rem 1.2rem; border: 0; border-radius: 4px; background: #1a56db; color: #fff; cursor: pointer; }
button:disabled { background: #767676; cursor: wait; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.help { font-size: 0.9rem; margin: 0.25rem 0 0; }
.message { padding: 0.75rem 1rem; border-radius: 4px; border: 1px solid; }
.message.error { border-color: #b91c1c; color: #b91c1c; }
.message.success { border-color: #15803d; color: #15803d; }
[hidden] { display: none !important; }
`;

/**
 * The pages' script (plain ES2017, no build step). It takes the token out of the address bar at once
 * (history, bookmarks, screenshots), asks the API, and says what happened in the status region.
 */
export const ACCOUNT_JS = `'use strict';
(function () {
  var GRAPHQL = new URL('../graphql', window.location.href).href;
  var params = new URLSearchParams(window.location.search);
  if (window.location.search) window.history.replaceState(null, '', window.location.pathname);
  var message = document.getElementById('message');

  function say(text, kind) {
    message.textContent = text;
    message.className = 'message ' + kind;
    message.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    message.hidden = false;
    message.focus();
  }

  function show(id) {
    var form = document.getElementById(id);
    form.hidden = false;
    return form;
  }

  function gql(query, variables) {
    return fetch(GRAPHQL, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: query, variables: variables })
    }).then(function (response) {
      return response.json().catch(function () {
        return { errors: [{ message: 'The service answered with an error (HTTP ' + response.status + '). Try again later.' }] };
      });
    }, function () {
      return { errors: [{ message: 'The service could not be reached. Check your connection and try again.' }] };
    });
  }

  function firstError(result) {
    return result.errors && result.errors.length ? result.errors[0].message : null;
  }

  function busy(form, on) {
    var button = form.querySelector('button');
    button.disabled = on;
    form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  function resetPassword() {
    var email = params.get('email') || '';
    var token = params.get('token') || '';
    var requestForm = document.getElementById('request-form');
    var requestEmail = document.getElementById('request-email');

    function offerRequest(prefill) {
      requestEmail.value = prefill || requestEmail.value;
      show('request-form');
    }

    requestForm.addEventListener('submit', function (event) {
      event.preventDefault();
      var address = requestEmail.value.trim();
      if (!address) {
        requestEmail.setAttribute('aria-invalid', 'true');
        say('Enter your email address.', 'error');
        return;
      }
      requestEmail.removeAttribute('aria-invalid');
      busy(requestForm, true);
      gql('mutation($email: String!) { sendUserPasswordResetLink(email: $email) }', { email: address }).then(function (result) {
        busy(requestForm, false);
        var error = firstError(result);
        if (error) return say(error, 'error');
        say('If ' + address + ' has an account, a link to choose a new password is on its way. Check your inbox (and spam folder).', 'success');
      });
    });

    if (!email || !token) {
      offerRequest(email);
      return;
    }
    var resetForm = document.getElementById('reset-form');
    var password = document.getElementById('new-password');
    var confirm = document.getElementById('confirm-password');
    document.getElementById('reset-email').textContent = email;

    gql('query($email: String!, $token: String!) { validateUserPasswordResetToken(email: $email, token: $token) { code message } }', { email: email, token: token }).then(function (result) {
      var error = firstError(result);
      var refused = result.data && result.data.validateUserPasswordResetToken;
      if (error || refused) {
        say((error || refused.message) + ' Ask for a new link below.', 'error');
        offerRequest(email);
        return;
      }
      show('reset-form');
      password.focus();
    });

    resetForm.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!password.value) {
        password.setAttribute('aria-invalid', 'true');
        return say('Enter a new password.', 'error');
      }
      if (password.value !== confirm.value) {
        confirm.setAttribute('aria-invalid', 'true');
        return say('The two passwords do not match.', 'error');
      }
      password.removeAttribute('aria-invalid');
      confirm.removeAttribute('aria-invalid');
      busy(resetForm, true);
      gql('mutation($email: String!, $token: String!, $password: String!) { redeemUserPasswordResetToken(email: $email, token: $token, password: $password) { code message } }', { email: email, token: token, password: password.value }).then(function (result) {
        busy(resetForm, false);
        var error = firstError(result);
        if (error) {
          password.setAttribute('aria-invalid', 'true');
          return say(error, 'error');
        }
        var refused = result.data && result.data.redeemUserPasswordResetToken;
        if (refused) {
          resetForm.hidden = true;
          say(refused.message + ' Ask for a new link below.', 'error');
          return offerRequest(email);
        }
        resetForm.hidden = true;
        say('Your password has been changed. You can now sign in with it.', 'success');
      });
    });
  }

  function verifyEmail() {
    var token = params.get('token') || '';
    if (!token) return say('This page needs the link from your verification mail. Open the link in the mail again.', 'error');
    var form = show('verify-form');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      busy(form, true);
      gql('mutation($token: String!) { verifyUserEmail(token: $token) { email } }', { token: token }).then(function (result) {
        busy(form, false);
        var error = firstError(result);
        if (error) return say(error + '. Ask for a new verification mail from your account.', 'error');
        form.hidden = true;
        say('Thank you: ' + result.data.verifyUserEmail.email + ' is confirmed.', 'success');
      });
    });
  }

  var pageId = document.body.getAttribute('data-page');
  if (pageId === 'reset-password') resetPassword();
  if (pageId === 'verify-email') verifyEmail();
})();
`;
