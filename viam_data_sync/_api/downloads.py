"""Downloads: one binary file of any size, streamed to disk through its signed URL.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

from viam_data_sync._api._base import ClientBase
from viam_data_sync._api.binary import binary_ids_request, signed_url
from viam_data_sync._dest import export_data_name, export_name, is_gzipped
from viam_data_sync._download import Progress, stream_url_to_file
from viam_data_sync._rpcs import DataService
from viam_data_sync._defaults import DEFAULT_TIMEOUT


class Downloads(ClientBase):
    """``download_binary_data``: a file of any size, streamed to disk."""

    def download_binary_data(
        self,
        binary_id: object,
        dest: Union[str, "os.PathLike[str]"],
        *,
        expiration_minutes: Optional[int] = None,
        progress: Optional[Progress] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
    ) -> Path:
        """Stream one binary file to disk through a signed URL, whatever its size.

        Use this for files too large for one gRPC message (``binary_data_by_ids``
        with bytes fails on those with RESOURCE_EXHAUSTED). Memory stays constant; the
        file appears under its final name only when complete and of the size its
        metadata gives.

        Args:
            binary_id: a ``binary_data_id`` string (or a ``BinaryID``).
            dest: a file path, or an existing directory: the file is then named as
                ``viam data export binary``, ``dest=`` and the CLI name it (its
                directories kept inside ``dest``); the bytes are written as the service
                stores them, so a ``.gz`` item keeps its ``.gz``.
            expiration_minutes: lifetime of the signed URL.
            progress: called as ``progress(bytes_so_far, total)``.
            timeout: socket timeout of the download, in seconds.

        Returns:
            The path written.

        Example::

            path = client.download_binary_data(item.metadata.binary_data_id, "downloads/")
        """
        request = binary_ids_request([binary_id], False)
        items = self._caller.call(DataService.BinaryDataByIDs, request, timeout=timeout).data
        if not items:
            raise FileNotFoundError(f"no binary data with id {binary_id!r}")
        metadata = items[0].metadata
        target = Path(dest)
        if target.is_dir():
            name = export_name(metadata)
            target = target / (name + ".gz" if is_gzipped(metadata) else export_data_name(metadata, name))
            target.parent.mkdir(parents=True, exist_ok=True)
        elif not target.parent.is_dir():
            raise FileNotFoundError(f"directory does not exist: {target.parent}")
        url, _expires = signed_url(self._caller, metadata.binary_data_id, expiration_minutes, timeout)
        stream_url_to_file(url, target, expected_size=int(metadata.file_size_bytes), timeout=timeout,
                           progress=progress)
        return target
