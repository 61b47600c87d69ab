"""``ViamDataHook``: a :class:`~viam_data_sync.DataClient` from an Airflow connection."""
from __future__ import annotations

from typing import Any, Dict, Optional

from airflow.sdk import BaseHook

from viam_data_sync._client import DataClient
from viam_data_sync._defaults import DEFAULT_ADDRESS, DEFAULT_DEADLINE, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT, is_yes
from viam_data_sync._retry import RetryPolicy
from viam_data_sync.airflow import UI_FIELD_BEHAVIOUR


class ViamDataHook(BaseHook):
    """Connects to the Viam Data API with a connection of type ``viam``.

    The connection's login is the API key id, its password the API key and its host
    the address (``app.viam.com:443`` when empty); its extras are ``insecure``
    (plaintext, for a local server), ``timeout`` (per call, seconds), ``deadline`` and
    ``max_attempts`` (of the retry policy). The client is built in :meth:`get_conn`,
    when a task runs, never when the DAG is parsed; it is closed with the hook.

    Example::

        with ViamDataHook("viam_default") as hook:
            for row in hook.get_conn().iter_tabular(create_filter(component_name="sensor-1")):
                ...
    """

    conn_name_attr = "viam_conn_id"
    default_conn_name = "viam_default"
    conn_type = "viam"
    hook_name = "Viam Data API"

    def __init__(self, viam_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.viam_conn_id = viam_conn_id
        self._client: Optional[DataClient] = None

    @classmethod
    def get_ui_field_behaviour(cls) -> Dict[str, Any]:
        """Which connection-form fields are shown, and what they are called."""
        return UI_FIELD_BEHAVIOUR

    def client_options(self) -> Dict[str, Any]:
        """The ``DataClient.from_api_key`` arguments the connection gives (with the key)."""
        conn = self.get_connection(self.viam_conn_id)
        extra = conn.extra_dejson
        if not conn.login or not conn.password:
            raise ValueError(f"connection {self.viam_conn_id!r}: set the API key id (login) and key (password)")
        address = conn.host or DEFAULT_ADDRESS
        if conn.port and ":" not in address:
            address = f"{address}:{conn.port}"
        policy = RetryPolicy(max_attempts=int(extra.get("max_attempts", DEFAULT_MAX_ATTEMPTS)),
                             deadline=float(extra.get("deadline", DEFAULT_DEADLINE)))
        timeout = extra.get("timeout", DEFAULT_TIMEOUT)
        return {"api_key": conn.password, "api_key_id": conn.login, "address": address,
                "insecure": is_yes(extra.get("insecure", False)),
                "timeout": None if timeout is None else float(timeout), "retry": policy}

    def get_conn(self) -> DataClient:
        """The client (built on first use, then cached by this hook)."""
        if self._client is None:
            self._client = DataClient.from_api_key(**self.client_options())
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> "ViamDataHook":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def test_connection(self) -> "tuple[bool, str]":
        """Authenticate and make one cheap call (the form's "Test" button)."""
        try:
            with DataClient.from_api_key(**self.client_options()) as client:
                client.tabular_data_by_filter(limit=1, count_only=True)
        except Exception as exc:  # reported to the form, not raised
            return False, f"{type(exc).__name__}: {exc}"
        return True, "connected"
