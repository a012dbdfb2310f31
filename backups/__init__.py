"""Backup, restore and the restore drill (docs/backup.md).

A backup is a directory: a consistent database dump, a copy of the encrypted
attachment store taken after the dump's snapshot, and `manifest.json` (row counts,
audit chain head, SHA-256 of every file). The key material that opens the data
(escrow private key, receipt pepper, SECRET_KEY, escrow public key) is never in it.

    .venv/bin/python -m backups.create --out /srv/backups/2026-11-27
    .venv/bin/python -m backups.restore --from /srv/backups/2026-11-27
    .venv/bin/python -m backups.drill        # what `make restore-drill` runs

A plain package, not an app: it has no models, and its commands are modules run
with `python -m`, like `bench.run`.
"""
