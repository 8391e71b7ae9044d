"""Many rows into a PostgreSQL table at once: COPY into a temporary table, then one
``INSERT ... SELECT ... ON CONFLICT`` into the real one, inside the caller's transaction.

A backfill writes thousands of papers, their categories and about a hundred thousand term counts
a batch; row by row (``executemany``) the server parses and plans each row and psycopg dumps
each list in Python, which made PostgreSQL backfills several times slower than SQLite. COPY
streams the rows in one go and the merge stays one statement, so the upsert policy (the
``ON CONFLICT`` clause) is the same as the row-by-row one's.
"""

from __future__ import annotations

from collections.abc import Sequence


def copy_upsert(store, table: str, columns: Sequence[str], rows: list[Sequence], conflict: str) -> None:
    """Upsert ``rows`` (values for ``columns``) into ``{s}.table`` with ``conflict`` (an ``ON
    CONFLICT`` clause, which may name ``excluded`` and the table). Rows must be distinct on the
    conflict key: one statement may not change a row twice (a caller keeps the last of each)."""
    conn, names = store.conn, ", ".join(columns)
    incoming = f"pg_temp.incoming_{table}"
    # a session's table: created once per connection (again after a rolled-back first use), and
    # emptied with TRUNCATE, since no autovacuum reclaims a temporary table's deleted rows
    conn.execute(store.q(f"CREATE TEMP TABLE IF NOT EXISTS incoming_{table} (LIKE {{s}}.{table})"))
    lists = [i for i, value in enumerate(rows[0]) if isinstance(value, (list, tuple))]
    with conn.cursor().copy(f"COPY {incoming} ({names}) FROM STDIN") as copy:
        for row in rows:
            if lists:
                row = list(row)
                for i in lists:
                    row[i] = array_literal(row[i])
            copy.write_row(row)
    conn.execute(store.q(f"INSERT INTO {{s}}.{table} ({names}) SELECT {names} FROM {incoming} {conflict}"))
    conn.execute(f"TRUNCATE {incoming}")


def array_literal(values: Sequence) -> str:
    """A text array as PostgreSQL writes it ('{"a","b \\"c\\""}'): psycopg dumps lists in Python,
    slowly; the server parses this in C."""
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
