"""The pytest plugin, as a user's test suite sees it (through the pytest11 entry point)."""

from __future__ import annotations

from importlib.metadata import entry_points

pytest_plugins = ["pytester"]


def test_plugin_is_registered_by_entry_point():
    names = {(ep.name, ep.value) for ep in entry_points(group="pytest11")}
    assert ("viam_data_sync", "viam_data_sync.testing._plugin") in names


def test_testing_package_does_not_import_pytest_plugin():
    import viam_data_sync.testing as testing

    assert not hasattr(testing, "viam_server")


def test_user_suite_uses_the_fixtures(pytester):
    pytester.makepyfile(
        test_user_etl="""
        import datetime as dt

        def my_etl(client, org_id):
            rows = client.tabular_data_by_sql(org_id, "SELECT COUNT(*) AS n FROM readings")
            return rows[0]["n"]

        def test_fixtures(viam_server, viam_client):
            now = dt.datetime.now(dt.timezone.utc)
            viam_client.tabular_data_capture_upload(
                [{"readings": {"t": 1}}, {"readings": {"t": 2}}], viam_server.part_id,
                "rdk:component:sensor", "sensor-1", "Readings", [(now, now), (now, now)])
            assert my_etl(viam_client, viam_server.organization_id) == 2

        def test_each_test_gets_a_fresh_server(viam_server, viam_client):
            assert viam_server.auth_enabled
            assert viam_client.tabular_data_by_sql(viam_server.organization_id,
                                                   "SELECT COUNT(*) AS n FROM readings")[0]["n"] == 0
    """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)
