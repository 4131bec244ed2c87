export * from './stack.js';
export * from './process.js';
export * from './upstash-bridge.js';
export * from './messaging-api.js';
