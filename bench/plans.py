"""The plans PostgreSQL keeps for the portal's prepared statements, read on the county dataset.

The portal's connections keep one generic plan per prepared statement, made without the
values (portal.db._GenericPlans). That suits statements that look rows up by index whatever
the values are; a statement whose good plan depends on its values would instead read a
large table whole on every execution. The benchmark therefore EXPLAINs the generic plan of
every statement its pages and the filing prepared (bench.queries.count runs them in this
process; the filing's INSERTs among them) and reports each large table one of them reads by a
sequential scan. Nothing is executed.
"""

import re

SEQ_SCAN = re.compile(r'Seq Scan on "?(\w+)')
LARGE = 10_000  # rows: a table this big read whole on each request is a defect


def generic_plans(database, min_rows: int = LARGE) -> dict:
    """{"statements": how many this connection has prepared, "large_scans": [{"table",
    "rows", "statement"}, ...]} for the statements prepared on `database`'s current
    connection (PostgreSQL)."""
    from portal.db import GENERIC_PLANS  # (bench.run imports the portal only when it runs)

    database.execute_sql(GENERIC_PLANS)  # as the portal's own connections
    prepared = database.execute_sql(
        "SELECT name, statement, cardinality(parameter_types) FROM pg_prepared_statements "
        "ORDER BY name").fetchall()
    sizes = dict(database.execute_sql(
        "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' "
        "AND relnamespace = 'public'::regnamespace").fetchall())
    large = []
    for name, statement, params in prepared:
        values = f"({', '.join(['NULL'] * params)})" if params else ""
        plan = "\n".join(row[0] for row in database.execute_sql(
            f"EXPLAIN EXECUTE {name}{values}").fetchall())
        for table in sorted(set(SEQ_SCAN.findall(plan))):
            rows = sizes.get(table, 0)
            if rows >= min_rows:
                text = re.sub(r"\s+", " ", statement.split(" AS ", 1)[-1])
                large.append({"table": table, "rows": rows, "statement": text[:200]})
    return {"statements": len(prepared), "large_scans": large}
