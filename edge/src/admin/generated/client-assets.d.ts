// Types of the module edge/src/admin/client/build.mjs generates beside this file.
/** The admin page's browser bundle (minified IIFE). */
export declare const ADMIN_JS: string;
/** The admin page's stylesheet (its own rules and Chart.js-free layout). */
export declare const ADMIN_CSS: string;
