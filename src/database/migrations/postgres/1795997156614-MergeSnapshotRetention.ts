import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * #16: `ix_identity_merges_snapshot_kept` (created_at) of the merges whose snapshot is kept, for the
 * retention job that empties the snapshots older than UNMERGE_DAYS.
 */
export class MergeSnapshotRetention1795997156614 implements MigrationInterface {
  name = 'MergeSnapshotRetention1795997156614';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "ix_identity_merges_snapshot_kept" ON "identity_merges"  ("created_at") WHERE snapshot <> \'{}\'',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_identity_merges_snapshot_kept"');
  }
}
