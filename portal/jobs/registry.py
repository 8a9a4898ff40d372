"""Job kinds: each app registers the runners of its background jobs in its own ``jobs.py``.

    @register("documents.batch", label="サービス提供票の一括作成", deadline=120)
    def run_batch(job): ...

A runner gets the ``Job`` (inside its office's scope), may report progress with
``portal.jobs.services.job_progress``, raises ``JobFailed("…日本語…")`` for a failure that
retrying cannot fix, and any other exception for one worth retrying (up to ``max_attempts``).
``on_failed(job)`` (optional) lets the app mark its own record failed too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class JobFailed(Exception):
    """A failure to show the user as is (Japanese, no personal data); the job is not retried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    runner: Callable
    deadline: int  # seconds a queued job may wait before the page says it is late
    on_failed: Callable | None = None
    on_retry: Callable | None = None
    detail_url: Callable | None = None  # job -> the page that shows it (where 「もう一度」 returns)


KINDS: dict[str, JobKind] = {}


def register(name: str, *, label: str, deadline: int = 120, on_failed=None, on_retry=None, detail_url=None):
    def decorator(runner):
        KINDS[name] = JobKind(
            name=name,
            label=label,
            runner=runner,
            deadline=deadline,
            on_failed=on_failed,
            on_retry=on_retry,
            detail_url=detail_url,
        )
        return runner

    return decorator


def get_kind(name: str) -> JobKind:
    return KINDS[name]


def kind_label(name: str) -> str:
    kind = KINDS.get(name)
    return kind.label if kind else name


def kind_deadline(name: str) -> int:
    kind = KINDS.get(name)
    return kind.deadline if kind else 120
