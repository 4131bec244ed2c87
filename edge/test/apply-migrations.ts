import { applyD1Migrations, env } from 'cloudflare:test';

// Every test file starts from a migrated catalogue; applyD1Migrations skips what is applied.
await applyD1Migrations(env.CATALOGUE, env.TEST_MIGRATIONS);
