import { MigrationInterface, QueryRunner } from 'typeorm';
import { renormaliseReport, renormaliseEmails } from '../../email-renormalise';

/** Stored emails to their NFKC form, as every lookup now normalises (see email-renormalise.ts). */
export class NormaliseEmailsNfkc1795973935489 implements MigrationInterface {
  name = 'NormaliseEmailsNfkc1795973935489';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const result = await renormaliseEmails(
      queryRunner,
      () => '?',
      (column) => `length(CAST(${column} AS BLOB)) <> length(${column})`,
    );
    const report = renormaliseReport(result);
    if (report) console.warn(report);
  }

  public async down(): Promise<void> {
    // The earlier forms are not kept: nothing to undo (the old code reads normalised values as well).
  }
}
