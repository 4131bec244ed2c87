/** What a capability's demo seeder gets from `npm start`: a running platform and demo tenants. */
export interface DemoTenant {
  tenantId: string;
  name: string;
  template: 'vlog' | 'news' | 'ecommerce' | 'music';
  /** The tenant's super API key (shown in the start banner; local demo only). */
  superKey: string;
}

export interface DemoContext {
  edgeUrl: string;
  env: Record<string, string>;
  tenants: DemoTenant[];
  log: (line: string) => void;
}

/** A seeder adds its capability's demo data through the public APIs (or the stream writers). */
export type DemoSeeder = (ctx: DemoContext) => Promise<void>;
