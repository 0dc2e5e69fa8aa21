import 'reflect-metadata';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config/app-config';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  app
    .getHttpAdapter()
    .getInstance()
    .log.info({ port: config.port, database: config.database.engine }, 'Identity Hub is listening');
}

main().catch((error: unknown) => {
  console.error('Identity Hub failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
