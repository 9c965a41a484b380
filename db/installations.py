"""Where each workspace's bot token is kept: slack_sdk's SQLAlchemy installation and OAuth
state stores on the app's own database (tables made by migration 0005, never at run time),
with every token column encrypted at rest."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

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


Writes = Callable[[], AbstractContextManager[Any]]


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's own store (its queries, its history of installs); only the column types
    differ, so no token is ever written in the clear. Its writes run inside `writes()`
    (Database.library_writing: on SQLite, the one writer's turn)."""

    def __init__(
        self, *, client_id: str, engine: Engine, cipher: TokenCipher, writes: Writes = nullcontext
    ) -> None:
        self._cipher = cipher
        self._writes = writes
        super().__init__(client_id=client_id, engine=engine, logger=logger)

    def save(self, installation: Any) -> None:
        with self._writes():
            super().save(installation)

    def save_bot(self, bot: Any) -> None:
        with self._writes():
            super().save_bot(bot)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        with self._writes():
            super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(self, **kwargs: Any) -> None:
        with self._writes():
            super().delete_installation(**kwargs)

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
        with self._writes(), self.engine.begin() as connection:
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


class OAuthStates(SQLAlchemyOAuthStateStore):
    """OAuth `state` values in the shared database, so any replica can finish a flow another
    began (the browser's cookie carries the same value). Issuing and consuming both write, so
    both run inside `writes()`."""

    def __init__(self, *, engine: Engine, writes: Writes = nullcontext) -> None:
        self._writes = writes
        super().__init__(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine, logger=logger)

    def issue(self, *args: Any, **kwargs: Any) -> str:
        with self._writes():
            return super().issue(*args, **kwargs)

    def consume(self, state: str) -> bool:
        with self._writes():
            return super().consume(state)
