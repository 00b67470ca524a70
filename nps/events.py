"""What the NPS app announces (core.events), published inside the transaction of the
service that made it true; ids only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResponseRecorded:
    """A customer answered a survey (`response_record`): the score is stored; a comment
    may follow within the edit window (`response_add_details`)."""

    response_id: int
    score: int


@dataclass(frozen=True)
class ExportFinished:
    """An export job ended (`export_job_run`), with its file or with the reason it
    failed."""

    job_id: int
    succeeded: bool
