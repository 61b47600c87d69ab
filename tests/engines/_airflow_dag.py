"""A DAG that plans an hour of readings and exports each partition twice (JSON Lines
and Parquet) in mapped tasks, then records the exports' XComs. Run by
test_airflow.py with ``dag.test()`` in a subprocess (DEST is set in the environment)."""
from __future__ import annotations

import datetime as dt
import json
import os

import pendulum
from airflow.sdk import DAG, task
from airflow.timetables.interval import DeltaDataIntervalTimetable

from viam_data_sync.airflow import ViamExportPartitionOperator, ViamPlanPartitionsOperator

DEST = os.environ["VIAM_TEST_DEST"]

with DAG("viam_export_window", schedule=DeltaDataIntervalTimetable(dt.timedelta(hours=1)),
         start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False) as dag:
    plan = ViamPlanPartitionsOperator(task_id="plan", filter={"component_name": "sensor-1"},
                                      target_rows=2500, with_schema=True)
    retrying = {"retries": 2, "retry_delay": dt.timedelta(seconds=0)}
    jsonl = ViamExportPartitionOperator.partial(task_id="export_jsonl", dest=f"{DEST}/jsonl", format="jsonl",
                                                **retrying).expand(partition=plan.output)
    parquet = ViamExportPartitionOperator.partial(task_id="export_parquet", dest=f"{DEST}/parquet",
                                                  format="parquet", **retrying).expand(partition=plan.output)

    @task
    def record(plan, jsonl, parquet):
        with open(f"{DEST}/xcoms.json", "w") as out:
            json.dump({"plan": list(plan), "jsonl": list(jsonl), "parquet": list(parquet)}, out)

    record(plan.output, jsonl.output, parquet.output)

if __name__ == "__main__":
    run = dag.test(logical_date=pendulum.parse(os.environ["VIAM_TEST_LOGICAL_DATE"]))
    print(json.dumps({"state": str(run.state), "tries": sorted(
        [ti.task_id, ti.map_index, str(ti.state), ti.try_number] for ti in run.get_task_instances())}))
