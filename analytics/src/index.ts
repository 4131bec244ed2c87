export * from './client.js';
export * from './migrate.js';
