"""The local server's store: the only code that speaks SQL to its database.

One SQLite database (WAL) plus a directory of blob files (``_db.Store``: connections,
transactions, blobs, metadata), and one module per area, each a set of typed functions
over the connection of the caller's transaction:

* ``fleet.py``: the fleet registry (organization, location, robot, part);
  ``api_keys.py``: API keys (salted secret hashes) and the organizations each may see.
* ``readings.py``: tabular readings (insert, delete, the MQL engine's scans);
  ``schema.py``: their table and document shape.
* ``binary.py``: binary items, tags, annotations, dataset membership.
* ``datasets.py``, ``sequences.py``, ``exports.py``: datasets, sequences, export jobs.
* ``pipelines.py``: data pipelines, their runs and sinks.
* ``indexes.py``, ``saved_queries.py``: custom indexes and saved MQL queries.
* ``users.py``: organizations' database users; ``owned.py``: per-organization rows by id.
* ``filters.py``: a ``Filter`` compiled to SQL, keyset pages, counts; ``values.py``: lists
  and times against what the store can hold.
* ``errors.py``: what the store refuses (invalid input, access denied, not found); the
  server's ``_rpc.py`` maps each to its gRPC status.

A test (``tests/server/test_store_boundary.py``) checks that no module outside this
package calls ``execute``, ``executemany`` or ``executescript``.

Example::

    from viam_data_sync.server.store import Store, datasets

    store = Store("data.db", "data.db.blobs")
    with store.write() as conn:
        datasets.rename(conn, dataset_id, "cats")
"""

from viam_data_sync.server.store._db import Store, connect, hash_password
from viam_data_sync.server.store.api_keys import hash_secret
from viam_data_sync.server.store._ids import FleetIds, IngestIds, PartInfo, new_id, now_ns

__all__ = [
    "FleetIds",
    "IngestIds",
    "PartInfo",
    "Store",
    "connect",
    "hash_password",
    "hash_secret",
    "new_id",
    "now_ns",
]
