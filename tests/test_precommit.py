"""The integrations: the pre-commit hook run by the real `pre-commit` tool, and the GitHub Action.

The slow tests build a throw-away git repository holding this project's current files (so
they test the working tree, not the last commit), let `pre-commit` install the hook from it
into its own environment (which downloads the dependencies from the package index), and run
the action's steps with bash the way a runner does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

HOOKS = REPO / ".pre-commit-hooks.yaml"
ACTION = REPO / "action.yml"
GIT = shutil.which("git")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "wikigraph tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "wikigraph tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def test_precommit__hook_definition() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and len(hooks) == 1
    hook = hooks[0]
    assert hook["id"] == "wikigraph-check"
    assert hook["entry"] == "wikigraph check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False  # a link check needs the whole vault
    assert hook["require_serial"] is True
    assert re.search(hook["files"], "notes/Plan.md")
    assert not re.search(hook["files"], "notes/diagram.png")


def test_precommit__action_definition() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["name"] and action["description"]
    assert set(action["branding"]) == {"icon", "color"}
    inputs = action["inputs"]
    assert {name: spec["default"] for name, spec in inputs.items()} == {
        "vault": ".",
        "args": "--format github",
        "version": "",
    }
    assert all(spec["description"] and spec["required"] is False for spec in inputs.values())
    runs = action["runs"]
    assert runs["using"] == "composite"
    used: set[str] = set()
    for step in runs["steps"]:
        assert step["shell"] == "bash" and step["name"]
        # Inputs reach the scripts only through the environment, never pasted into code.
        assert "${{" not in step["run"]
        for value in step.get("env", {}).values():
            used.update(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", value))
    assert used == set(inputs)
    assert 'wikigraph" check' in runs["steps"][-1]["run"]


def _copy_project(target: Path) -> Path:
    """This project's packaging files and sources, as a fresh git repository."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "action.yml"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, target / name)
    for licence in REPO.glob("LICEN[CS]E*"):
        shutil.copy2(licence, target / licence.name)
    shutil.copytree(
        REPO / "src",
        target / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"),
    )
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot")
    return target


def _git(cwd: Path, *args: str) -> str:
    assert GIT is not None
    done = subprocess.run(
        [GIT, *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GIT is None:
        pytest.skip("git is not installed")
    return _copy_project(tmp_path_factory.mktemp("project") / "wikigraph")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _vault_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _git(root, "add", "-A")
    return root


def _pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_precommit__try_repo_fails_on_a_broken_link_then_passes(
    project: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    vault = _vault_repo(
        tmp_path / "vault-repo",
        {"notes/Home.md": "# Home\n\nSee [[Plna]].\n", "notes/Plan.md": "[[Home]]\n"},
    )
    failed = _pre_commit(
        vault, pre_commit_home, "try-repo", str(project), "wikigraph-check", "--all-files"
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "wikigraph check" in failed.stdout and "Failed" in failed.stdout
    assert (
        'notes/Home.md:3:5: error: no note named "Plna" (did you mean [[Plan]]?) [broken-link]'
        in failed.stdout
    )
    (vault / "notes" / "Home.md").write_text("# Home\n\nSee [[Plan]].\n", encoding="utf-8")
    _git(vault, "add", "-A")
    passed = _pre_commit(
        vault, pre_commit_home, "try-repo", str(project), "wikigraph-check", "--all-files"
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


@pytest.mark.slow
def test_precommit__config_with_args_and_files_filter(
    project: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    revision = _git(project, "rev-parse", "HEAD")
    config = (
        "repos:\n"
        f"  - repo: {project.as_posix()}\n"
        f"    rev: {revision}\n"
        "    hooks:\n"
        "      - id: wikigraph-check\n"
        '        args: [".", "--fail-level", "warning"]\n'
    )
    vault = _vault_repo(
        tmp_path / "root-vault",
        {
            ".pre-commit-config.yaml": config,
            "Home.md": "[[Ideas]] [[]]\n",
            "Ideas.md": "[[Home]]\n",
            "picture.png": "not really a picture\n",
        },
    )
    result = _pre_commit(vault, pre_commit_home, "run", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Home.md:1:11: warning: empty link "[[]]" [empty-link]' in result.stdout
    # Only Markdown files trigger the hook.
    skipped = _pre_commit(vault, pre_commit_home, "run", "--files", "picture.png")
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "(no files to check)Skipped" in skipped.stdout.replace(".", "")


def _github_expressions(text: str, inputs: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], text)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_precommit__action_steps_run_like_on_a_runner(project: Path, tmp_path: Path) -> None:
    action = yaml.safe_load((project / "action.yml").read_text(encoding="utf-8"))
    inputs = {name: str(spec["default"]) for name, spec in action["inputs"].items()}
    inputs["vault"] = "notes"
    workspace = tmp_path / "workspace"
    (workspace / "notes").mkdir(parents=True)
    (workspace / "notes" / "Home.md").write_text("Read [[Plna]].\n", encoding="utf-8")
    (workspace / "notes" / "Plan.md").write_text("[[Home]]\n", encoding="utf-8")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    github_env = tmp_path / "github-env"
    github_env.write_text("", encoding="utf-8")
    base_env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "NO_COLOR")},
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_ACTION_PATH": str(project),
        "GITHUB_ENV": str(github_env),
        "GITHUB_WORKSPACE": str(workspace),
    }
    outputs = []
    for step in action["runs"]["steps"]:
        env = dict(base_env)
        for line in github_env.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        env.update({k: _github_expressions(str(v), inputs) for k, v in step.get("env", {}).items()})
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        outputs.append(done)
    install, check = outputs
    assert install.returncode == 0, install.stdout + install.stderr
    assert check.returncode == 1, check.stdout + check.stderr
    assert check.stdout == (
        "::error file=notes/Home.md,line=1,col=6,endLine=1,endColumn=13,"
        'title=wikigraph broken-link::no note named "Plna" (did you mean [[Plan]]?)\n'
    )
    assert check.stderr == "Found 1 error in 1 of 2 notes.\n"
