/**
 * `npm run eval:recs -- --ratings FILE [--min-rating 4] [--test-share 0.2]`: offline evaluation of
 * every recall channel, the full pipeline and a popularity baseline on a MovieLens-format file.
 * Prints a table, then one JSON object (the last line) with all figures.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { evaluateRecommenders } from './evaluate.js';
import { parseRatings } from './ratings.js';

const { values } = parseArgs({
  options: { ratings: { type: 'string' }, 'min-rating': { type: 'string', default: '4' }, 'test-share': { type: 'string', default: '0.2' } },
});
if (!values.ratings) {
  console.error('usage: npm run eval:recs -- --ratings FILE [--min-rating 4] [--test-share 0.2]');
  process.exit(2);
}
const minRating = Number(values['min-rating']);
const testShare = Number(values['test-share']);
if (!Number.isFinite(minRating) || !(testShare > 0 && testShare < 1)) {
  console.error('--min-rating must be a number and --test-share in (0, 1)');
  process.exit(2);
}
const { ratings, errors } = parseRatings(readFileSync(values.ratings, 'utf8'));
if (!ratings.length) {
  console.error(`no ratings parsed from ${values.ratings}`);
  process.exit(1);
}
const t0 = performance.now();
const report = evaluateRecommenders(ratings, { minRating, testShare });
const pad = (s: string, n: number) => s.padEnd(n);
console.log(`ratings ${report.ratings} (${errors} unparsable lines), users ${report.users}, items ${report.items}, train ${report.train}, test ${report.test}`);
console.log(`ranking model: ${report.model.rows} rows, held-out AUC ${report.model.auc}`);
console.log(`${pad('recommender', 22)} P@10    R@10    NDCG@10 MAP@10  coverage`);
for (const [name, f] of Object.entries(report.results)) {
  console.log(`${pad(name, 22)} ${[f.precision_at_10, f.recall_at_10, f.ndcg_at_10, f.map_at_10, f.coverage].map((x) => x.toFixed(4)).join('  ')}`);
}
console.log(`evaluated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(JSON.stringify(report));
