/**
 * The mails the service sends, as plain text and HTML. Templates are pure functions of their values;
 * every value is HTML-escaped in the HTML part, and links must be absolute http(s) URLs.
 */
export interface MailContent {
  /** the template's name, kept with the row and shown in log lines */
  template: string;
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `j***@example.com`: enough for the owner to recognise an address, not enough to learn one. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

function checkLink(link: string): string {
  if (!/^https?:\/\/[^\s]+$/i.test(link)) throw new Error('A mail link must be an absolute http(s) URL');
  return link;
}

/** A paragraph is text, or text around one link. */
type Paragraph = string | { before: string; link: string; label: string; after?: string };

function render(template: string, subject: string, paragraphs: Paragraph[]): MailContent {
  const text = paragraphs
    .map((p) => (typeof p === 'string' ? p : `${p.before}\n\n${p.link}${p.after ? `\n\n${p.after}` : ''}`))
    .join('\n\n');
  const body = paragraphs
    .map((p) =>
      typeof p === 'string'
        ? `<p>${escapeHtml(p)}</p>`
        : `<p>${escapeHtml(p.before)}</p>\n<p><a href="${escapeHtml(p.link)}" style="color:#1a56db">${escapeHtml(p.label)}</a></p>` +
          `\n<p style="font-size:13px;color:#555">${escapeHtml('If the button does not work, copy this address into your browser:')}<br>${escapeHtml(p.link)}</p>` +
          (p.after ? `\n<p>${escapeHtml(p.after)}</p>` : ''),
    )
    .join('\n');
  const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:16px;line-height:1.5;color:#111;max-width:560px;margin:0 auto;padding:24px">
${body}
</body>
</html>
`;
  return { template, subject, text: `${text}\n`, html };
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** The link of `sendUserPasswordResetLink` (SPEC §7). */
export function passwordResetMail(values: { link: string; expiresInMinutes: number }): MailContent {
  return render('password-reset', 'Reset your password', [
    'Someone asked to reset the password of the account registered with this email address.',
    {
      before: `To choose a new password, open this link within ${plural(values.expiresInMinutes, 'minute')}:`,
      link: checkLink(values.link),
      label: 'Choose a new password',
      after: 'The link works once. If you did not ask for it, ignore this mail: your password stays as it is.',
    },
  ]);
}

/** The link mailed at registration and at an email change (SPEC §7). */
export function emailVerificationMail(values: { link: string; expiresInHours: number }): MailContent {
  return render('email-verification', 'Confirm your email address', [
    {
      before: `To confirm that this address is yours, open this link within ${plural(values.expiresInHours, 'hour')}:`,
      link: checkLink(values.link),
      label: 'Confirm my email address',
      after: 'If you did not create an account or change its email address, ignore this mail.',
    },
  ]);
}

/** The notice to the old address when an account's email changes (SPEC §7); the new one is masked. */
export function emailChangedMail(values: { newEmail: string }): MailContent {
  return render('email-changed', 'Your email address was changed', [
    `The email address of your account was changed to ${maskEmail(values.newEmail)}. Mails about the account now go to the new address.`,
    'If you did not make this change, contact support at once: someone else may have access to your account.',
  ]);
}
