import { Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow } from '../auth/decorators';
import { Scope } from '../auth/permissions';
import { AppError } from '../common/app-error';
import { PrivacyService, pathEmail } from './privacy.service';

/**
 * Nosto's customer REST paths (SPEC §10), with Nosto's `Authorization: Basic :token` (an API token).
 * Nosto answers redact and takeout asynchronously; Identity Hub does the work at once and answers 200
 * with the erasure receipt or the takeout document.
 */
@ApiTags('Nosto customers')
@Controller('v1/customers')
export class NostoCustomersController {
  constructor(private readonly privacy: PrivacyService) {}

  @Delete('redact/:email')
  @HttpCode(200)
  @Allow(Scope.Gdpr)
  @ApiOperation({ summary: 'Erase everything stored about the person with this email (gdpr scope): the receipt' })
  redact(@Actor() actor: ActorType, @Param('email') email: string) {
    return this.privacy.erase(actor, { email: pathEmail(email) }, false);
  }

  @Post('takeout/:email')
  @HttpCode(200)
  @Allow(Scope.Gdpr)
  @ApiOperation({ summary: 'Everything stored about the person with this email, as one JSON document (gdpr scope)' })
  takeout(@Actor() actor: ActorType, @Param('email') email: string) {
    return this.privacy.export(actor, { email: pathEmail(email) });
  }

  @Post('consent/:email/:optin')
  @HttpCode(200)
  @Allow(Scope.IdentitiesWrite)
  @ApiOperation({
    summary: "Marketing consent: sets the profile's email_optin (identities:write), creating the profile when unknown",
  })
  async consent(@Param('email') email: string, @Param('optin') optin: string) {
    if (optin !== 'true' && optin !== 'false') {
      throw AppError.badInput('The consent must be true or false (/v1/customers/consent/{email}/true|false)', {
        field: 'optin',
      });
    }
    return this.privacy.consent(pathEmail(email), optin === 'true');
  }
}
