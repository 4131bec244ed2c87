/**
 * The k-th largest of a[0..n) (k is 1-based; a is reordered): quickselect with a median-of-three
 * pivot, expected O(n). Used where a full sort only served to find a cut-off score.
 */
export function kthLargest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1; // its index in descending order
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x > y ? (y > z ? y : x > z ? z : x) : x > z ? x : y > z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] ≥ pivot ≥ a[i..hi], and anything between j and i equals the pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return pivot;
  }
  return a[target]!;
}

/**
 * Sorts rows[0..n) best score first, ties by smaller row (rows must hold distinct rows): what
 * `rows.sort((a, b) => scores[b] - scores[a] || a - b)` gives, as a bottom-up merge sort through
 * `tmp` (length ≥ n). A typed-array sort with a comparator copies the rows and calls back per
 * comparison; this allocates nothing.
 */
export function sortRowsByScore(rows: Int32Array, n: number, scores: Float64Array, tmp: Int32Array): void {
  let src = rows;
  let dst = tmp;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const a = src[i]!;
        const b = src[j]!;
        // a first unless b is strictly ahead (higher score, or an equal/unordered score and a smaller row).
        const sa = scores[a]!;
        const sb = scores[b]!;
        if (sb > sa || (!(sb < sa) && b < a)) {
          dst[k++] = b;
          j++;
        } else {
          dst[k++] = a;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== rows) rows.set(src.subarray(0, n));
}
