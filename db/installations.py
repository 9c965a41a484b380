"""Where each workspace's bot token is kept: slack_sdk's SQLAlchemy installation and OAuth
state stores on the app's own database (tables made by migration 0005, never at run time),
with every token column encrypted at rest."""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, Engine, Integer, MetaData, Table, Text, select, update

from db.token_cipher import EncryptedText, TokenCipher

logger = logging.getLogger(__name__)

TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
OAUTH_STATE_SECONDS = 600


def _encrypted(table: Table, cipher: TokenCipher) -> Table:
    """slack_sdk's table, with its token columns read and written through the cipher."""
    for name in TOKEN_COLUMNS:
        if name in table.c:
            table.c[name].type = EncryptedText(cipher)
    return table


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's own store (its queries, its history of installs); only the column types
    differ, so no token is ever written in the clear."""

    def __init__(self, *, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        self._cipher = cipher
        super().__init__(client_id=client_id, engine=engine, logger=logger)

    # slack_sdk builds its tables through these in __init__ (called on the instance).
    def build_installations_table(self, metadata: MetaData, table_name: str) -> Table:  # type: ignore[override]
        return _encrypted(
            SQLAlchemyInstallationStore.build_installations_table(metadata, table_name), self._cipher
        )

    def build_bots_table(self, metadata: MetaData, table_name: str) -> Table:  # type: ignore[override]
        return _encrypted(SQLAlchemyInstallationStore.build_bots_table(metadata, table_name), self._cipher)

    def create_tables(self) -> None:
        raise RuntimeError("the installation tables are made by the migrations (leader-quiz db upgrade)")

    def reencrypt(self) -> int:
        """Re-encrypt every stored token with the first key (after a key rotation); how many
        rows changed. Reads and writes the ciphertext itself, never the tokens."""
        count = 0
        with self.engine.begin() as connection:
            for table in (self.installations, self.bots):
                names = [name for name in TOKEN_COLUMNS if name in table.c]
                raw = Table(
                    table.name,
                    MetaData(),
                    Column("id", Integer, primary_key=True),
                    *[Column(name, Text) for name in names],
                )
                for row in connection.execute(select(raw)).mappings().all():
                    values = {name: self._cipher.rotate(row[name]) for name in names if row[name] is not None}
                    if values:
                        connection.execute(update(raw).where(raw.c.id == row["id"]).values(**values))
                        count += 1
        return count


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    """OAuth `state` values in the shared database, so any replica can finish a flow another
    began (the browser's cookie carries the same value)."""
    return SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine, logger=logger)
