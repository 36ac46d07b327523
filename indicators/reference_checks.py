"""Per-statement reference checks of the score tables: swapping their triggers.

Migration 0003 created the trigger functions (`score_references_check`,
`score_referenced_check`); later migrations move the checks as score tables come and go, each
by naming the tables' references before and after. Migrations import this module, so it must
keep doing exactly this for the arguments they pass: change it only by adding.
"""

from __future__ import annotations

References = dict[str, list[tuple[str, str]]]  # score table → [(column, referenced table)]


def swap_reference_checks(schema_editor, old: References, new: References) -> None:
    """Replace the triggers that check the references of `old` by those of `new` (PostgreSQL).

    Each score table gets statement-level triggers after INSERT and UPDATE (every row's
    references exist, locked as a foreign key would); each referenced table one after
    DELETE (no score row names a deleted row). Does nothing on other databases.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    for table in old.keys() - new.keys():
        for event in ("insert", "update"):
            execute(f"DROP TRIGGER IF EXISTS {table}_references_{event} ON {table}", None)
    for parent in _parents(old):
        execute(f"DROP TRIGGER IF EXISTS {parent}_scores_delete ON {parent}", None)
    for table in new.keys() - old.keys():
        arguments = _quote(*(name for pair in new[table] for name in pair))
        for event in ("INSERT", "UPDATE"):
            execute(
                f"CREATE TRIGGER {table}_references_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION score_references_check({arguments})",
                None,
            )
    for parent, pairs in _parents(new).items():
        execute(
            f"CREATE TRIGGER {parent}_scores_delete AFTER DELETE ON {parent} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION score_referenced_check({_quote(*pairs)})",
            None,
        )


def _quote(*names: str) -> str:
    return ", ".join("'" + name + "'" for name in names)


def _parents(references: References) -> dict[str, list[str]]:
    parents: dict[str, list[str]] = {}
    for table, pairs in references.items():
        for column, parent in pairs:
            parents.setdefault(parent, []).extend([table, column])
    return parents
