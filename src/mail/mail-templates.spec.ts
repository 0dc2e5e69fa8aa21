import { emailChangedMail, emailVerificationMail, escapeHtml, maskEmail, passwordResetMail } from './mail-templates';

describe('mail templates', () => {
  const link = 'https://id.example.com/account/reset-password?email=a%40b.co&token=abc_-123';

  it('put the link in both parts, escaped in the HTML one', () => {
    const mail = passwordResetMail({ link, expiresInMinutes: 60 });
    expect(mail).toMatchObject({ template: 'password-reset', subject: 'Reset your password' });
    expect(mail.text).toContain(`open this link within 60 minutes:\n\n${link}\n`);
    expect(mail.html).toContain(
      `<a href="${link.replace('&', '&amp;')}" style="color:#1a56db">Choose a new password</a>`,
    );
    expect(mail.html).not.toContain('&token');
    expect(mail.html).toContain('<html lang="en">');
  });

  it('say the lifetime in words', () => {
    expect(passwordResetMail({ link, expiresInMinutes: 1 }).text).toContain('within 1 minute:');
    const verify = emailVerificationMail({
      link: 'https://id.example.com/account/verify-email?token=t',
      expiresInHours: 48,
    });
    expect(verify).toMatchObject({ template: 'email-verification', subject: 'Confirm your email address' });
    expect(verify.text).toContain('within 48 hours:\n\nhttps://id.example.com/account/verify-email?token=t');
  });

  it('refuse a link that is not an absolute http(s) URL (no javascript: in an href)', () => {
    for (const bad of ['javascript:alert(1)', '/account/verify-email?token=t', 'https://x.example/a b', '']) {
      expect(() => emailVerificationMail({ link: bad, expiresInHours: 1 })).toThrow(
        'A mail link must be an absolute http(s) URL',
      );
    }
  });

  it('escape every value in the HTML part', () => {
    const mail = emailChangedMail({ newEmail: '<b>"x"</b>@example.com' });
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('&lt;***@example.com');
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('tell the old address of an email change, masking the new one', () => {
    const mail = emailChangedMail({ newEmail: 'new.owner@example.com' });
    expect(mail).toMatchObject({ template: 'email-changed', subject: 'Your email address was changed' });
    expect(mail.text).toContain('changed to n***@example.com.');
    expect(mail.text).not.toContain('new.owner');
    expect(mail.html).toContain('n***@example.com');
    expect(maskEmail('x')).toBe('***');
  });
});
