export { log } from '@vidplat/stream/ops/log';
