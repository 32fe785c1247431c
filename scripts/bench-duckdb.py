"""The DuckDB side of scripts/bench-definition.sh (issue 11): the equal-weighted daily top-N price index of the
simulated market's CSV files, in SQL, compared with the levels the index-builder stored for ew100.

    bench-duckdb.py PRICES_CSV ACTIONS_CSV INDEX_SQLITE [--size 100] [--runs 3]

Prints `key: value` lines; the shell script reads `query_best_s` from them. Three timed steps:
- load: the CSV files into tables as they are, each row with its line number (the duplicate rule needs the order);
- validate: the validator's row and action rules of DESIGN.md, in SQL, into tables of the valid rows and actions
  (the index-builder starts from the valid rows storage holds, so this is not part of the query);
- query (best of --runs): ranking, top N, next-session returns with splits and special dividends, and the levels,
  materialised as a table of one level per session.
"""

import argparse
import sqlite3
import time

import duckdb

LOAD_PRICES = """
CREATE OR REPLACE TABLE raw_prices AS
SELECT row_number() OVER () AS line, *
FROM read_csv(?, header = true, auto_detect = false, parallel = false,
              columns = {'date': 'DATE', 'ticker': 'VARCHAR', 'open': 'DOUBLE', 'high': 'DOUBLE', 'low': 'DOUBLE',
                         'close': 'DOUBLE', 'volume': 'DOUBLE', 'market_cap': 'DOUBLE'})
"""
LOAD_ACTIONS = """
CREATE OR REPLACE TABLE raw_actions AS
SELECT row_number() OVER () AS line, *
FROM read_csv(?, header = true, auto_detect = false, parallel = false,
              columns = {'date': 'DATE', 'ticker': 'VARCHAR', 'kind': 'VARCHAR', 'value': 'DOUBLE'})
"""

# The validator's rules in their order (DESIGN.md "Validator rules"); a row is valid when none applies. The CSV's
# market cap is already derived for the rows that gave shares outstanding (indexctl sim-csv), so rule 4 judges it.
# Not checked: `not_a_session` (the simulated market has rows on NYSE sessions only). Every day is one batch.
VALIDATE = """
CREATE OR REPLACE TABLE valid_prices AS
SELECT date, ticker, close, market_cap
FROM (SELECT *, row_number() OVER (PARTITION BY date, ticker ORDER BY line) AS nth FROM raw_prices)
WHERE nth = 1                                                                            -- duplicate
  AND close IS NOT NULL AND isfinite(close) AND close > 0                                -- bad_close
  AND market_cap IS NOT NULL AND isfinite(market_cap) AND market_cap > 0                 -- bad_market_cap
  AND NOT coalesce(isfinite(high) AND isfinite(low) AND high < low, false)               -- high_below_low
  AND NOT coalesce(high IS NOT NULL AND low IS NOT NULL AND (                            -- price_outside_range
          NOT isfinite(high) OR NOT isfinite(low) OR NOT coalesce(isfinite(open), true)
          OR open < low OR open > high OR close < low OR close > high), false)
  AND NOT coalesce(volume < 0 OR NOT isfinite(volume), false);                           -- negative_volume
CREATE OR REPLACE TABLE valid_actions AS
SELECT date, ticker, kind, value
FROM (SELECT *, row_number() OVER (PARTITION BY date, ticker, kind ORDER BY line) AS nth FROM raw_actions)
WHERE nth = 1                                                                            -- duplicate
  AND kind IN ('split', 'cash_dividend', 'special_dividend')                             -- unknown_kind
  AND value IS NOT NULL AND isfinite(value)                                              -- bad_value
  AND (value > 0 OR (kind <> 'split' AND value = 0));
"""

# DESIGN.md "Index methodology" for equal weight, daily rebalance, price return: C(d) is the first N of d's valid
# rows by market cap desc, ticker asc; over session d (p the previous index session) a member i of C(p) earns
# r_i = (close_i(d) * F_i + S_i) / close_i(p) - 1 with a valid close on d, else 0; F_i is the product of its splits
# dated in (p, d], S_i its special dividends dated t in (p, d], each times the product of its splits in (p, t];
# R(d) = mean of r_i over C(p); L(first) = BASE, L(d) = L(p) * (1 + R(d)). Cash dividends do not count (price).
QUERY = """
CREATE OR REPLACE TABLE duck_levels AS
WITH sessions AS (
    SELECT date, lag(date) OVER (ORDER BY date) AS prev FROM (SELECT DISTINCT date FROM valid_prices)
), members AS (
    SELECT date, ticker, close
    FROM (SELECT date, ticker, close,
                 row_number() OVER (PARTITION BY date ORDER BY market_cap DESC, ticker ASC) AS rank
          FROM valid_prices)
    WHERE rank <= {size}
), sizes AS (
    SELECT date, count(*) AS n FROM members GROUP BY date
), splits AS (
    SELECT s.date, a.ticker, product(a.value) AS factor
    FROM sessions s JOIN valid_actions a ON a.kind = 'split' AND a.date > s.prev AND a.date <= s.date
    GROUP BY s.date, a.ticker
), specials AS (
    SELECT s.date, a.ticker,
           sum(a.value * coalesce((SELECT product(b.value) FROM valid_actions b
                                   WHERE b.ticker = a.ticker AND b.kind = 'split'
                                     AND b.date > s.prev AND b.date <= a.date), 1)) AS amount
    FROM sessions s JOIN valid_actions a ON a.kind = 'special_dividend' AND a.date > s.prev AND a.date <= s.date
    GROUP BY s.date, a.ticker
), returns AS (
    SELECT s.date,
           sum(CASE WHEN today.close IS NULL THEN 0
                    ELSE (today.close * coalesce(f.factor, 1) + coalesce(sd.amount, 0)) / m.close - 1 END)
               / any_value(z.n) AS r
    FROM sessions s
    JOIN members m ON m.date = s.prev
    JOIN sizes z ON z.date = s.prev
    LEFT JOIN valid_prices today ON today.date = s.date AND today.ticker = m.ticker
    LEFT JOIN splits f ON f.date = s.date AND f.ticker = m.ticker
    LEFT JOIN specials sd ON sd.date = s.date AND sd.ticker = m.ticker
    GROUP BY s.date
)
SELECT s.date, coalesce(r.r, 0) AS r,
       {base!r} * product(1 + coalesce(r.r, 0)) OVER (ORDER BY s.date ROWS UNBOUNDED PRECEDING) AS level
FROM sessions s LEFT JOIN returns r USING (date)
ORDER BY s.date;
"""


def timed(action):
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("prices")
    parser.add_argument("actions")
    parser.add_argument("index_sqlite")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--base", type=float, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--index", default="ew100")
    args = parser.parse_args()

    db = duckdb.connect()  # in memory: nothing between DuckDB and its data but RAM
    print(f"duckdb_version: {duckdb.__version__}")
    print(f"duckdb_threads: {db.execute('SELECT current_setting(' + repr('threads') + ')').fetchone()[0]}")
    load = timed(lambda: (db.execute(LOAD_PRICES, [args.prices]), db.execute(LOAD_ACTIONS, [args.actions])))
    rows = db.execute("SELECT count(*) FROM raw_prices").fetchone()[0]
    actions = db.execute("SELECT count(*) FROM raw_actions").fetchone()[0]
    print(f"load_s: {load:.3f}")
    print(f"raw_rows: {rows}")
    print(f"raw_actions: {actions}")
    validate = timed(lambda: db.execute(VALIDATE))
    valid = db.execute("SELECT count(*) FROM valid_prices").fetchone()[0]
    valid_actions = db.execute("SELECT count(*) FROM valid_actions").fetchone()[0]
    print(f"validate_s: {validate:.3f}")
    print(f"valid_rows: {valid}")
    print(f"rejected_rows: {rows - valid}")
    print(f"valid_actions: {valid_actions}")
    query = QUERY.format(size=args.size, base=args.base)
    runs = [timed(lambda: db.execute(query)) for _ in range(args.runs)]
    print("query_runs_s: " + ", ".join(f"{run:.3f}" for run in runs))
    print(f"query_best_s: {min(runs):.3f}")

    duck = db.execute("SELECT strftime(date, '%Y-%m-%d'), level FROM duck_levels ORDER BY date").fetchall()
    with sqlite3.connect(f"file:{args.index_sqlite}?mode=ro", uri=True) as ours_db:
        ours = ours_db.execute(
            "SELECT date, level FROM index_levels WHERE index_id = ? ORDER BY date", (args.index,)
        ).fetchall()
    ours_by_date = dict(ours)
    common = [(date, level, ours_by_date[date]) for date, level in duck if date in ours_by_date]
    worst = max((abs(level / theirs - 1) for _, level, theirs in common), default=float("nan"))
    print(f"sessions: duckdb {len(duck)}, {args.index} {len(ours)}, both {len(common)}")
    print(f"max_relative_level_diff: {worst:.3e}")
    # The stack may have stored sessions after the CSV's last one (the latency phase): compare on DuckDB's last.
    if duck and duck[-1][0] in ours_by_date:
        last, duck_level = duck[-1]
        ours_level = ours_by_date[last]
        print(f"final_duckdb: {last} {duck_level:.6f}")
        print(f"final_ours: {last} {ours_level:.6f}")
        print(f"final_relative_diff: {duck_level / ours_level - 1:.3e}")
    else:
        print(f"final: no {args.index} level on DuckDB's last session")


if __name__ == "__main__":
    main()
