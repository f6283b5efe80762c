"""SQL migrations, applied in name order by ``memory.db.migrate`` (a package so they ship as package data)."""
