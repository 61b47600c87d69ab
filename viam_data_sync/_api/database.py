"""Database access: the MongoDB connection of an organization's data and its user.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

from typing import Any

from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import (
    check_text,
)
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._models import DatabaseConnection
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._rpcs import DataService


class DatabaseAccess(ClientBase):
    """Database access: the MongoDB connection of an organization's data and its user."""

    def get_database_connection(self, organization_id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> str:
        """Get the hostname of the organization's MongoDB Atlas Data Federation instance.

        Returns only the hostname, like the official SDK; use
        :meth:`get_database_connection_info` for the MongoDB URI and whether a
        database user is configured.

        Args:
            organization_id: The organization.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The hostname of the federated database.

        Example::

            hostname = data_client.get_database_connection(organization_id="<YOUR-ORG-ID>")
        """
        return self.get_database_connection_info(organization_id, timeout=timeout).hostname

    def get_database_connection_info(
        self, organization_id: str, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> DatabaseConnection:
        """Get everything ``GetDatabaseConnection`` returns (the official SDK drops all
        but the hostname).

        Args:
            organization_id: The organization.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``DatabaseConnection(hostname, mongodb_uri, has_database_user)``.

        Example::

            info = data_client.get_database_connection_info("<YOUR-ORG-ID>")
            if info.has_database_user:
                print(info.mongodb_uri)
        """
        request = data_pb2.GetDatabaseConnectionRequest(
            organization_id=check_text("organization_id", organization_id)
        )
        response = self._caller.call(DataService.GetDatabaseConnection, request, timeout=timeout)
        return DatabaseConnection(response.hostname, response.mongodb_uri, bool(response.has_database_user))

    def configure_database_user(
        self, organization_id: str, password: str, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> None:
        """Configure (or reset the password of) the organization's database user.

        Args:
            organization_id: The organization.
            password: The password of the user.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.configure_database_user(
                organization_id="<YOUR-ORG-ID>",
                password="Your_Password@1234"
            )
        """
        request = data_pb2.ConfigureDatabaseUserRequest(
            organization_id=check_text("organization_id", organization_id), password=check_text("password", password)
        )
        self._caller.call(DataService.ConfigureDatabaseUser, request, timeout=timeout)
