"""``viam-data-sync``: the command line for the Viam Data API and the local server.

Commands::

    viam-data-sync serve   [--db PATH] [--host H] [--port N] [--no-auth]
    viam-data-sync demo    [--out DIR]
    viam-data-sync export tabular --dest FILE|- [--format jsonl|csv|table|parquet] [filter flags]
    viam-data-sync export binary  --dest DIR [--parallel N] [--include-metadata] [filter flags]
    viam-data-sync sync tabular --org-id O --state FILE --dest DIR [--component-name C] [--format jsonl|parquet]
    viam-data-sync upload  PATH... --part-id P [--recursive] [--tags a,b] [--dataset-id D]
    viam-data-sync upload  --tabular FILE.jsonl... --part-id P [--component-name C] [--batch-size N]
    viam-data-sync sql     --org-id O QUERY            [--format jsonl|csv|table]
    viam-data-sync mql     --org-id O PIPELINE_JSON    [--format jsonl|csv|table]
    viam-data-sync delete tabular --org-id O --older-than-days N [--yes]
    viam-data-sync delete binary  [filter flags] | --ids ID,... [--yes]
    viam-data-sync datasets list|create|rename|delete|add|remove ...

Credentials: the API key id from ``--api-key-id`` or ``VIAM_API_KEY_ID``; the key itself
only from ``VIAM_API_KEY`` or ``--api-key-file`` (see :mod:`._connection`). Secrets
are never printed, in results, errors or logs (:mod:`._secrets`).

Results go to stdout, messages to stderr; every failure is one line on stderr and a
distinct exit code (see :data:`EXIT_CODES`); ``--verbose`` adds tracebacks and the
SDK's log (its retries, for one).

**Exports are resumable.** ``export tabular`` writes ``FILE.partial`` plus a
checkpoint after each page and renames the file into place when complete; a rerun
continues from the checkpoint to the very bytes an uninterrupted run writes
(:mod:`.export.tabular`); Parquet is written whole, atomically, and a rerun starts it
again. ``export binary`` writes each file to a temporary name and
renames it when complete, so a file under its final name is always whole; a rerun
skips those (:mod:`.export.binary`).

Long commands draw a progress bar (tqdm) when stderr is a terminal; ``--quiet`` turns
it off, ``--progress`` forces it on. grpc's own C-core log is turned off
(``GRPC_VERBOSITY=NONE``, unless set) so that a failure stays one line.

Modules: one per command (``serve``, ``demo``, ``export`` with ``tabular`` and
``binary``, ``sync``, ``upload`` with ``upload_tabular``, ``query`` for ``sql`` and ``mql``,
``delete``, ``datasets``), each with its own ``add_parser``; shared ones for the
parser frame (``_parser``), the connection (``_connection``), exit codes
(``_errors``), output and formats (``_output``), progress bars (``_progress``),
confirmations (``_confirm``) and redaction (``_secrets``). The functions :func:`export_tabular`,
:func:`export_binary` and :func:`upload_paths` are what the commands run; the demo
calls them too.

Example::

    from viam_data_sync.cli import main
    main(["export", "tabular", "--component-name", "sensor-1", "--dest", "readings.jsonl"])
"""

from viam_data_sync.cli._errors import EXIT_CODES, CliError, explain
from viam_data_sync.cli._main import build_parser, main
from viam_data_sync.cli.demo import run_demo
from viam_data_sync.cli.export.binary import BinaryExportResult, export_binary
from viam_data_sync.cli.export.tabular import TabularExportResult, export_tabular
from viam_data_sync._ledger import UploadResult
from viam_data_sync.cli.upload import upload_paths

__all__ = [
    "EXIT_CODES",
    "BinaryExportResult",
    "CliError",
    "TabularExportResult",
    "UploadResult",
    "build_parser",
    "explain",
    "export_binary",
    "export_tabular",
    "main",
    "run_demo",
    "upload_paths",
]
