import type { publishedSchemas } from '@vidplat/contracts/json-schema';

type SchemaName = keyof typeof publishedSchemas;

/**
 * Bodies of the routes not yet declared with defineRoute, keyed `METHOD path` (Hono form). An
 * entry goes away when its route moves to defineRoute; the document then comes from the route.
 */
export const UNDECLARED_BODIES: Record<string, { request?: SchemaName; response?: SchemaName }> = {};
