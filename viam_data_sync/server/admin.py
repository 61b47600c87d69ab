"""Administration of a local server's fleet registry, API keys and tokens.

The cloud creates organizations, machines and keys in its web app; the local server
has no such app, so tests, fixtures and scripts use this API instead. It works on the
server's store while the server runs (see :attr:`LocalDataServer.admin`), and the
server's own helpers (``server.create_organization(...)`` and the others) delegate here.

Example::

    from viam_data_sync.server import LocalDataServer

    with LocalDataServer() as server:
        admin = server.admin
        other = admin.create_organization("other-org")
        key_id, key = admin.create_api_key(other.organization_id)
        part_id = admin.add_part(part_name="arm")
"""

from __future__ import annotations

import json
from typing import Dict, List, Optional, Sequence, Tuple, Union

from viam_data_sync.server.services.auth import TokenAuthority
from viam_data_sync.server.store import FleetIds, Store

__all__ = ["DefaultIdentity", "FleetAdmin", "ensure_defaults"]


class DefaultIdentity:
    """The default fleet and API key a server creates on first start (and finds again).

    Attributes:
        fleet: The default organization -> location -> robot -> part.
        api_key_id: The default API key's id.
        api_key: Its secret.
    """

    def __init__(self, fleet: FleetIds, api_key_id: str, api_key: str) -> None:
        self.fleet = fleet
        self.api_key_id = api_key_id
        self.api_key = api_key

    def __repr__(self) -> str:  # the secret stays out of reprs
        return f"DefaultIdentity(organization_id={self.fleet.organization_id!r}, api_key_id={self.api_key_id!r})"


def ensure_defaults(store: Store, api_key_id: Optional[str] = None, api_key: Optional[str] = None) -> DefaultIdentity:
    """The store's default fleet and key: created on first use, found again later (the
    key's secret included, so clients configured with it keep working across restarts).
    ``api_key_id`` / ``api_key`` choose the key instead (kept for later restarts too)."""
    raw = store.get_meta("default_fleet")
    if raw is None:
        fleet = store.create_fleet("local-organization")
        with store.write() as conn:
            store.set_meta(conn, "default_fleet", json.dumps(fleet.__dict__))
    else:
        fleet = FleetIds(**json.loads(raw))
    known_id = store.get_meta("default_api_key_id")
    known_secret = store.keys.get("default_api_key")
    key_id = api_key_id or known_id
    if api_key is None and key_id is not None and key_id == known_id and known_secret is not None:
        if store.check_api_key(key_id, known_secret):  # the same key as last time
            return DefaultIdentity(fleet, key_id, known_secret)
    new_id, secret = store.create_api_key([fleet.organization_id], key_id, api_key)
    # The secret is kept, owner-only, in the store's key file (not the database), so a
    # restart serves the same key; never logged.
    store.keys.set("default_api_key", secret)
    with store.write() as conn:
        store.set_meta(conn, "default_api_key_id", new_id)
    return DefaultIdentity(fleet, new_id, secret)


class FleetAdmin:
    """Creates organizations, robots, parts and API keys, and issues tokens.

    Args:
        store: The server's store.
        authority: The server's token authority.
        defaults: The default fleet and key (the default robot, location and key of the
            methods below).
    """

    def __init__(self, store: Store, authority: TokenAuthority, defaults: DefaultIdentity) -> None:
        self._store = store
        self._authority = authority
        self._defaults = defaults

    def create_organization(
        self,
        name: str,
        *,
        location_name: str = "local-location",
        robot_name: str = "local-robot",
        part_name: str = "local-robot-main",
    ) -> FleetIds:
        """Create an organization with one location, robot and part.

        Example::

            other = admin.create_organization("other-org")
        """
        return self._store.create_fleet(name, location_name, robot_name, part_name)

    def create_api_key(self, organization_id: Union[str, Sequence[str]]) -> Tuple[str, str]:
        """A new API key (id, secret) scoped to one or more organizations; KeyError for
        an unknown organization.

        Example::

            key_id, key = admin.create_api_key(other.organization_id)
        """
        orgs: List[str] = [organization_id] if isinstance(organization_id, str) else list(organization_id)
        return self._store.create_api_key(orgs)

    def add_part(self, robot_id: Optional[str] = None, part_name: str = "extra-part") -> str:
        """Add a part to a robot (default: the default robot); returns its id.

        Example::

            part_id = admin.add_part(part_name="arm")
        """
        return self._store.add_part(robot_id or self._defaults.fleet.robot_id, part_name)

    def add_robot(
        self,
        location_id: Optional[str] = None,
        robot_name: str = "extra-robot",
        part_name: str = "extra-robot-main",
    ) -> Tuple[str, str]:
        """Add a robot with one part to a location (default: the default location);
        returns (robot_id, part_id).

        Example::

            robot_id, part_id = admin.add_robot(robot_name="rover")
        """
        return self._store.add_robot(location_id or self._defaults.fleet.location_id, robot_name, part_name)

    def token(self, api_key_id: Optional[str] = None, ttl: Optional[float] = None) -> str:
        """An access token for ``api_key_id`` (default: the default key) without an
        ``Authenticate`` call.

        Example::

            metadata = [("authorization", "Bearer " + admin.token())]
        """
        return self._authority.issue(api_key_id or self._defaults.api_key_id, ttl)

    def organizations(self) -> Dict[str, str]:
        """Every organization's id and name.

        Example::

            admin.organizations()   # {'4f0c...': 'local-organization'}
        """
        return self._store.all_organizations()
