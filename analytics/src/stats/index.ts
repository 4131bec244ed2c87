export * from './distributions.js';
export * from './descriptive.js';
export * from './tests.js';
export * from './sequential.js';
export * from './sample-size.js';
export * from './random.js';
export * from './thompson.js';
export * from './experiment.js';
