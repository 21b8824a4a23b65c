"""What the sandbox saw: every Bot API request with its answer, counts for /control/stats, and
every webhook delivery attempt. Tests assert on these rather than on timing."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.sandbox.shapes import DeliveryView, RequestView, SpecViolationView, StatsView


@dataclass
class RequestRecord:
    seq: int
    method: str
    params: dict[str, Any]
    monotonic: float
    time: datetime
    status: int | None = None
    description: str | None = None
    fault: str | None = None

    def view(self) -> RequestView:
        return RequestView(
            seq=self.seq,
            method=self.method,
            params=self.params,
            status=self.status,
            description=self.description,
            fault=self.fault,
            monotonic=self.monotonic,
            time=self.time.isoformat(),
        )


class Records:
    def __init__(self) -> None:
        self.requests: list[RequestRecord] = []
        self.per_method: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.too_many_requests = 0
        self.faults: Counter[str] = Counter()
        self.spec_violations: list[SpecViolationView] = []
        self.deliveries: list[DeliveryView] = []

    def request(self, method: str, params: dict[str, Any], now: datetime) -> RequestRecord:
        record = RequestRecord(len(self.requests) + 1, method, params, time.monotonic(), now)
        self.requests.append(record)
        self.per_method[method] += 1
        return record

    def answered(
        self,
        record: RequestRecord,
        status: int | None,
        description: str | None = None,
        *,
        reason: str | None = None,
    ) -> None:
        """The answer given (None: no answer at all); a refusal is counted under `reason`
        (default: its description)."""
        record.status = status
        record.description = description
        if status == 429:
            self.too_many_requests += 1
        if status != 200:
            self.refused[reason or description or f"HTTP {status}"] += 1

    def fault(self, record: RequestRecord, kind: str) -> None:
        record.fault = kind
        self.faults[kind] += 1

    def spec_violation(self, record: RequestRecord, problems: list[str]) -> None:
        self.spec_violations.append(
            SpecViolationView(request_seq=record.seq, method=record.method, problems=problems)
        )

    def delivery(
        self,
        update_id: int,
        attempt: int,
        url: str,
        now: datetime,
        *,
        status: int | None,
        error: str | None,
    ) -> None:
        self.deliveries.append(
            DeliveryView(
                update_id=update_id,
                attempt=attempt,
                url=url,
                status=status,
                error=error,
                monotonic=time.monotonic(),
                time=now.isoformat(),
            )
        )

    def stats(self) -> StatsView:
        return StatsView(
            requests=len(self.requests),
            per_method=dict(self.per_method),
            too_many_requests=self.too_many_requests,
            refused=dict(self.refused),
            faults=dict(self.faults),
            spec_violations=list(self.spec_violations),
        )
