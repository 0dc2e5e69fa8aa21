import { Injectable } from '@nestjs/common';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { TransactionService } from '../../database/transaction.service';
import { CUSTOM_ATTRIBUTE_PREFIX } from '../identity-codec';
import { ProfileStore, StoredAttribute } from '../profile-store';
import { identifiersToWire, Json, JsonObject } from './partner-input';

/** Profiles per page (one keyset query, then their identifiers and attributes). */
const PAGE = 1000;

/** A profile's attributes as `/upsert` takes them: default ones by name, custom ones under `custom`. */
export function attributesToWire(rows: readonly StoredAttribute[]): JsonObject {
  const out: JsonObject = {};
  const custom: JsonObject = {};
  for (const row of rows) {
    if (row.key.startsWith(CUSTOM_ATTRIBUTE_PREFIX))
      custom[row.key.slice(CUSTOM_ATTRIBUTE_PREFIX.length)] = row.value as Json;
    else out[row.key] = row.value as Json;
  }
  if (Object.keys(custom).length) out.custom = custom;
  return out;
}

/**
 * `identities:export FILE`: every profile as one JSON line, `{"iid", "identifiers", "attributes"}`, in
 * the shape `/upsert` (and so `identities:import`) takes, read in pages of 1,000 by id (keyset paging:
 * each page is one indexed range read, however far in). Pages are read one after another, not in one
 * snapshot: a profile changed during the export is written as one of its pages found it. Events are
 * not exported.
 */
@Injectable()
export class IdentityExportService {
  constructor(
    private readonly tx: TransactionService,
    private readonly store: ProfileStore,
  ) {}

  async run(out: Writable, onProgress?: (profiles: number) => void): Promise<{ profiles: number }> {
    const manager = this.tx.manager;
    let after = '';
    let profiles = 0;
    for (;;) {
      const ids = await this.store.profileIdsAfter(manager, after, PAGE);
      if (!ids.length) break;
      const [identifiers, attributes] = await Promise.all([
        this.store.identifiers(manager, ids),
        this.store.attributes(manager, ids),
      ]);
      const identifiersOf = groupBy(identifiers, (row) => row.profileId);
      const attributesOf = groupBy(attributes, (row) => row.profileId);
      const lines = ids.map((iid) =>
        JSON.stringify({
          iid,
          identifiers: identifiersToWire(identifiersOf.get(iid) ?? []),
          attributes: attributesToWire(attributesOf.get(iid) ?? []),
        }),
      );
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      profiles += ids.length;
      after = ids[ids.length - 1];
      onProgress?.(profiles);
    }
    return { profiles };
  }
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}
