/// The schema of the index database, as numbered migrations.
///
/// Conventions: dates are `YYYY-MM-DD` text (so text order is date order); numeric columns that may hold a
/// non-finite number are declared without a type, so no affinity converts what is bound, and hold `nan`, `inf` or
/// `-inf` as text (SQLite would store NaN as NULL); timestamps (`stored_at`) are UTC ISO-8601 text.
///
/// Each migration also has its PostgreSQL form (`postgresSQL`), the same tables and columns: dates stay `YYYY-MM-DD`
/// text and every text column that is compared or ordered is `COLLATE "C"` (byte order, as SQLite's); numbers are
/// `double precision` (bit-exact, non-finite values included, so no text stand-ins) and `bigint`; `prices` is
/// partitioned by year (range on `date`), one partition per year created when a batch of that year is first stored.
/// Never edit a migration that has shipped: add the next one.
package enum IndexSchema {
    /// Every migration, in order.
    package static let migrations: [Migration] = [
        ingest, index, actions, turnover, definitions, carriedCloses, resultSequences, streamEpochs, sessionRows,
    ]

    /// The migrator for ``migrations``.
    package static let migrator = Migrator(migrations: migrations)

    /// 1: what the validator delivers: stock metadata, one record per session's current batch, its valid rows, and
    /// the rejected rows of every batch ever received.
    static let ingest = Migration(
        version: 1,
        name: "ingest",
        sql: """
            CREATE TABLE stocks (
                ticker TEXT NOT NULL PRIMARY KEY,
                name TEXT NOT NULL,
                sector TEXT NOT NULL,
                exchange TEXT NOT NULL,
                -- The session of the batch that last described the stock: an older batch never overwrites a newer one.
                updated_at TEXT NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE sessions (
                date TEXT NOT NULL PRIMARY KEY,
                batch_id TEXT NOT NULL,
                source TEXT NOT NULL,
                replay_id TEXT,
                received_rows INTEGER NOT NULL,
                valid_rows INTEGER NOT NULL,
                rejected_rows INTEGER NOT NULL,
                -- The PRICES_VALID stream sequence of the batch's message (0: unknown); an older message never
                -- replaces a newer one.
                sequence INTEGER NOT NULL DEFAULT 0,
                stored_at TEXT NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE prices (
                date TEXT NOT NULL REFERENCES sessions (date) ON DELETE CASCADE,
                ticker TEXT NOT NULL,
                open,
                high,
                low,
                close REAL NOT NULL,
                volume,
                market_cap REAL NOT NULL,
                -- PriceFlag raw values joined by ',' in the validator's order; '' for none.
                flags TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (date, ticker)
            ) WITHOUT ROWID;

            -- A rowid table: the rowid orders arrival, to find a date's latest batch before its session record exists.
            CREATE TABLE rejections (
                batch_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                -- The session the batch was published for; `date` is the row's own, as received.
                batch_date TEXT NOT NULL,
                source TEXT NOT NULL,
                date TEXT NOT NULL,
                ticker TEXT NOT NULL,
                reason TEXT NOT NULL,
                open,
                high,
                low,
                close,
                volume,
                market_cap,
                shares_outstanding,
                stored_at TEXT NOT NULL,
                PRIMARY KEY (batch_id, position)
            );
            CREATE INDEX rejections_by_batch_date ON rejections (batch_date);
            """,
        postgresSQL: """
            CREATE TABLE stocks (
                ticker text COLLATE "C" NOT NULL PRIMARY KEY,
                name text NOT NULL,
                sector text NOT NULL,
                exchange text NOT NULL,
                updated_at text COLLATE "C" NOT NULL
            );

            CREATE TABLE sessions (
                date text COLLATE "C" NOT NULL PRIMARY KEY,
                batch_id text COLLATE "C" NOT NULL,
                source text NOT NULL,
                replay_id text,
                received_rows bigint NOT NULL,
                valid_rows bigint NOT NULL,
                rejected_rows bigint NOT NULL,
                sequence bigint NOT NULL DEFAULT 0,
                stored_at text NOT NULL
            );

            CREATE TABLE prices (
                date text COLLATE "C" NOT NULL REFERENCES sessions (date) ON DELETE CASCADE,
                ticker text COLLATE "C" NOT NULL,
                open double precision,
                high double precision,
                low double precision,
                close double precision NOT NULL,
                volume double precision,
                market_cap double precision NOT NULL,
                flags text NOT NULL DEFAULT '',
                PRIMARY KEY (date, ticker)
            ) PARTITION BY RANGE (date);

            -- arrival stands for SQLite's rowid: it orders arrival, and an upsert keeps it.
            CREATE TABLE rejections (
                arrival bigint GENERATED ALWAYS AS IDENTITY,
                batch_id text COLLATE "C" NOT NULL,
                position bigint NOT NULL,
                batch_date text COLLATE "C" NOT NULL,
                source text NOT NULL,
                date text COLLATE "C" NOT NULL,
                ticker text COLLATE "C" NOT NULL,
                reason text NOT NULL,
                open double precision,
                high double precision,
                low double precision,
                close double precision,
                volume double precision,
                market_cap double precision,
                shares_outstanding double precision,
                stored_at text NOT NULL,
                PRIMARY KEY (batch_id, position)
            );
            CREATE INDEX rejections_by_batch_date ON rejections (batch_date, arrival)
            """
    )

    /// 2: what the index-builder and change-detector deliver: levels, compositions and composition changes.
    static let index = Migration(
        version: 2,
        name: "index",
        sql: """
            CREATE TABLE index_levels (
                index_id TEXT NOT NULL,
                date TEXT NOT NULL,
                previous_date TEXT,
                level REAL NOT NULL,
                daily_return REAL NOT NULL,
                source_batch_id TEXT NOT NULL,
                -- JSON arrays, so that the stored result reads back exactly: C(p)'s tickers by rank, and C(p) \\ C(d).
                previous_tickers TEXT NOT NULL,
                departures TEXT NOT NULL,
                replay_id TEXT,
                replay_refetched INTEGER,
                stored_at TEXT NOT NULL,
                PRIMARY KEY (index_id, date)
            ) WITHOUT ROWID;

            CREATE TABLE index_constituents (
                index_id TEXT NOT NULL,
                date TEXT NOT NULL,
                rank INTEGER NOT NULL,
                ticker TEXT NOT NULL,
                weight REAL NOT NULL,
                market_cap REAL NOT NULL,
                close REAL NOT NULL,
                PRIMARY KEY (index_id, date, rank),
                FOREIGN KEY (index_id, date) REFERENCES index_levels (index_id, date) ON DELETE CASCADE
            ) WITHOUT ROWID;

            -- One row per processed composition event, with or without a change: "no change" is not "not computed".
            CREATE TABLE composition_events (
                index_id TEXT NOT NULL,
                date TEXT NOT NULL,
                previous_date TEXT NOT NULL,
                stored_at TEXT NOT NULL,
                PRIMARY KEY (index_id, date)
            ) WITHOUT ROWID;

            CREATE TABLE composition_changes (
                index_id TEXT NOT NULL,
                date TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('added', 'removed')),
                ticker TEXT NOT NULL,
                rank INTEGER,
                market_cap REAL,
                -- The entry's place in the event's list, to keep the event's order among entries without a rank.
                position INTEGER NOT NULL,
                PRIMARY KEY (index_id, date, kind, ticker),
                FOREIGN KEY (index_id, date) REFERENCES composition_events (index_id, date) ON DELETE CASCADE
            ) WITHOUT ROWID;
            """,
        postgresSQL: """
            CREATE TABLE index_levels (
                index_id text COLLATE "C" NOT NULL,
                date text COLLATE "C" NOT NULL,
                previous_date text COLLATE "C",
                level double precision NOT NULL,
                daily_return double precision NOT NULL,
                source_batch_id text NOT NULL,
                previous_tickers text NOT NULL,
                departures text NOT NULL,
                replay_id text,
                replay_refetched bigint,
                stored_at text NOT NULL,
                PRIMARY KEY (index_id, date)
            );

            CREATE TABLE index_constituents (
                index_id text COLLATE "C" NOT NULL,
                date text COLLATE "C" NOT NULL,
                rank bigint NOT NULL,
                ticker text COLLATE "C" NOT NULL,
                weight double precision NOT NULL,
                market_cap double precision NOT NULL,
                close double precision NOT NULL,
                PRIMARY KEY (index_id, date, rank),
                FOREIGN KEY (index_id, date) REFERENCES index_levels (index_id, date) ON DELETE CASCADE
            );

            CREATE TABLE composition_events (
                index_id text COLLATE "C" NOT NULL,
                date text COLLATE "C" NOT NULL,
                previous_date text COLLATE "C" NOT NULL,
                stored_at text NOT NULL,
                PRIMARY KEY (index_id, date)
            );

            CREATE TABLE composition_changes (
                index_id text COLLATE "C" NOT NULL,
                date text COLLATE "C" NOT NULL,
                kind text COLLATE "C" NOT NULL CHECK (kind IN ('added', 'removed')),
                ticker text COLLATE "C" NOT NULL,
                rank bigint,
                market_cap double precision,
                position bigint NOT NULL,
                PRIMARY KEY (index_id, date, kind, ticker),
                FOREIGN KEY (index_id, date) REFERENCES composition_events (index_id, date) ON DELETE CASCADE
            )
            """
    )

    /// 3: the corporate actions of each session's current batch, accepted and rejected, replaced with the day.
    static let actions = Migration(
        version: 3,
        name: "actions",
        sql: """
            CREATE TABLE corporate_actions (
                -- The session of the batch that delivered the action; its place in the batch's actions.
                batch_date TEXT NOT NULL REFERENCES sessions (date) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                date TEXT NOT NULL,
                ticker TEXT NOT NULL,
                kind TEXT NOT NULL,
                value,
                -- NULL when accepted; else the ActionRejectionReason raw value.
                rejection TEXT,
                PRIMARY KEY (batch_date, position)
            ) WITHOUT ROWID;
            CREATE INDEX corporate_actions_by_date ON corporate_actions (date, ticker);
            """,
        postgresSQL: """
            CREATE TABLE corporate_actions (
                batch_date text COLLATE "C" NOT NULL REFERENCES sessions (date) ON DELETE CASCADE,
                position bigint NOT NULL,
                date text COLLATE "C" NOT NULL,
                ticker text COLLATE "C" NOT NULL,
                kind text NOT NULL,
                value double precision,
                rejection text,
                PRIMARY KEY (batch_date, position)
            );
            CREATE INDEX corporate_actions_by_date ON corporate_actions (date, ticker)
            """
    )

    /// 4: the turnover of each rebalance session that is not the base (NULL for results stored before it).
    static let turnover = Migration(
        version: 4,
        name: "turnover",
        sql: """
            ALTER TABLE index_levels ADD COLUMN turnover REAL;
            ALTER TABLE composition_events ADD COLUMN turnover REAL;
            """,
        postgresSQL: """
            ALTER TABLE index_levels ADD COLUMN turnover double precision;
            ALTER TABLE composition_events ADD COLUMN turnover double precision
            """
    )

    /// 5: the index definitions added next to the built-in ones (which are not stored: they follow the configuration).
    static let definitions = Migration(
        version: 5,
        name: "definitions",
        sql: """
            CREATE TABLE index_definitions (
                id TEXT NOT NULL PRIMARY KEY,
                -- The definition as JSON with sorted keys, every default filled in.
                definition TEXT NOT NULL,
                -- The job that builds its history from stored prices and actions.
                job_id TEXT NOT NULL,
                created_at TEXT NOT NULL
            ) WITHOUT ROWID;
            """,
        postgresSQL: """
            CREATE TABLE index_definitions (
                id text COLLATE "C" NOT NULL PRIMARY KEY,
                definition text NOT NULL,
                job_id text NOT NULL,
                created_at text NOT NULL
            )
            """
    )

    /// 6: q_i of a constituent whose price is carried between rebalances (NULL: the close is the session's own).
    static let carriedCloses = Migration(
        version: 6,
        name: "carried-closes",
        sql: "ALTER TABLE index_constituents ADD COLUMN last_close_date TEXT;",
        postgresSQL: #"ALTER TABLE index_constituents ADD COLUMN last_close_date text COLLATE "C""#
    )

    /// 7: the stream position of the index result that each stored result and composition event came from, kept
    /// after a retraction too, so that an older result delivered again (a redelivery after a failed write or a late
    /// acknowledgement, or a second storage process) never replaces a newer one.
    static let resultSequences = Migration(
        version: 7,
        name: "result-sequences",
        sql: """
            CREATE TABLE index_result_sequences (
                -- 'result' or 'event'.
                kind TEXT NOT NULL,
                index_id TEXT NOT NULL,
                date TEXT NOT NULL,
                -- The stream sequence of the INDEX message (for an event: of the result it was derived from).
                sequence INTEGER NOT NULL,
                PRIMARY KEY (kind, index_id, date)
            ) WITHOUT ROWID;
            """,
        postgresSQL: """
            CREATE TABLE index_result_sequences (
                kind text COLLATE "C" NOT NULL,
                index_id text COLLATE "C" NOT NULL,
                date text COLLATE "C" NOT NULL,
                sequence bigint NOT NULL,
                PRIMARY KEY (kind, index_id, date)
            )
            """
    )

    /// 8: which JetStream streams the stored stream sequences (`sessions.sequence`, `index_result_sequences`) belong
    /// to: a stream's creation time. Against a stream made again (another JetStream store, a changed cluster shape)
    /// storage forgets them, since that stream's sequences start over.
    static let streamEpochs = Migration(
        version: 8,
        name: "stream-epochs",
        sql: """
            CREATE TABLE stream_epochs (
                stream TEXT NOT NULL PRIMARY KEY,
                -- The stream's creation time, nanoseconds since 1970.
                created INTEGER NOT NULL
            ) WITHOUT ROWID;
            """,
        postgresSQL: """
            CREATE TABLE stream_epochs (
                stream text COLLATE "C" NOT NULL PRIMARY KEY,
                created bigint NOT NULL
            )
            """
    )

    /// 9: each session's valid rows as a definition's history reads them (ticker, close and market cap, by ticker), in
    /// the encoding storage answers with (`SessionRowsReply.encodedRows`), written with the rows in the same
    /// transaction. A copy for speed, never the record: it is read only while its `batch_id` is the session's, and
    /// a session without one (stored before this migration) is read from `prices`. The PostgreSQL backend has the
    /// table, out of line and uncompressed, but does not keep the copy: over the 10-year back-fill, writing it cost
    /// the server about a third more CPU (BENCHMARKS.md), and its reads stay on `prices`.
    static let sessionRows = Migration(
        version: 9,
        name: "session-rows",
        sql: """
            CREATE TABLE session_rows (
                date TEXT NOT NULL PRIMARY KEY REFERENCES sessions (date) ON DELETE CASCADE,
                batch_id TEXT NOT NULL,
                rows BLOB NOT NULL
            );
            """,
        postgresSQL: """
            CREATE TABLE session_rows (
                date text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES sessions (date) ON DELETE CASCADE,
                batch_id text COLLATE "C" NOT NULL,
                rows bytea NOT NULL
            );
            -- Out of line, uncompressed: the doubles do not compress, and trying would cost every write.
            ALTER TABLE session_rows ALTER COLUMN rows SET STORAGE EXTERNAL
            """
    )
}
