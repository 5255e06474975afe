/**
 * Generated input files for the SQL benchmarks and the batch tests: Binance-style positions (the
 * inputs of rules/binance-btcusdt-perp.margin) and SPAN accounts (rules/span-sp500.margin), written
 * by DuckDB from SQL so that 10 million rows take seconds. Row 0 of the positions is Binance's worked
 * example (109.488 BTC at 31,967.27: maintenance margin 71,200.82 rounded up to the cent).
 */

/** SQL that writes `n` positions to `file` (Parquet, CSV or JSON Lines by extension), deterministic. */
export function positionsSql(n: number, file: string): string {
  const format = file.endsWith(".parquet")
    ? "FORMAT parquet"
    : file.endsWith(".csv")
      ? "FORMAT csv, HEADER true"
      : "FORMAT json";
  const rows = `
    SELECT i AS id,
      CASE WHEN i = 0 THEN 109.488 ELSE round(0.001 + 400 * pow(hash(i, 1) / 18446744073709551615.0, 3), 3) END::DOUBLE AS "position.size",
      CASE WHEN i = 0 THEN 31967.27 ELSE round(20000 + 50000 * (hash(i, 2) / 18446744073709551615.0), 2) END::DOUBLE AS "position.mark",
      CASE WHEN hash(i, 3) % 2 = 0 THEN 'long' ELSE 'short' END AS "position.side",
      CASE WHEN i = 0 THEN 0.5 ELSE round(1.6 * (hash(i, 4) / 18446744073709551615.0), 4) END::DOUBLE AS "market.vol_30d",
      CASE WHEN i = 0 THEN 1e10 ELSE round(1e8 + 2e10 * (hash(i, 5) / 18446744073709551615.0), 0) END::DOUBLE AS "market.adv"
    FROM range(${n}) AS t(i)`;
  return `COPY (${rows}) TO '${file.replace(/'/g, "''")}' (${format})`;
}

/**
 * SQL that writes `n` SPAN accounts of 1 to `maxPositions` positions (futures and calls on two
 * underlyings, each with a 16-value risk array) to a Parquet file.
 */
export function accountsSql(n: number, file: string, maxPositions = 4): string {
  const future =
    "[0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000]";
  const call =
    "[460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500]";
  const rows = `
    SELECT a AS id, list_transform(range(1 + (hash(a, 1) % ${maxPositions})::BIGINT), lambda j: {
        'contract': CASE WHEN hash(a, j, 2) % 2 = 0 THEN 'future' ELSE 'call' END,
        'underlying': CASE WHEN hash(a, j, 3) % 3 = 0 THEN 'ES' ELSE 'SP' END,
        'quantity': ((hash(a, j, 4) % 21)::BIGINT - 10)::DOUBLE,
        'risk': CASE WHEN hash(a, j, 2) % 2 = 0 THEN ${future}::DOUBLE[] ELSE ${call}::DOUBLE[] END
      }) AS "account.positions"
    FROM range(${n}) AS t(a)`;
  return `COPY (${rows}) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`;
}
