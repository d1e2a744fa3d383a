/**
 * Content negotiation for compression: which coding a client gets, from its Accept-Encoding
 * (RFC 9110 §12.5.3). Pure, no I/O.
 *
 * - q-values are honoured; `x-gzip` counts as gzip (RFC 9110 §8.4.1.3); `*` stands for every
 *   coding the field does not name (identity included).
 * - br wins over gzip when their q-values are equal (it is smaller at the same CPU cost).
 * - A coding is chosen over identity unless the field ranks identity higher:
 *   `gzip;q=0.5, identity` gets identity, `gzip;q=0.5` gets gzip.
 * - Nothing acceptable at all (`identity;q=0` and no coding we have, or `*;q=0`): identity
 *   anyway, as nginx does, rather than 406 — RFC 9110 lets a server disregard the field then,
 *   and an uncompressed answer is more useful to such a client than an error.
 * - No Accept-Encoding: identity (RFC 9110 would allow any coding, but no server compresses then).
 */

export type Encoding = 'br' | 'gzip';

/** Distinct header values remembered: clients send a handful of spellings, an attacker many. */
const MEMO_LIMIT = 256;
const memo = new Map<string, Encoding | null>();

/** The coding to answer with, or null for identity. */
export function negotiateEncoding(header: string | undefined): Encoding | null {
  if (header === undefined || header === '') return null;
  const known = memo.get(header);
  if (known !== undefined) return known;
  const chosen = choose(header);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(header, chosen);
  return chosen;
}

/** RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** Whether the client takes `encoding` at all (q > 0 and not ranked below identity). */
export function accepts(header: string | undefined, encoding: Encoding): boolean {
  if (header === undefined || header === '') return false;
  const q = qvalues(header);
  const wanted = encoding === 'br' ? q.br : q.gzip;
  return wanted > 0 && wanted >= q.identity;
}

function choose(header: string): Encoding | null {
  const q = qvalues(header);
  const best: Encoding = q.br >= q.gzip ? 'br' : 'gzip';
  const bestQ = Math.max(q.br, q.gzip);
  return bestQ > 0 && bestQ >= q.identity ? best : null;
}

function qvalues(header: string): { br: number; gzip: number; identity: number } {
  let br: number | undefined;
  let gzip: number | undefined;
  let identity: number | undefined;
  let star: number | undefined;
  for (const item of header.split(',')) {
    const [rawName = '', ...params] = item.split(';');
    const name = rawName.trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const value = param.slice(eq + 1).trim();
      if (!QVALUE.test(value)) valid = false;
      else q = Number(value);
    }
    if (!valid) continue; // a malformed entry says nothing we can rely on
    // When a coding is listed twice, the higher q counts.
    if (name === 'br') br = Math.max(br ?? 0, q);
    else if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (name === 'identity') identity = Math.max(identity ?? 0, q);
    else if (name === '*') star = Math.max(star ?? 0, q);
  }
  // Identity wins only where the client ranked it above the codings ("gzip;q=0.5, identity"):
  // `gzip;q=0.8` alone still means "gzip, please".
  return { br: br ?? star ?? 0, gzip: gzip ?? star ?? 0, identity: identity ?? 0 };
}
