export * from './stack.js';
export * from './process.js';
export * from './upstash-bridge.js';
