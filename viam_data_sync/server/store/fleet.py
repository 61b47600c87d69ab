"""The fleet registry in the store (tables ``organizations``, ``locations``, ``robots``,
``parts``): organization -> location -> robot -> part.

Functions over the connection of the caller's transaction; ``Store`` wraps each in one.

Example::

    with store.write() as conn:
        ids = fleet.create(conn, "acme")
        part_id = fleet.add_part(conn, ids.robot_id, "arm")
"""

from __future__ import annotations

import sqlite3
from typing import Dict, Optional, Tuple

from viam_data_sync.server.store._ids import FleetIds, new_id, now_ns

DDL = """
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS locations (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS robots (
    id TEXT PRIMARY KEY, location_id TEXT NOT NULL REFERENCES locations(id), name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    id TEXT PRIMARY KEY, robot_id TEXT NOT NULL REFERENCES robots(id), name TEXT NOT NULL);
"""


def create(
    conn: sqlite3.Connection,
    organization_name: str,
    location_name: str,
    robot_name: str,
    part_name: str,
    organization_id: Optional[str] = None,
) -> FleetIds:
    """Create (or extend) an organization with one location, robot and part."""
    org_id = organization_id or new_id()
    row = conn.execute("SELECT name FROM organizations WHERE id = ?", (org_id,)).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO organizations (id, name, created_ns) VALUES (?, ?, ?)",
            (org_id, organization_name, now_ns()),
        )
    else:
        organization_name = row[0]
    loc_id, robot_id, part_id = new_id(), new_id(), new_id()
    conn.execute("INSERT INTO locations (id, organization_id, name) VALUES (?, ?, ?)", (loc_id, org_id, location_name))
    conn.execute("INSERT INTO robots (id, location_id, name) VALUES (?, ?, ?)", (robot_id, loc_id, robot_name))
    conn.execute("INSERT INTO parts (id, robot_id, name) VALUES (?, ?, ?)", (part_id, robot_id, part_name))
    return FleetIds(org_id, organization_name, loc_id, location_name, robot_id, robot_name, part_id, part_name)


def add_part(conn: sqlite3.Connection, robot_id: str, part_name: str) -> str:
    """A new part of ``robot_id``; ``KeyError`` if there is no such robot."""
    if conn.execute("SELECT 1 FROM robots WHERE id = ?", (robot_id,)).fetchone() is None:
        raise KeyError(f"unknown robot {robot_id}")
    part_id = new_id()
    conn.execute("INSERT INTO parts (id, robot_id, name) VALUES (?, ?, ?)", (part_id, robot_id, part_name))
    return part_id


def add_robot(conn: sqlite3.Connection, location_id: str, robot_name: str, part_name: str) -> Tuple[str, str]:
    """A new robot with one part at ``location_id``; ``KeyError`` if there is no such location."""
    if conn.execute("SELECT 1 FROM locations WHERE id = ?", (location_id,)).fetchone() is None:
        raise KeyError(f"unknown location {location_id}")
    robot_id, part_id = new_id(), new_id()
    conn.execute("INSERT INTO robots (id, location_id, name) VALUES (?, ?, ?)", (robot_id, location_id, robot_name))
    conn.execute("INSERT INTO parts (id, robot_id, name) VALUES (?, ?, ?)", (part_id, robot_id, part_name))
    return robot_id, part_id


def of_part(conn: sqlite3.Connection, part_id: str) -> FleetIds:
    """The organization, location and robot of ``part_id``; ``KeyError`` if there is no such part."""
    row = conn.execute(
        """SELECT o.id AS oid, o.name AS oname, l.id AS lid, l.name AS lname,
              r.id AS rid, r.name AS rname, p.id AS pid, p.name AS pname
       FROM parts p JOIN robots r ON r.id = p.robot_id
       JOIN locations l ON l.id = r.location_id JOIN organizations o ON o.id = l.organization_id
       WHERE p.id = ?""",
        (part_id,),
    ).fetchone()
    if row is None:
        raise KeyError(part_id)
    return FleetIds(row["oid"], row["oname"], row["lid"], row["lname"], row["rid"], row["rname"], row["pid"],
                    row["pname"])


def organization_exists(conn: sqlite3.Connection, organization_id: str) -> bool:
    return conn.execute("SELECT 1 FROM organizations WHERE id = ?", (organization_id,)).fetchone() is not None


def organizations(conn: sqlite3.Connection) -> Dict[str, str]:
    """Every organization's name by id."""
    return {r[0]: r[1] for r in conn.execute("SELECT id, name FROM organizations")}
