import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { MAX_OPERATION_NAMES, MetricsService } from './metrics.service';
import { RedisService } from './redis.module';

const make = (env: Record<string, string> = {}) =>
  new MetricsService(
    loadConfig(env),
    { options: { type: 'better-sqlite3' } } as unknown as DataSource,
    { client: null } as unknown as RedisService,
  );

async function operations(metrics: MetricsService): Promise<string[]> {
  const metric = await metrics.registry.getSingleMetric('identity_hub_graphql_operations_total')!.get();
  return metric.values.map((v) => String(v.labels.operation));
}

describe('MetricsService', () => {
  it('keeps GraphQL operation names bounded: the first 200 valid names, then "other"', async () => {
    const metrics = make();
    for (let i = 0; i < MAX_OPERATION_NAMES + 50; i++) metrics.graphqlOperation(`Op${i}`, 'query', 'ok');
    metrics.graphqlOperation('Op0', 'query', 'ok'); // a known name keeps its label
    metrics.graphqlOperation('x'.repeat(101), 'query', 'ok');
    const names = await operations(metrics);
    expect(names).toHaveLength(MAX_OPERATION_NAMES + 1);
    expect(names).toContain('Op0');
    expect(names).toContain('other');
    expect(names).not.toContain(`Op${MAX_OPERATION_NAMES}`);
  });

  it('labels odd methods OTHER and unmatched routes "unmatched"', async () => {
    const metrics = make();
    metrics.observeHttp('PROPFIND', undefined, 404, 0.001);
    const metric = await metrics.registry.getSingleMetric('identity_hub_http_request_duration_seconds')!.get();
    const values = metric.values as { metricName?: string; labels: Record<string, unknown> }[];
    expect(values.find((v) => v.metricName?.endsWith('_count'))?.labels).toEqual({
      method: 'OTHER',
      route: 'unmatched',
      status: '404',
    });
  });

  it('compares the METRICS_TOKEN as a bearer token', () => {
    const metrics = make({ METRICS_TOKEN: 'a-metrics-token-of-some-length' });
    expect(metrics.authorized('Bearer a-metrics-token-of-some-length')).toBe(true);
    expect(metrics.authorized('bearer   a-metrics-token-of-some-length ')).toBe(true);
    expect(metrics.authorized('Bearer a-metrics-token-of-some-lengt')).toBe(false);
    expect(metrics.authorized('a-metrics-token-of-some-length')).toBe(false);
    expect(metrics.authorized(undefined)).toBe(false);
    expect(make().authorized(undefined)).toBe(true);
  });
});
