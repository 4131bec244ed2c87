export * from './reader.js';
export * from './validate.js';
export * from './dashboards.js';
export * from './experiments.js';
export * from './export.js';
