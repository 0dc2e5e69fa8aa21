// The DataSource the TypeORM CLI uses: `npx typeorm -d dist/ormconfig.js migration:show`.
import { loadConfig } from './src/config/app-config';
import { createDataSource } from './src/database/data-source';

export default createDataSource(loadConfig());
