import { Writable } from 'node:stream';
import { createLogger } from '../common/logger';
import { smtpSecrets } from './mail-sender';

describe('SMTP credentials', () => {
  it('are known to the error redaction, raw and decoded', () => {
    expect(smtpSecrets('smtp://mailer:p%40ss%20w0rd@mail.example.com:587').sort()).toEqual(
      ['mailer', 'p%40ss%20w0rd', 'p@ss w0rd'].sort(),
    );
    expect(smtpSecrets('smtp://mail.example.com')).toEqual([]);
    expect(smtpSecrets(undefined)).toEqual([]);
  });

  it('are redacted by the logger wherever the SMTP URL is logged as a field', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger('info', sink);
    const url = 'smtp://mailer:hunter2@mail.example.com';
    logger.info({ smtpUrl: url }, 'a');
    logger.info({ mail: { smtpUrl: url } }, 'b');
    logger.info({ config: { mail: { smtpUrl: url } } }, 'c');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain('hunter2');
      expect(line).toContain('[REDACTED]');
    }
  });
});
