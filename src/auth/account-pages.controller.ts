import { Controller, Get, Header } from '@nestjs/common';
import { ACCOUNT_CSS, ACCOUNT_JS, RESET_PASSWORD_HTML, VERIFY_EMAIL_HTML } from './account-pages';
import { Public } from './decorators';

const HTML = 'text/html; charset=utf-8';

/**
 * `/account/reset-password` and `/account/verify-email` (SPEC §7), with their stylesheet and script.
 * Static: the token stays in the browser, which sends it to the GraphQL API. Their CSP allows only
 * themselves (registered by path in common/security-headers.ts).
 */
@Controller('account')
@Public()
export class AccountPagesController {
  @Get('reset-password')
  @Header('Content-Type', HTML)
  @Header('Cache-Control', 'no-store')
  resetPassword(): string {
    return RESET_PASSWORD_HTML;
  }

  @Get('verify-email')
  @Header('Content-Type', HTML)
  @Header('Cache-Control', 'no-store')
  verifyEmail(): string {
    return VERIFY_EMAIL_HTML;
  }

  @Get('account.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return ACCOUNT_JS;
  }

  @Get('account.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  stylesheet(): string {
    return ACCOUNT_CSS;
  }
}
