/**
 * What the commands use from the application, loaded only when a command runs (`commands.ts` imports
 * this lazily): listing the commands or refusing a command line then takes no NestJS, TypeORM or
 * GraphQL loading (seconds).
 */
export { DataSource } from 'typeorm';
export { ApiTokenService } from '../auth/api-token.service';
export { AuthService } from '../auth/auth.service';
export { AppError } from '../common/app-error';
export { parseEmail } from '../common/normalise';
export { APP_CONFIG } from '../config/app-config';
export { IdentityProfileEntity } from '../identity/identity.entity';
export { IdentityExportService } from '../identity/partner-api/identity-export.service';
export { IdentityImportService } from '../identity/partner-api/identity-import.service';
export { IMPORT_FORMATS } from '../identity/partner-api/import-format';
export { AdminBootstrapService } from '../user/admin-bootstrap.service';
export { OperatorService } from '../user/operator.service';
export { readPassword } from './password';
export { Progress } from './progress';
