"""An Airflow provider for the Viam Data API (the ``airflow`` extra).

``ViamDataHook`` (connection type ``viam``) and the operators of
:mod:`viam_data_sync.airflow.operators`. Installing the package registers the provider
through the ``apache_airflow_provider`` entry point (:func:`get_provider_info`), so the
connection form shows the ``viam`` fields. Importing this package does not import
Airflow; the hook and operators do.

Example::

    from viam_data_sync.airflow import ViamExportPartitionOperator, ViamPlanPartitionsOperator

    plan = ViamPlanPartitionsOperator(task_id="plan", filter={"component_name": "sensor-1"})
    ViamExportPartitionOperator.partial(task_id="export", dest="/data/readings").expand(partition=plan.output)
"""
from __future__ import annotations

from typing import Any, Dict

from viam_data_sync._defaults import DEFAULT_ADDRESS, DEFAULT_DEADLINE, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT
from viam_data_sync._version import __version__

_LAZY = {
    "ViamDataHook": "viam_data_sync.airflow.hooks",
    "ViamPlanPartitionsOperator": "viam_data_sync.airflow.operators",
    "ViamExportPartitionOperator": "viam_data_sync.airflow.operators",
    "ViamExportBinaryOperator": "viam_data_sync.airflow.operators",
    "ViamUploadOperator": "viam_data_sync.airflow.operators",
    "ViamQueryOperator": "viam_data_sync.airflow.operators",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


def _field(label: str, type_: str, default: Any = None, description: str = "") -> Dict[str, Any]:
    schema: Dict[str, Any] = {"type": [type_, "null"]}
    if default is not None:
        schema["default"] = default
    field: Dict[str, Any] = {"label": label, "schema": schema}
    if description:
        field["description"] = description
    return field


#: The ``viam`` connection form: which fields show and what they are called (read by
#: Airflow from the provider info, and by ``ViamDataHook.get_ui_field_behaviour``).
UI_FIELD_BEHAVIOUR: Dict[str, Any] = {
    "hidden_fields": ["schema", "extra", "port"],
    "relabeling": {"login": "API key id", "password": "API key", "host": "Address (host:port)"},
    "placeholders": {"host": DEFAULT_ADDRESS},
}


def get_provider_info() -> Dict[str, Any]:
    """The provider's description for Airflow (the ``apache_airflow_provider`` entry point)."""
    return {
        "package-name": "viam-data-sync",
        "name": "Viam Data API",
        "description": "Plan, export and upload Viam data with viam-data-sync.",
        "versions": [__version__],
        "hooks": [{"integration-name": "Viam Data API", "python-modules": ["viam_data_sync.airflow.hooks"]}],
        "operators": [{"integration-name": "Viam Data API", "python-modules": ["viam_data_sync.airflow.operators"]}],
        "connection-types": [{
            "hook-class-name": "viam_data_sync.airflow.hooks.ViamDataHook",
            "hook-name": "Viam Data API",
            "connection-type": "viam",
            "conn-fields": {
                "insecure": _field("Insecure (plaintext, local server only)", "boolean", False),
                "timeout": _field("Per-call timeout (seconds)", "number", DEFAULT_TIMEOUT),
                "deadline": _field("Retry deadline of a call (seconds)", "number", DEFAULT_DEADLINE),
                "max_attempts": _field("Attempts per call", "integer", DEFAULT_MAX_ATTEMPTS),
            },
            "ui-field-behaviour": {key.replace("_", "-"): value for key, value in UI_FIELD_BEHAVIOUR.items()},
        }],
    }


__all__ = ["get_provider_info", *_LAZY]
