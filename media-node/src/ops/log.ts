// The platform's one logger (shared with stream).
export { log } from '@vidplat/node-runtime/log';
