#!/usr/bin/env tsx
import { AnalyticsEnv, parseEnv } from '@vidplat/contracts';
import { migrate } from '../migrate.js';

const env = parseEnv(AnalyticsEnv, process.env);
const applied = await migrate({ url: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema up to date');
