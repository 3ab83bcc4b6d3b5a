"""Runtime settings: every ``BANGFU_*`` environment variable, in one class.

:class:`Settings` (pydantic-settings) declares each variable with its type, its default
and what it does, in Chinese and English. ``bangfu serve`` and every worker check them all
at start-up (:func:`check`): a bad value stops the server with a message naming the
variable, the value and what is expected, in both languages, instead of failing on the
first request that reads it. The README's table of variables is made from this class
(``python -m core.settings``; ``tests/test_settings.py`` fails when it drifts).

Modules read a setting through :func:`get` (or the helpers below), which reads the
environment each time (a test may set a variable for its own duration) and validates a
value once: asking again costs one dictionary look-up while the value stays the same.
Command-line options override the environment where a command has them
(``--database-url``).
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "BANGFU_"
DEFAULT_DATABASE_FILE = "bangfu.db"
DEFAULT_TEST_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

PositiveInt = Annotated[int, Field(gt=0)]


def _doc(en: str, zh: str, expected: tuple[str, str] | None = None) -> dict[str, Any]:
    """A field's description in both languages (the README's table), and what a valid
    value is, for the start-up error."""
    extra: dict[str, Any] = {"zh": zh}
    if expected:
        extra["expected_en"], extra["expected_zh"] = expected
    return {"description": en, "json_schema_extra": extra}


_WHOLE = ("a whole number above 0", "大于 0 的整数")
_DATE = ("a date YYYY-MM-DD", "YYYY-MM-DD 格式的日期")


class Settings(BaseSettings):
    """Every ``BANGFU_*`` variable. Unset or empty: the default."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    # ------------------------------------------------------------------ database
    database_url: str | None = Field(
        None,
        **_doc(
            "SQLAlchemy URL of the database; default a SQLite file bangfu.db in the working "
            "folder. Production: postgresql+psycopg://bangfu_app:...@host/bangfu",
            "数据库地址(SQLAlchemy 格式);默认为当前目录下的 SQLite 文件 bangfu.db",
        ),
    )
    statement_timeout_ms: PositiveInt = Field(
        30_000,
        **_doc(
            "PostgreSQL's statement_timeout on every connection of the application (ms)",
            "每个 PostgreSQL 连接的语句超时(毫秒)",
            _WHOLE,
        ),
    )
    # ------------------------------------------------------------------ personal data
    id_hash_key: str | None = Field(
        None,
        **_doc(
            "the key of the resident-ID hashes (at least 32 characters; no default: "
            "bangfu serve refuses to start without it or the key file)",
            "身份证号哈希密钥(至少 32 个字符;没有默认值)",
        ),
    )
    id_hash_key_file: Path | None = Field(
        None,
        **_doc(
            "a file holding that key, instead of BANGFU_ID_HASH_KEY",
            "存放上述密钥的文件(代替 BANGFU_ID_HASH_KEY)",
        ),
    )
    # ------------------------------------------------------------------ serving
    trusted_proxies: str | None = Field(
        None,
        **_doc(
            "addresses (comma-separated, or *) of the reverse proxies whose "
            "X-Forwarded-Proto and X-Forwarded-For are believed; default none",
            "可信反向代理地址(逗号分隔);只信任这些代理的 X-Forwarded-* 头",
        ),
    )
    body_timeout_seconds: PositiveInt = Field(
        10,
        **_doc(
            "the longest a client may take to send a request body; slower is answered 408",
            "客户端发送请求体的最长时间(秒),超时返回 408",
            _WHOLE,
        ),
    )
    header_timeout_seconds: PositiveInt = Field(
        10,
        **_doc(
            "the longest a connection may take to send a complete request head (the "
            "request line and headers); slower, or never, is closed",
            "连接发送完整请求头的最长时间(秒),超时即关闭连接",
            _WHOLE,
        ),
    )
    worker_threads: PositiveInt = Field(
        2,
        **_doc(
            "threads of a worker process running case work and staff pages at once",
            "每个工作进程同时处理案件和工作人员页面的线程数",
            _WHOLE,
        ),
    )
    evaluate_together: PositiveInt = Field(
        64,
        **_doc(
            "the most evaluate requests of a worker evaluated together as one batch; "
            "1 evaluates each alone",
            "同时到达的测算请求合并计算的最大数量;1 表示逐个计算",
            _WHOLE,
        ),
    )
    metrics_address: str | None = Field(
        None,
        **_doc(
            "where bangfu serve serves Prometheus metrics: HOST:PORT (a loopback or "
            "private address) or unix:/PATH; default none (no metrics served)",
            "Prometheus 指标的监听地址(HOST:PORT 或 unix:/路径);默认不提供",
        ),
    )
    log_format: str = Field(
        "json",
        pattern="^(json|text)$",
        **_doc(
            "json: one JSON object a line (request id, tenant, operation, outcome, "
            "latency); text: plain lines for a terminal",
            "日志格式:json(每行一个 JSON 对象)或 text(纯文本)",
            ("json or text", "json 或 text"),
        ),
    )
    # ------------------------------------------------------------------ staff sessions
    session_idle_minutes: PositiveInt = Field(
        30,
        **_doc(
            "a staff session ends after this many minutes without a request",
            "工作人员会话空闲多少分钟后失效",
            _WHOLE,
        ),
    )
    session_absolute_hours: PositiveInt = Field(
        12,
        **_doc(
            "... and this many hours after signing in, however busy",
            "工作人员会话登录后最长有效小时数",
            _WHOLE,
        ),
    )
    password: str | None = Field(
        None,
        **_doc(
            "the password of bangfu user create (default: asked for, not echoed)",
            "bangfu user create 使用的密码(默认交互输入)",
        ),
    )
    # ------------------------------------------------------------------ calendar, clock
    today: date | None = Field(
        None,
        **_doc(
            "pins the server's date (demonstrations and tests only; logged at start-up)",
            "固定系统日期(仅用于演示和测试)",
            _DATE,
        ),
    )
    calendars: Path | None = Field(
        None,
        **_doc(
            "the folder of the State Council's holiday schedules (YEAR.yaml, loaded with "
            "bangfu calendar load); default ./calendars",
            "国务院节假日安排文件所在目录;默认 ./calendars",
        ),
    )
    # ------------------------------------------------------------------ tenants, jobs, files
    tenants: str | None = Field(
        None,
        **_doc(
            "tenant codes to serve (comma-separated, with their ancestors); default every "
            "installed tenant",
            "只加载这些租户(逗号分隔);默认加载全部已安装租户",
        ),
    )
    jobs_heartbeat_seconds: Annotated[float, Field(gt=0)] = Field(
        10.0,
        **_doc(
            "how often a jobs worker shows it is alive (seconds); a job whose worker has "
            "shown no life for three times this is given to another worker, or failed",
            "任务进程报告存活的间隔(秒);超过三倍间隔无响应的任务交由其他进程重做或标为失败",
            ("a number of seconds above 0", "大于 0 的秒数"),
        ),
    )
    evidence_folder: Path | None = Field(
        None,
        **_doc(
            "where evidence documents (scans of bills, certificates) are kept, one file per "
            "content hash; default the database. Every server must see the same folder",
            "证明材料的存放目录(按内容哈希存放);默认存入数据库。多台服务器须共用同一目录",
        ),
    )
    evidence_max_bytes: PositiveInt = Field(
        10 * 1024 * 1024,
        **_doc(
            "the largest evidence document accepted, in bytes (a scan or a photograph)",
            "可上传证明材料的最大字节数",
            ("a number of bytes above 0", "大于 0 的字节数"),
        ),
    )
    assets_dir: Path | None = Field(
        None,
        **_doc(
            "where npm installed GraphiQL's scripts (node_modules' parent); default assets/",
            "GraphiQL 脚本所在目录;默认 assets/",
        ),
    )
    chromium: str | None = Field(
        None,
        **_doc(
            "the Chromium that prints PDFs; default Debian's chromium on the PATH",
            "生成 PDF 所用的 Chromium;默认使用 PATH 中的 chromium",
        ),
    )
    test_postgres_url: str = Field(
        DEFAULT_TEST_POSTGRES,
        **_doc(
            "the PostgreSQL server the tests make their throw-away databases on "
            "(skipped when it does not answer)",
            "测试使用的 PostgreSQL 服务器(不可用时跳过相关测试)",
        ),
    )


FIELDS = Settings.model_fields


def env_name(field: str) -> str:
    """``database_url`` -> ``BANGFU_DATABASE_URL``."""
    return PREFIX + field.upper()


class SettingsError(ValueError):
    """A variable holds a value that cannot be used; the message says which, in Chinese
    and English, and what is expected."""


def _problem(field: str, raw: Any, detail: str) -> str:
    extra = FIELDS[field].json_schema_extra or {}
    assert isinstance(extra, dict)
    en = extra.get("expected_en") or detail
    zh = extra.get("expected_zh") or detail
    name = env_name(field)
    return f"环境变量 {name}={raw!r} 无效:应为{zh} / ${name}={raw!r} is not valid: expected {en}"


def _adapter(field: str) -> TypeAdapter[Any]:
    info = FIELDS[field]
    form: Any = Annotated[info.annotation, info]  # a field's type with its constraints
    return TypeAdapter(form)


_adapters: dict[str, TypeAdapter[Any]] = {}
_values: dict[str, tuple[str | None, Any]] = {}


def get(field: str) -> Any:
    """The setting ``field`` (e.g. ``"worker_threads"``) from the environment now, validated
    as :class:`Settings` declares it; its default when unset or empty.

    :raises SettingsError: the variable's value is not valid
    """
    raw = os.environ.get(env_name(field))
    known = _values.get(field)
    if known is not None and known[0] == raw:
        return known[1]
    if raw is None or not raw.strip():
        value = FIELDS[field].get_default(call_default_factory=True)
    else:
        adapter = _adapters.get(field)
        if adapter is None:
            adapter = _adapters[field] = _adapter(field)
        try:
            value = adapter.validate_python(raw.strip())
        except ValidationError as exc:
            raise SettingsError(_problem(field, raw, exc.errors()[0]["msg"])) from None
    _values[field] = (raw, value)
    return value


def check() -> Settings:
    """Every variable read and checked at once (start-up): the settings, or
    :class:`SettingsError` naming each bad value."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            raw = os.environ.get(env_name(field), error.get("input"))
            problems.append(_problem(field, raw, error["msg"]) if field in FIELDS else str(error))
        raise SettingsError("; ".join(problems)) from None


def table() -> str:
    """The README's table of variables (Markdown), made from :class:`Settings`."""
    lines = [
        "| variable | default | what it does | 说明 |",
        "| --- | --- | --- | --- |",
    ]
    for field, info in FIELDS.items():
        default = info.get_default(call_default_factory=True)
        shown = "" if default is None else f"`{default}`"
        extra = info.json_schema_extra
        zh = extra.get("zh", "") if isinstance(extra, dict) else ""
        lines.append(f"| `{env_name(field)}` | {shown} | {info.description} | {zh} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- names other modules use
DATABASE_ENV = env_name("database_url")
SESSION_IDLE_ENV = env_name("session_idle_minutes")
SESSION_ABSOLUTE_ENV = env_name("session_absolute_hours")
BODY_TIMEOUT_ENV = env_name("body_timeout_seconds")
STATEMENT_TIMEOUT_ENV = env_name("statement_timeout_ms")
TRUSTED_PROXIES_ENV = env_name("trusted_proxies")
WORKER_THREADS_ENV = env_name("worker_threads")
EVALUATE_TOGETHER_ENV = env_name("evaluate_together")
DEFAULT_SESSION_IDLE_MINUTES = FIELDS["session_idle_minutes"].default
DEFAULT_SESSION_ABSOLUTE_HOURS = FIELDS["session_absolute_hours"].default
DEFAULT_BODY_TIMEOUT_SECONDS = FIELDS["body_timeout_seconds"].default
DEFAULT_STATEMENT_TIMEOUT_MS = FIELDS["statement_timeout_ms"].default
DEFAULT_WORKER_THREADS = FIELDS["worker_threads"].default
DEFAULT_EVALUATE_TOGETHER = FIELDS["evaluate_together"].default


def database_url(explicit: str | None = None) -> str:
    """``--database-url``, else ``$BANGFU_DATABASE_URL``, else a SQLite file here."""
    if explicit:
        return explicit
    return get("database_url") or f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


def session_idle_timeout() -> timedelta:
    """``$BANGFU_SESSION_IDLE_MINUTES`` (default 30 minutes)."""
    return timedelta(minutes=get("session_idle_minutes"))


def session_absolute_timeout() -> timedelta:
    """``$BANGFU_SESSION_ABSOLUTE_HOURS`` (default 12 hours)."""
    return timedelta(hours=get("session_absolute_hours"))


def body_timeout() -> float:
    """``$BANGFU_BODY_TIMEOUT_SECONDS`` (default 10): the longest a client may take to send
    a request's body, from its first byte to its last; slower is answered 408."""
    return float(get("body_timeout_seconds"))


def header_timeout() -> float:
    """``$BANGFU_HEADER_TIMEOUT_SECONDS`` (default 10): the longest a connection may take
    to send a request's head, from its first byte (or the connection's start) to the end of
    its headers (:mod:`core.api.heads`)."""
    return float(get("header_timeout_seconds"))


def worker_threads() -> int:
    """``$BANGFU_WORKER_THREADS`` (default 2): how many threads of a worker process run
    blocking work at once (case work over GraphQL, the staff pages); more wait their turn.

    Python runs one thread at a time in a process: more threads do not do more work, they
    take turns, and each turn a thread waits for (up to 5 ms, Python's switch interval)
    comes after every database round trip. With 16 requests in flight on two workers,
    40 threads (anyio's default) kept a transition 27 ms in its thread for 2.5 ms of
    work; two threads let the queue form in front instead (soak p99 188 -> 119 ms)."""
    return int(get("worker_threads"))


def evaluate_together() -> int:
    """``$BANGFU_EVALUATE_TOGETHER`` (default 64): the most ``evaluate`` requests of one
    worker evaluated together as one batch, when they arrive at the same moment (see
    :mod:`core.api.together`); 1 evaluates each alone."""
    return int(get("evaluate_together"))


def statement_timeout_ms() -> int:
    """``$BANGFU_STATEMENT_TIMEOUT_MS`` (default 30,000): PostgreSQL's ``statement_timeout``
    on every connection of the application, so no statement holds a connection longer."""
    return int(get("statement_timeout_ms"))


def postgres_connect_args() -> dict[str, str]:
    """Connection options for PostgreSQL engines (libpq ``options``)."""
    return {"options": f"-c statement_timeout={statement_timeout_ms()}"}


def trusted_proxies() -> str | None:
    """``$BANGFU_TRUSTED_PROXIES``: addresses (comma-separated, or ``*``) of the reverse
    proxies whose ``X-Forwarded-Proto`` and ``X-Forwarded-For`` are believed; None: none
    (``bangfu serve`` then ignores those headers)."""
    value = get("trusted_proxies")
    return value.strip() if value and value.strip() else None


TABLE_START, TABLE_END = "<!-- settings-table:start -->\n", "<!-- settings-table:end -->"


def write_table(readme: Path) -> None:
    """Put :func:`table` between the markers of ``readme``."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(TABLE_START) + len(TABLE_START)
    readme.write_text(text[:start] + table() + text[text.index(TABLE_END) :], encoding="utf-8")


if __name__ == "__main__":  # python -m core.settings [--readme README.md]: the table
    import sys

    if sys.argv[1:2] == ["--readme"]:
        write_table(Path(sys.argv[2]))
    else:
        print(table(), end="")
