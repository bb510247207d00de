"""The definitions validate through the dagster CLI (the README's commands run in test_readme_path)."""

from fakestore_platform_tests.dagster_cli import dagster_cli


def test_definitions_validate(platform_env) -> None:
    result = dagster_cli("definitions", "validate", "-w", "workspace.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "All code locations passed validation" in result.stderr + result.stdout
