"""What every app the tests build would compile alike, compiled once per session (tests only).

Each test builds its own app (tests/conftest.py), and each app compiled every template it rendered,
a URL builder for every route and, in a new engine, every SQL statement it ran: together more than
half of the suite's time. Templates and builders are code that depends only on the source and on
settings every app shares, so the tests keep them across apps, keyed by all they depend on; apps on
the same database share one engine (its pool is emptied after each test, tests/conftest.py), and with
it the statements it compiled. Production builds one app and is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from types import CodeType
from typing import Any

import flask_sqlalchemy.extension
from flask import Flask
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from sqlalchemy.engine import URL, Engine, make_url
from werkzeug.routing.rules import Rule


def _settings(environment: Environment, name: str) -> Hashable:
    """Everything Jinja's compiler reads from the environment besides the source."""
    e = environment
    return (
        type(e), e.code_generator_class, e.context_class, e.is_async, e.optimized, e.finalize,
        e.block_start_string, e.block_end_string, e.variable_start_string, e.variable_end_string,
        e.comment_start_string, e.comment_end_string, e.line_statement_prefix, e.line_comment_prefix,
        e.trim_blocks, e.lstrip_blocks, e.newline_sequence, e.keep_trailing_newline,
        tuple(sorted(e.extensions)),
        e.autoescape(name) if callable(e.autoescape) else e.autoescape,
        tuple(sorted((n, getattr(f, "jinja_pass_arg", None)) for n, f in e.filters.items())),
        tuple(sorted((n, getattr(f, "jinja_pass_arg", None)) for n, f in e.tests.items())),
    )


class SharedBytecode(BytecodeCache):
    """Compiled templates in memory, for every environment with the same settings."""

    def __init__(self) -> None:
        self.code: dict[Hashable, CodeType] = {}

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        key = (name, filename, source, _settings(environment, name))
        bucket = Bucket(environment, key, "")  # type: ignore[arg-type]  # any hashable key serves
        bucket.code = self.code.get(key)
        return bucket

    def set_bucket(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self.code[bucket.key] = bucket.code


def _shared_builders(compile_builder: Callable[..., Any]) -> Callable[..., Any]:
    """Rule._compile_builder, once per shape of rule. The function it makes takes the rule as its first
    argument and reads nothing else from it but its converters at call time; a rule's defaults are
    compiled into it as constants, so a rule with defaults gets its own, as before."""
    builders: dict[Hashable, Any] = {}

    def compile_once(rule: Rule, append_unknown: bool = True) -> Any:
        if rule.defaults:
            return compile_builder(rule, append_unknown)
        key = (tuple(rule._trace), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    return compile_once


_engines: dict[Hashable, Engine] = {}


def close_connections() -> None:
    """Close every connection the shared engines hold: after a test, before its database goes."""
    for engine in _engines.values():
        engine.dispose()


def _shared_engines(make_engine: Callable[..., Engine]) -> Callable[..., Engine]:
    """SQLAlchemy._make_engine, once per database address and engine options."""
    engines = _engines

    def engine_once(extension: Any, bind_key: str | None, options: dict[str, Any], app: Flask) -> Engine:
        url = options.get("url")
        address = make_url(url).render_as_string(hide_password=False) if isinstance(url, str | URL) else repr(url)
        key = (bind_key, address, repr(sorted((k, repr(v)) for k, v in options.items() if k != "url")))
        if key not in engines:
            engines[key] = make_engine(extension, bind_key, options, app)
        return engines[key]

    return engine_once


@contextmanager
def shared_across_apps() -> Iterator[None]:
    """While open, every app built shares compiled templates and URL builders with the others."""
    bytecode = SharedBytecode()
    create_jinja_environment = Flask.create_jinja_environment
    compile_builder = Rule._compile_builder
    make_engine = flask_sqlalchemy.extension.SQLAlchemy._make_engine

    def environment_sharing_bytecode(app: Flask) -> Environment:
        environment = create_jinja_environment(app)
        environment.bytecode_cache = bytecode
        return environment

    Flask.create_jinja_environment = environment_sharing_bytecode  # type: ignore[method-assign]
    Rule._compile_builder = _shared_builders(compile_builder)  # type: ignore[method-assign]
    flask_sqlalchemy.extension.SQLAlchemy._make_engine = _shared_engines(make_engine)  # type: ignore[method-assign]
    try:
        yield
    finally:
        Flask.create_jinja_environment = create_jinja_environment  # type: ignore[method-assign]
        Rule._compile_builder = compile_builder  # type: ignore[method-assign]
        flask_sqlalchemy.extension.SQLAlchemy._make_engine = make_engine  # type: ignore[method-assign]
