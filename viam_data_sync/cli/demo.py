"""``viam-data-sync demo``: a local Data API server, seeded and queried through the
SDK, with a check after every step and a ``summary.json`` at the end.

It runs what a user would: uploads of readings, images and streams, tabular exports
(JSON Lines and CSV), SQL and MQL queries, a binary export and its resume, tags, a
dataset and (with pandas) a DataFrame. Every count and checksum must round-trip.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as _dt
import json
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List

from viam_data_sync._extras import install_command
from viam_data_sync._atomic import write_text_atomic
from viam_data_sync._dest import dumps
from viam_data_sync.cli import _demo_seed as seed
from viam_data_sync.cli._demo_files import sha256
from viam_data_sync.cli._errors import EXIT_FAILURE, EXIT_OK, explain
from viam_data_sync.cli._parser import PROG, add_command
from viam_data_sync.cli._secrets import redact, remember_secret
from viam_data_sync.cli.export.binary import BinaryExportResult, export_binary
from viam_data_sync.cli.export.tabular import export_tabular

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers

LOG = logging.getLogger(__name__)

_SQL = (
    "SELECT component_name, COUNT(*) AS n, "
    "AVG(data.readings.temperature_c) AS avg_temp_c, "
    "MAX(time_received) AS latest FROM readings "
    "WHERE time_received >= CAST('2000-01-01T00:00:00.000Z' AS TIMESTAMP) "
    "GROUP BY component_name ORDER BY component_name"
)
_MQL: List[Dict[str, Any]] = [
    {"$match": {"component_type": "rdk:component:sensor"}},
    {
        "$group": {
            "_id": "$data.readings.site",
            "n": {"$sum": 1},
            "max_co2_ppm": {"$max": "$data.readings.co2_ppm"},
        }
    },
    {"$sort": {"_id": 1}},
]


def run_demo(out: str = "demo-output", *, quiet: bool = False) -> int:
    """Run the demo (see ``viam-data-sync demo --help``); returns the exit code.

    Example::

        assert run_demo("demo-output", quiet=True) == 0
    """
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    return _Demo(directory, quiet).run()


class _Demo:
    """The demo's steps, checks and report."""

    def __init__(self, out: Path, quiet: bool) -> None:
        self.out = out
        self.quiet = quiet
        self.steps: List[Dict[str, Any]] = []
        self.failures: List[str] = []
        self.seeded = seed.Seeded()

    # ------------------------------------------------------------ reporting
    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def check(self, ok: bool, what: str) -> bool:
        if not ok:
            self.failures.append(what)
            print(f"{PROG}: demo check failed: {what}", file=sys.stderr)
        return ok

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[Dict[str, Any]]:
        """Time one step; a failure is reported and recorded, and the demo goes on."""
        record: Dict[str, Any] = {"step": name}
        started = time.perf_counter()
        try:
            yield record
            record["ok"] = True
        except Exception as exc:  # noqa: BLE001 - a failed step is reported, the demo goes on
            _code, message = explain(exc)
            record["ok"] = False
            record["error"] = message
            self.failures.append(f"{name}: {message}")
            print(f"{PROG}: demo step '{name}' failed: {redact(message)}", file=sys.stderr)
            LOG.debug("step %s failed", name, exc_info=True)
        finally:
            record["seconds"] = round(time.perf_counter() - started, 3)
            self.steps.append(record)
            detail = record.get("detail", "")
            mark = "ok " if record["ok"] else "FAIL"
            self.say(f"  {mark} {name:<28} {record['seconds']:6.2f}s  {detail}")

    # ------------------------------------------------------------ the run
    def run(self) -> int:
        from viam_data_sync import DataClient
        from viam_data_sync.proto import Filter
        from viam_data_sync.server import LocalDataServer

        started = time.perf_counter()
        self._prepare_output()
        self.say(f"{PROG} demo: a local Data API server, seeded and queried through the SDK")
        with LocalDataServer(auth=True) as server:
            self.say(f"  server  {server.address} (auth on, organization {server.organization_id})")
            client = DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True)
            remember_secret(server.api_key)
            org = server.organization_id
            readings = Filter(organization_ids=[org], component_type="rdk:component:sensor")
            everything = Filter(organization_ids=[org])
            with client:
                self._upload(client, server.part_id)
                self._export_tabular(client, readings)
                self._queries(client, org)
                self._export_binary(client, everything)
                self._tags(client, org, everything)
                self._dataset(client, org)
                with self.step("pandas DataFrame") as s:
                    s["detail"] = self._dataframe(client, readings)
        return self._report(time.perf_counter() - started)

    def _prepare_output(self) -> None:
        for sub in ("tabular", "queries", "binary", "dataset", "source"):
            shutil.rmtree(self.out / sub, ignore_errors=True)
        for sub in ("tabular", "queries", "source"):
            (self.out / sub).mkdir(parents=True, exist_ok=True)

    def _upload(self, client: Any, part: str) -> None:
        source = self.out / "source"
        t0 = (_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(hours=1)).replace(microsecond=0)
        with self.step("upload sensor readings") as s:
            self.seeded.rows = seed.seed_readings(client, part, t0)
            s["detail"] = f"{self.seeded.rows} rows, {len(seed.SENSORS)} sensors"
        with self.step("upload camera images") as s:
            size = seed.seed_images(client, part, t0, source, self.seeded)
            s["detail"] = f"{seed.IMAGES} PNG files, {size} bytes"
        with self.step("streamed uploads") as s:
            size = seed.seed_streams(client, part, t0, source, self.seeded)
            s["detail"] = f"point cloud + log file, {size} bytes in chunks"

    def _export_tabular(self, client: Any, readings: Any) -> None:
        rows = self.seeded.rows
        jsonl, csv_path = self.out / "tabular" / "readings.jsonl", self.out / "tabular" / "readings.csv"
        with self.step("export tabular -> jsonl") as s:
            result = export_tabular(client, readings, str(jsonl))
            self.check(result.rows == rows, f"jsonl export has {result.rows} rows, uploaded {rows}")
            lines = jsonl.read_text().splitlines()
            self.check(len(lines) == rows, f"readings.jsonl has {len(lines)} lines")
            first = json.loads(lines[0]) if lines else {}
            self.check(
                "temperature_c" in first.get("data", {}).get("readings", {}),
                "exported rows carry their readings payload",
            )
            s["detail"] = f"{result.rows} rows in {result.pages} pages"
        with self.step("export tabular -> csv") as s:
            export_tabular(client, readings, str(csv_path), fmt="csv")
            with open(csv_path, newline="", encoding="utf-8") as handle:
                csv_rows = list(csv.DictReader(handle))
            self.check(len(csv_rows) == rows, f"csv export has {len(csv_rows)} rows, uploaded {rows}")
            s["detail"] = f"{len(csv_rows)} rows"

    def _queries(self, client: Any, org: str) -> None:
        with self.step("SQL query") as s:
            records = client.tabular_data_by_sql(org, _SQL)
            self._save_records("sql.jsonl", records)
            counts = {r.get("component_name"): int(r.get("n", 0)) for r in records}
            expected = {name: seed.READINGS_PER_SENSOR for name, _ in seed.SENSORS}
            self.check(counts == expected, f"SQL counts per sensor {counts} != {expected}")
            s["detail"] = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        with self.step("MQL aggregation") as s:
            records = client.tabular_data_by_mql(org, _MQL)
            self._save_records("mql.jsonl", records)
            sites = {r.get("_id"): int(r.get("n", 0)) for r in records}
            expected_sites: Dict[str, int] = {}
            for _, site in seed.SENSORS:
                expected_sites[site] = expected_sites.get(site, 0) + seed.READINGS_PER_SENSOR
            self.check(sites == expected_sites, f"MQL counts per site {sites} != {expected_sites}")
            s["detail"] = ", ".join(f"{k}={v}" for k, v in sorted(sites.items()))

    def _save_records(self, name: str, records: List[Dict[str, Any]]) -> None:
        write_text_atomic(self.out / "queries" / name, "".join(dumps(r) + "\n" for r in records))

    def _export_binary(self, client: Any, everything: Any) -> None:
        uploaded = len(self.seeded.uploaded)
        with self.step("export binary") as s:
            exported = export_binary(client, everything, str(self.out / "binary"), include_metadata=True)
            self._verify_binary_export(self.out / "binary", exported)
            s["detail"] = f"{exported.downloaded} files, {exported.bytes_downloaded} bytes, SHA-256 verified"
        with self.step("export binary again (resume)") as s:
            again = export_binary(client, everything, str(self.out / "binary"), include_metadata=True)
            self.check(
                again.downloaded == 0 and again.skipped == uploaded,
                f"a rerun downloaded {again.downloaded} and skipped {again.skipped}",
            )
            s["detail"] = f"{again.skipped} already complete, {again.downloaded} downloaded"

    def _verify_binary_export(self, root: Path, result: BinaryExportResult) -> None:
        uploaded = self.seeded.uploaded
        files = sorted(p for p in (root / "data").iterdir() if not p.name.startswith("."))
        self.check(result.listed == len(uploaded), f"binary export listed {result.listed}, uploaded {len(uploaded)}")
        self.check(len(files) == len(uploaded), f"{len(files)} files in binary/data, uploaded {len(uploaded)}")
        exported = sorted(sha256(p.read_bytes()) for p in files)
        self.check(exported == sorted(uploaded.values()), "exported files' SHA-256 differ from the uploads")
        metas = list((root / "metadata").glob("*.json"))
        self.check(len(metas) == len(files), f"{len(metas)} metadata files for {len(files)} data files")

    def _tags(self, client: Any, org: str, everything: Any) -> None:
        from viam_data_sync.proto import Filter, TagsFilter, TagsFilterType

        with self.step("tags") as s:
            reviewed = self.seeded.image_ids[:5]
            client.add_tags_to_binary_data_by_ids(["reviewed"], reviewed)
            tags = sorted(client.tags_by_filter(everything))
            self.check("reviewed" in tags, f"tags_by_filter {tags} lacks 'reviewed'")
            tagged = Filter(
                organization_ids=[org],
                tags_filter=TagsFilter(type=TagsFilterType.TAGS_FILTER_TYPE_MATCH_BY_OR, tags=["reviewed"]),
            )
            found = sum(1 for _ in client.iter_binary(tagged, include_binary_data=False))
            self.check(found == len(reviewed), f"{found} items tagged 'reviewed', expected {len(reviewed)}")
            s["detail"] = f"{found} images tagged 'reviewed'; tags: {', '.join(tags)}"

    def _dataset(self, client: Any, org: str) -> None:
        from viam_data_sync.proto import Filter

        with self.step("dataset") as s:
            dataset_id = client.create_dataset("demo-camera-1", org)
            client.add_binary_data_to_dataset_by_ids(self.seeded.image_ids, dataset_id)
            names = [d.name for d in client.list_datasets_by_organization_id(org)]
            self.check("demo-camera-1" in names, f"datasets {names} lack demo-camera-1")
            in_dataset = export_binary(
                client, Filter(organization_ids=[org], dataset_id=dataset_id), str(self.out / "dataset")
            )
            self.check(
                in_dataset.listed == seed.IMAGES,
                f"dataset export has {in_dataset.listed} files, added {seed.IMAGES}",
            )
            s["detail"] = f"{in_dataset.listed} images in dataset {dataset_id}"

    def _dataframe(self, client: Any, readings: Any) -> str:
        """Readings into pandas (when installed), as a notebook user would."""
        try:
            import pandas  # noqa: F401
        except ImportError:
            return f"skipped: pandas not installed ({install_command('pandas')})"
        from viam_data_sync import tabular_to_dataframe

        frame = tabular_to_dataframe(client.iter_tabular(readings))
        self.check(len(frame) == self.seeded.rows, f"DataFrame has {len(frame)} rows")
        means = frame.groupby("component_name")["data.readings.temperature_c"].mean()
        return f"{frame.shape[0]}x{frame.shape[1]}; mean temperature_c " + ", ".join(
            f"{name}={value:.2f}" for name, value in means.items()
        )

    def _report(self, seconds: float) -> int:
        summary = {
            "seconds": round(seconds, 3),
            "ok": not self.failures,
            "failures": self.failures,
            "rows_uploaded": self.seeded.rows,
            "files_uploaded": len(self.seeded.uploaded),
            "steps": self.steps,
        }
        write_text_atomic(self.out / "summary.json", json.dumps(summary, indent=2) + "\n")
        self.say(
            f"\n  output in {self.out}/: tabular/readings.jsonl, tabular/readings.csv, "
            "queries/sql.jsonl, queries/mql.jsonl,\n"
            "    binary/data/ + binary/metadata/, dataset/data/, source/ (uploaded files), summary.json"
        )
        if self.failures:
            self.say(f"  demo FAILED ({len(self.failures)} problem(s)) in {seconds:.1f}s")
            return EXIT_FAILURE
        self.say(f"  demo passed: every count and checksum round-tripped, in {seconds:.1f}s")
        return EXIT_OK


# ---------------------------------------------------------------------- the command
def add_parser(commands: SubParsers) -> None:
    """``demo`` and its flags."""
    demo = add_command(
        commands, "demo", "seed a local server through the SDK and run real export/query jobs", _run,
        connection=False,
    )
    demo.add_argument(
        "--out", default="demo-output", metavar="DIR", help="output folder (default ./demo-output)"
    )


def _run(args: argparse.Namespace) -> int:
    return run_demo(args.out, quiet=args.quiet)
