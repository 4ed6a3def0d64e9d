//! `volc-live`: Volcengine Live pull-record tasks from a shell.
//!
//! Exit status: 0 success; 1 the service returned an error; 2 invalid usage or input (found
//! before any request); 3 transport failure, timeout, an undecodable response or pages that
//! cannot be trusted; 4 credentials missing or unreadable.
//!
//! With `--output json`, a failure is one JSON object on stderr (see [`output`]). Short names:
//! `get`, `list`, `create`, `stop`; `completions SHELL` prints a completion script.
//! `list-record-files` lists recorded files ([`files`]); `call` calls any action of any
//! Volcengine OpenAPI service ([`call`]).
//!
//! Text from the server is shown through [`live_model::sanitize()`]: control and bidi
//! characters are escaped as `\u{…}`, table cells are capped at [`MAX_FIELD_CHARS`]
//! characters and the error line's message at
//! [`MAX_MESSAGE_CHARS`](live_model::sanitize::MAX_MESSAGE_CHARS). `--output json` keeps the
//! exact values (JSON-escaped).

mod call;
mod files;
mod input;
mod logging;
mod output;
mod progress;

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use live_api::ops::ListPullRecordTask;
use live_api::pacing::{Pacing, Rate, RateLimits};
use live_api::retry::StandardRetry;
use live_api::wait::WaitUntil;
use live_api::{ErrorKind, LiveClient, LiveError};
use live_model::sanitize::{sanitize, MAX_FIELD_CHARS};
use live_model::{Pagination, PullRecordTask};
use output::Report;
use progress::Progress;
use serde_json::{json, Value};
use unicode_width::UnicodeWidthStr;

/// Look at and manage Volcengine Live pull-record tasks and their recorded files.
///
/// Credentials come from VOLCENGINE_ACCESS_KEY / VOLCENGINE_SECRET_KEY
/// (/ VOLCENGINE_SESSION_TOKEN), else VOLC_ACCESSKEY / VOLC_SECRETKEY, else
/// ~/.volc/credentials, else ~/.volc/config; in the files, the profile of --profile, else
/// VOLCENGINE_PROFILE, else `default`.
///
/// The endpoint and the region also come from VOLCENGINE_ENDPOINT and VOLCENGINE_REGION, the
/// variables Volcengine's own CLI and Terraform provider read (a bare host name there means
/// https://). With --output json, an error is one JSON object on stderr. Completion scripts:
/// `volc-live completions bash|zsh|fish|powershell|elvish`. No colour when stderr is not a
/// terminal or NO_COLOR is set.
#[derive(Debug, Parser)]
#[command(
    name = "volc-live",
    version,
    about,
    next_help_heading = "Global options"
)]
struct Cli {
    /// The API endpoint (http:// only for loopback, e.g. a local emulator).
    #[arg(
        long,
        global = true,
        env = "VOLCENGINE_ENDPOINT",
        hide_env_values = true,
        default_value = live_model::DEFAULT_ENDPOINT
    )]
    endpoint: String,
    /// The region.
    #[arg(
        long,
        global = true,
        env = "VOLCENGINE_REGION",
        hide_env_values = true,
        default_value = live_model::DEFAULT_REGION
    )]
    region: String,
    /// The profile (section) read in ~/.volc/credentials and in an INI ~/.volc/config
    /// (default: $VOLCENGINE_PROFILE, else `default`).
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// Give up after this many seconds: the whole command, retries and (with --all) every
    /// page included. Not set, `get` with several ids has no overall limit and `wait` ends
    /// at its --max-wait (each call is still bounded by --call-timeout).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// Whether --timeout was given (not its default).
    #[arg(skip)]
    timeout_given: bool,
    /// Whether an endpoint was given (--endpoint, or a non-empty VOLCENGINE_ENDPOINT).
    #[arg(skip)]
    endpoint_given: bool,
    /// Give up on one API call (one page) after this many seconds, retries included
    /// (default: --timeout).
    #[arg(long, global = true, value_name = "SECONDS")]
    call_timeout: Option<u64>,
    /// Retries after a failed attempt (only what is safe to retry is retried).
    #[arg(long, global = true, value_name = "N", default_value_t = 2)]
    retries: u32,
    /// Pace calls under the account's rate limits: `off`; `local` (this process keeps to the
    /// documented limits); or `redis://HOST:PORT[/DB]` (one budget shared by every process
    /// that uses the same Redis and access key; falls back to local pacing if Redis is out
    /// of reach).
    #[arg(
        long,
        global = true,
        env = "VOLCENGINE_RATE_LIMIT",
        hide_env_values = true,
        value_name = "off|local|redis://HOST:PORT[/DB]",
        default_value = "local"
    )]
    rate_limit: String,
    /// With local or Redis pacing: at most this many calls per second for every action,
    /// instead of the documented limits (e.g. a share of the account's budget).
    #[arg(long, global = true, value_name = "PER_SEC")]
    rate: Option<Rate>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Table)]
    output: Output,
    /// Send every request through this proxy (http://, https://, socks5://, socks5h://;
    /// user:password@ for basic auth). Default: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, minus
    /// NO_PROXY, as curl reads them; NO_PROXY=localhost,127.0.0.1 keeps a local emulator direct.
    #[arg(long, global = true, value_name = "URL", conflicts_with = "no_proxy")]
    proxy: Option<String>,
    /// Ignore the proxy variables of the environment: connect directly.
    #[arg(long, global = true)]
    no_proxy: bool,
    /// Also trust the certificates of this PEM file (a TLS-inspecting proxy's CA, or the
    /// emulator's --tls certificate); repeatable.
    #[arg(long, global = true, value_name = "FILE")]
    ca_cert: Vec<std::path::PathBuf>,
    /// Trace to stderr: -v debug, -vv trace (and the proxy taken); -v FILTER (or
    /// --verbose=FILTER) a filter in RUST_LOG syntax, e.g. -v live_api=trace,hyper_util=debug.
    /// A separate -v takes the next word only if it has '=', ',' or '[' or is a level.
    /// Secrets are never shown.
    #[arg(
        short,
        long,
        global = true,
        value_name = "FILTER",
        num_args = 0..=1,
        require_equals = false,
        default_missing_value = "",
        action = clap::ArgAction::Append
    )]
    verbose: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GetArgs {
    /// The task id; repeat it for several tasks (their rows are printed as they arrive).
    #[arg(
        long = "task-id",
        value_name = "ID",
        required_unless_present = "task_ids_from"
    )]
    task_ids: Vec<String>,
    /// Also read task ids from FILE (`-` for stdin): one per line; blank lines and lines
    /// starting with `#` are skipped.
    #[arg(long, value_name = "FILE")]
    task_ids_from: Option<std::path::PathBuf>,
    /// With several ids: at most this many calls in flight (the pace is set by
    /// --rate-limit).
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
}

#[derive(Debug, Args)]
struct WaitArgs {
    /// The task id.
    #[arg(long)]
    task_id: String,
    /// The status to wait for: recording (started), finished, stopped, or ended (finished
    /// or stopped).
    #[arg(long, value_name = "STATUS", default_value = "ended")]
    until: WaitUntil,
    /// Give up after this long (e.g. 90s, 15m, 2h; a bare number is seconds): exit 3.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    max_wait: Duration,
}

/// A duration as `90`, `90s`, `15m` or `2h`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| "takes a number of seconds, or a number with s, m or h (e.g. 90s, 15m, 2h)")?;
    let secs = match unit {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
    .filter(|&secs| secs <= MAX_TIMEOUT_SECS)
    .ok_or("takes a number of seconds, or a number with s, m or h, up to a week")?;
    Ok(Duration::from_secs(secs))
}

/// The most task ids read from a file: 16 MiB of text.
const MAX_IDS_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The ids of `--task-id` and `--task-ids-from`, in that order.
fn task_ids(given: &[String], from: Option<&std::path::Path>) -> Result<Vec<String>, String> {
    let mut ids = given.to_vec();
    if let Some(path) = from {
        let label = format!("--task-ids-from {}", path.display());
        let text = input::read_bounded(path, MAX_IDS_FILE_BYTES, &label)?;
        let text = String::from_utf8(text)
            .map_err(|_| "--task-ids-from: the file is not UTF-8 text".to_owned())?;
        // A byte-order mark (as some editors write) is not part of the first id.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        ids.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    if ids.is_empty() {
        return Err("no task id given (--task-id, or ids in --task-ids-from)".to_owned());
    }
    Ok(ids)
}

/// The pacing that `--rate-limit` and `--rate` ask for.
fn pacing(cli: &Cli) -> Result<Pacing, String> {
    if cli.rate.is_some() && cli.rate_limit.trim() == "off" {
        return Err("--rate needs pacing: --rate-limit local or redis://…".to_owned());
    }
    let limits = match cli.rate {
        Some(rate) => RateLimits::documented().with_rate_for_all(rate),
        None => RateLimits::documented(),
    };
    Pacing::parse(&cli.rate_limit, limits).map_err(|e| format!("--rate-limit: {e}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

// Short names: `get`, `list`, `create`, `stop`; `wait` is kept for a
// `wait-pull-record-task`.
#[derive(Debug, Subcommand)]
enum Command {
    /// Show one task.
    #[command(visible_alias = "get")]
    GetPullRecordTask(GetArgs),
    /// List tasks, one page or all of them.
    #[command(visible_alias = "list")]
    ListPullRecordTasks(ListArgs),
    /// Create a task that records a pull stream.
    #[command(visible_alias = "create")]
    CreatePullRecordTask(CreateArgs),
    /// Stop a task that has not started or is recording.
    #[command(visible_alias = "stop")]
    StopPullRecordTask {
        /// The task id.
        #[arg(long)]
        task_id: String,
    },
    /// Wait until a task reaches a status, polling GetPullRecordTask with backoff (paced);
    /// a live line on a terminal, one line per poll on stderr otherwise.
    #[command(visible_alias = "wait")]
    WaitPullRecordTask(WaitArgs),
    /// List recorded files (DescribeRecordTaskFileHistory): by a window of at most 7 days
    /// (--from, --to), or every file of one task (--task-id).
    #[command(visible_alias = "describe-record-task-file-history")]
    ListRecordFiles(files::FilesArgs),
    /// Call any action of any Volcengine OpenAPI service; print its `Result` as JSON.
    ///
    /// Signed, retried, paced and timed as the other commands. The endpoint is --endpoint
    /// (or VOLCENGINE_ENDPOINT) when given, else the generic open.volcengineapi.com (HTTPS),
    /// or for --service live the Live endpoint. A Live action this command knows is paced at its
    /// documented limit. Table output is the `Result`, indented; --output json prints
    /// {"request_id": …, "result": …}.
    #[command(after_help = call::EXAMPLES)]
    Call(call::CallArgs),
    /// Print a completion script for SHELL to stdout, e.g.
    /// `volc-live completions bash > ~/.local/share/bash-completion/completions/volc-live`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only tasks of this domain space.
    #[arg(long)]
    vhost: Option<String>,
    /// Only tasks of this domain.
    #[arg(long)]
    domain: Option<String>,
    /// Only tasks of this application.
    #[arg(long)]
    app: Option<String>,
    /// Only tasks of this stream.
    #[arg(long)]
    stream: Option<String>,
    /// Tasks per page (1 to 500).
    #[arg(long, default_value_t = 20)]
    page_size: u32,
    /// The page to show.
    #[arg(long, default_value_t = 1)]
    page: u32,
    /// Every page, from --page on, printed as each page arrives (with --output json, still
    /// one object, written as the pages arrive; left incomplete if a page fails).
    #[arg(long)]
    all: bool,
    /// With --all: fetch at most this many pages; a server claiming more is an error.
    #[arg(long, value_name = "N", default_value_t = ListPullRecordTask::DEFAULT_MAX_PAGES)]
    max_pages: u32,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The push or pull domain of the stream.
    #[arg(long)]
    domain: String,
    /// The application name.
    #[arg(long)]
    app: String,
    /// The stream name.
    #[arg(long)]
    stream: String,
    /// The pull URL to record.
    #[arg(long)]
    stream_url: String,
    /// The domain space.
    #[arg(long)]
    vhost: Option<String>,
    /// When to start, RFC 3339 (default: now).
    #[arg(long)]
    start_time: Option<String>,
    /// When to stop, RFC 3339 (default: when the stream ends).
    #[arg(long)]
    end_time: Option<String>,
}

/// The exit status for an error.
fn exit_code(e: &LiveError) -> u8 {
    match e.kind() {
        ErrorKind::Service(_) | ErrorKind::WaitUnreachable { .. } => 1,
        ErrorKind::InvalidInput(_) | ErrorKind::Config(_) => 2,
        ErrorKind::Credentials(_) => 4,
        _ => 3,
    }
}

fn task_json(t: &PullRecordTask) -> Value {
    json!({
        "task_id": t.task_id,
        "start_time": t.start_time,
        "end_time": t.end_time,
        "vhost": t.vhost,
        "domain": t.domain,
        "app": t.app,
        "stream": t.stream,
        "status": t.status.name(),
        "status_text": t.status.text(),
    })
}

fn pagination_json(p: &Pagination) -> Value {
    json!({
        "page_cur": p.page_cur,
        "page_size": p.page_size,
        "page_total": p.page_total,
        "total_count": p.total_count,
    })
}

/// Aligns rows by display width (so Chinese text lines up); widths only grow, so rows
/// printed as pages arrive stay aligned with what came before whenever possible.
#[derive(Debug)]
struct Table {
    widths: Vec<usize>,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        Self {
            widths: header.iter().map(|h| h.width()).collect(),
        }
    }

    /// Widens the columns for `rows`.
    fn fit(&mut self, rows: &[Vec<String>]) {
        for row in rows {
            for (w, cell) in self.widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
    }

    fn line<S: AsRef<str>>(&self, cells: &[S]) -> String {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&self.widths).enumerate() {
            let cell = cell.as_ref();
            out.push_str(cell);
            if i + 1 < self.widths.len() {
                out.push_str(&" ".repeat(w.saturating_sub(cell.width()) + 2));
            }
        }
        out.trim_end().to_owned()
    }

    fn write(&self, out: &mut impl Write, rows: &[Vec<String>]) -> io::Result<()> {
        for row in rows {
            writeln!(out, "{}", self.line(row))?;
        }
        Ok(())
    }
}

/// A server text for a table cell or a plain-text line.
fn cell(text: &str) -> String {
    sanitize(text, MAX_FIELD_CHARS).into_owned()
}

fn task_rows(tasks: &[PullRecordTask]) -> Vec<Vec<String>> {
    tasks
        .iter()
        .map(|t| {
            vec![
                cell(&t.task_id),
                format!("{} ({})", t.status.name(), cell(t.status.text())),
                cell(&t.vhost),
                cell(&t.domain),
                cell(&t.app),
                t.stream.as_deref().map_or_else(|| "-".into(), cell),
                cell(&t.start_time),
                cell(&t.end_time),
            ]
        })
        .collect()
}

const TASK_HEADER: [&str; 8] = [
    "TASK ID", "STATUS", "VHOST", "DOMAIN", "APP", "STREAM", "START", "END",
];

/// Why the command failed.
#[derive(Debug)]
enum Failure {
    /// An operation failed (with --all: on this page).
    Live(Box<LiveError>, Option<u32>),
    /// --timeout ran out.
    Deadline(Duration),
    /// stdout could not be written.
    Output(io::Error),
    /// Input that is wrong before anything is sent (e.g. --task-ids-from).
    Usage(String),
    /// Some of several calls failed (each reported as it came); the worst exit status.
    Some {
        failed: usize,
        total: usize,
        exit: u8,
    },
}

impl From<LiveError> for Failure {
    fn from(e: LiveError) -> Self {
        Failure::Live(Box::new(e), None)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

/// Writes `value` and a newline.
fn write_json(out: &mut impl Write, value: &Value) -> io::Result<()> {
    writeln!(out, "{value}")
}

/// `list-pull-record-tasks --all`: page after page, each written as it arrives, only one
/// held in memory.
async fn list_all(
    cli: &Cli,
    list: ListPullRecordTask,
    a: &ListArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let mut pages = list.max_pages(a.max_pages).pages();
    let mut asked = a.page;
    let mut table = Table::new(&TASK_HEADER);
    let (mut count, mut fetched) = (0u64, 0u32);
    let mut last: Option<(String, Pagination)> = None;
    let progress = Progress::spinner("pages");
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) if e.page().is_some() => return Err(Failure::Live(Box::new(e), None)),
            Err(e) => return Err(Failure::Live(Box::new(e), Some(asked))),
        };
        // With the progress line lifted, so that rows and the line do not mix on a terminal.
        let written: io::Result<()> = progress.suspend(|| {
            match cli.output {
                Output::Json => {
                    out.write_all(if fetched == 0 { b"{\"tasks\":[" } else { b"" })?;
                    for (i, t) in page.tasks.iter().enumerate() {
                        if count > 0 || i > 0 {
                            out.write_all(b",")?;
                        }
                        write!(out, "{}", task_json(t))?;
                    }
                }
                Output::Table => {
                    let rows = task_rows(&page.tasks);
                    table.fit(&rows);
                    if fetched == 0 {
                        writeln!(out, "{}", table.line(&TASK_HEADER))?;
                    }
                    table.write(out, &rows)?;
                }
            }
            out.flush()
        });
        written?;
        count += page.tasks.len() as u64;
        fetched += 1;
        asked = page.pagination.page_cur.saturating_add(1);
        progress.inc();
        progress.message(format!("{count} of {} tasks", page.pagination.total_count));
        last = Some((page.request_id().to_owned(), page.pagination));
    }
    progress.finish();
    let (request_id, pagination) =
        last.unwrap_or_else(|| (String::new(), Pagination::new(a.page, a.page_size, 0)));
    match cli.output {
        Output::Json => {
            let rest = json!({
                "pagination": pagination_json(&pagination),
                "request_id": request_id,
            });
            let rest = rest.to_string();
            writeln!(out, "],{}", &rest[1..])?;
        }
        Output::Table => writeln!(
            out,
            "{fetched} pages, {count} tasks (the service counts {}); last request id: {}",
            pagination.total_count,
            cell(&request_id)
        )?,
    }
    Ok(())
}

/// `get-pull-record-task` with several ids: a fan-out, rows (or JSON lines) as results
/// arrive, each failure reported on stderr as it comes, the worst exit status at the end.
async fn get_many(
    cli: &Cli,
    client: &LiveClient,
    ids: Vec<String>,
    concurrency: usize,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let total = ids.len();
    let progress = Progress::bar(total as u64, "tasks");
    let mut results = client
        .get_pull_record_tasks(ids)
        .concurrency(concurrency)
        .stream();
    let mut table = Table::new(&TASK_HEADER);
    let (mut failed, mut worst, mut shown) = (0usize, 0u8, 0usize);
    while let Some(r) = results.next().await {
        progress.inc();
        let written: io::Result<()> = progress.suspend(|| {
            match (&r.result, cli.output) {
                (Ok(o), Output::Json) => write_json(
                    out,
                    &json!({"task_id": r.task_id, "request_id": o.request_id(), "task": task_json(&o.task)}),
                )?,
                (Ok(o), Output::Table) => {
                    let rows = task_rows(std::slice::from_ref(&o.task));
                    table.fit(&rows);
                    if shown == 0 {
                        writeln!(out, "{}", table.line(&TASK_HEADER))?;
                    }
                    table.write(out, &rows)?;
                    shown += 1;
                }
                (Err(e), Output::Json) => {
                    let report = Report::live(e, error_line(e), None, exit_code(e));
                    write_json(out, &json!({"task_id": r.task_id, "error": report.to_value()}))?;
                }
                (Err(e), Output::Table) => {
                    let id = cell(&r.task_id);
                    eprintln!("volc-live: task {id}: {}", error_line(e).trim_start_matches("volc-live: "));
                }
            }
            out.flush()
        });
        written?;
        if let Err(e) = &r.result {
            failed += 1;
            worst = worst.max(exit_code(e));
        }
    }
    progress.finish();
    if failed > 0 {
        return Err(Failure::Some {
            failed,
            total,
            exit: worst,
        });
    }
    Ok(())
}

/// `wait-pull-record-task`: polls until the status holds; the task at the end.
async fn wait(
    cli: &Cli,
    client: &LiveClient,
    a: &WaitArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let progress = Progress::spinner("polls");
    let line = progress.clone();
    // Off a terminal, a line per poll on stderr, except with --output json, where stderr
    // holds only the error object, if any.
    let poll_lines = cli.output == Output::Table;
    let waited = client
        .wait_for_pull_record_task(&a.task_id)
        .until(a.until)
        .max_wait(a.max_wait)
        .on_poll(move |p| {
            let status = match (p.status, p.error) {
                (Some(s), _) => format!("{} ({})", s.name(), cell(s.text())),
                (None, Some(e)) => format!("poll failed: {e}"),
                (None, None) => "no answer".to_owned(),
            };
            let next = p.next_poll_in.map_or(String::new(), |d| {
                format!(", next poll in {}s", d.as_secs())
            });
            let text = format!("{status}, {}s elapsed{next}", p.elapsed.as_secs());
            if line.is_visible() {
                line.inc();
                line.message(text);
            } else if poll_lines {
                eprintln!("volc-live: poll {}: {text}", p.polls);
            }
        })
        .send()
        .await;
    progress.finish();
    let w = waited?;
    let task = &w.output.task;
    match cli.output {
        Output::Json => write_json(
            out,
            &json!({
                "request_id": w.output.request_id(),
                "task": task_json(task),
                "until": a.until.word(),
                "polls": w.polls,
                "waited_s": w.waited.as_secs_f64(),
            }),
        )?,
        Output::Table => writeln!(
            out,
            "{}
reached {} after {} polls in {}s; request id: {}",
            table(&TASK_HEADER, &task_rows(std::slice::from_ref(task))),
            a.until,
            w.polls,
            w.waited.as_secs(),
            cell(w.output.request_id())
        )?,
    }
    Ok(())
}

async fn run(cli: &Cli, client: &LiveClient, out: &mut impl Write) -> Result<(), Failure> {
    let (value, text) = match &cli.command {
        Command::GetPullRecordTask(a) => {
            // Read on a blocking thread, so that --timeout still counts while stdin is slow.
            let args = (a.task_ids.clone(), a.task_ids_from.clone());
            let ids = tokio::task::spawn_blocking(move || task_ids(&args.0, args.1.as_deref()))
                .await
                .map_err(|e| Failure::Usage(format!("reading the task ids: {e}")))?
                .map_err(Failure::Usage)?;
            if ids.len() > 1 || a.task_ids_from.is_some() {
                return get_many(cli, client, ids, a.concurrency, out).await;
            }
            let out = client
                .get_pull_record_task()
                .task_id(&ids[0])
                .send()
                .await?;
            let text = format!(
                "{}\nrequest id: {}",
                table(&TASK_HEADER, &task_rows(std::slice::from_ref(&out.task))),
                cell(out.request_id())
            );
            (
                json!({"request_id": out.request_id(), "task": task_json(&out.task)}),
                text,
            )
        }
        Command::ListPullRecordTasks(a) => {
            let mut list = client
                .list_pull_record_tasks()
                .page_num(a.page)
                .page_size(a.page_size);
            if let Some(v) = &a.vhost {
                list = list.vhost(v);
            }
            if let Some(v) = &a.domain {
                list = list.domain(v);
            }
            if let Some(v) = &a.app {
                list = list.app(v);
            }
            if let Some(v) = &a.stream {
                list = list.stream(v);
            }
            if a.all {
                return list_all(cli, list, a, out).await;
            }
            let page = list.send().await?;
            let pagination = page.pagination;
            let text = format!(
                "{}\npage {} of {}, {} tasks in all; request id: {}",
                table(&TASK_HEADER, &task_rows(&page.tasks)),
                pagination.page_cur,
                pagination.page_total,
                pagination.total_count,
                cell(page.request_id())
            );
            (
                json!({
                    "request_id": page.request_id(),
                    "tasks": page.tasks.iter().map(task_json).collect::<Vec<_>>(),
                    "pagination": pagination_json(&pagination),
                }),
                text,
            )
        }
        Command::CreatePullRecordTask(a) => {
            let mut create = client
                .create_pull_record_task()
                .domain(&a.domain)
                .app(&a.app)
                .stream(&a.stream)
                .stream_url(&a.stream_url);
            if let Some(v) = &a.vhost {
                create = create.vhost(v);
            }
            if let Some(v) = &a.start_time {
                create = create.start_time(v);
            }
            if let Some(v) = &a.end_time {
                create = create.end_time(v);
            }
            let out = create.send().await?;
            let text = format!(
                "created task {}\nrequest id: {}",
                cell(&out.task_id),
                cell(out.request_id())
            );
            (
                json!({"request_id": out.request_id(), "task_id": out.task_id}),
                text,
            )
        }
        Command::WaitPullRecordTask(a) => return wait(cli, client, a, out).await,
        Command::ListRecordFiles(a) => return files::run(cli.output, client, a, out).await,
        Command::Call(a) => return call::run(cli, client, a, out).await,
        // Answered in main, before a client is built.
        Command::Completions { .. } => return Ok(()),
        Command::StopPullRecordTask { task_id } => {
            let out = client
                .stop_pull_record_task()
                .task_id(task_id)
                .send()
                .await?;
            let mut text = format!(
                "stopped task {task_id}\nrequest id: {}",
                cell(out.request_id())
            );
            if out.reconciled {
                text.push_str(
                    "\n(the stop's answer was lost; GetPullRecordTask shows the task stopped)",
                );
            }
            (
                json!({"request_id": out.request_id(), "reconciled": out.reconciled}),
                text,
            )
        }
    };
    match cli.output {
        Output::Json => write_json(out, &value)?,
        Output::Table => writeln!(out, "{text}")?,
    }
    Ok(())
}

/// Rows with aligned columns (by display width, so Chinese text lines up).
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = Table::new(header);
    t.fit(rows);
    let mut out = t.line(header);
    for row in rows {
        out.push('\n');
        out.push_str(&t.line(row));
    }
    out
}

/// One line for stderr: what failed, with code, message, request id and status. Server text
/// in it is already sanitized by the errors' `Display` (one line, no control characters).
/// The longest `--timeout` and `--call-timeout` taken: a week.
const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 3600;

/// The largest `--ca-cert` file read.
const MAX_CA_FILE_BYTES: usize = 1024 * 1024;

fn error_line(e: &LiveError) -> String {
    let hint = match e.code().map(|c| c.as_str()) {
        Some("SignatureDoesNotMatch") => {
            "; check the secret key (VOLCENGINE_SECRET_KEY or ~/.volc), and the clock"
        }
        Some("InvalidAccessKey") => "; check the access key id (VOLCENGINE_ACCESS_KEY or ~/.volc)",
        Some("InvalidTimestamp") => "; check this machine's clock (it must be within 15 minutes)",
        _ => "",
    };
    format!("volc-live: {e}{hint}")
}

/// The report of a failure: its text line, its JSON object and its exit status.
fn failure(f: &Failure) -> Report {
    match f {
        Failure::Live(e, None) => Report::live(e, error_line(e), None, exit_code(e)),
        Failure::Live(e, Some(page)) => Report::live(
            e,
            format!("volc-live: page {page}: {e}"),
            Some(format!("page {page}")),
            exit_code(e),
        ),
        Failure::Deadline(timeout) => Report::plain(
            "timeout",
            format!(
                "timeout: the command did not finish within {}s (--timeout, retries and pages included)",
                timeout.as_secs()
            ),
            3,
        ),
        Failure::Output(e) => Report::plain("output", format!("cannot write the output: {e}"), 3),
        Failure::Usage(message) => Report::plain("usage", message.clone(), 2),
        Failure::Some {
            failed,
            total,
            exit,
        } => Report::plain(
            "some_failed",
            format!("{failed} of {total} task ids failed (each is reported above)"),
            *exit,
        ),
    }
}

/// Parses the command line; a usage error is reported (as JSON with `--output json`) and
/// ends the process, `--help` and `--version` print and end it.
fn parse(args: Vec<OsString>, json_errors: bool) -> Result<Cli, ExitCode> {
    let color = if logging::no_color() {
        clap::ColorChoice::Never
    } else {
        clap::ColorChoice::Auto
    };
    let parsed = Cli::command()
        .color(color)
        .try_get_matches_from(logging::normalize_args(args))
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            use clap::error::ErrorKind as Clap;
            if !json_errors || matches!(e.kind(), Clap::DisplayHelp | Clap::DisplayVersion) {
                e.exit();
            }
            let report = Report::usage(&e);
            report.emit(true);
            return Err(ExitCode::from(report.exit_status()));
        }
    };
    // As the official tools read them: trimmed, an empty variable counts as unset, and
    // VOLCENGINE_ENDPOINT may be a bare host name, reached over HTTPS.
    cli.timeout_given = matches
        .value_source("timeout")
        .is_some_and(|s| s != ValueSource::DefaultValue);
    let from_env = |id: &str| matches.value_source(id) == Some(ValueSource::EnvVariable);
    cli.endpoint_given = match matches.value_source("endpoint") {
        Some(ValueSource::CommandLine) => true,
        Some(ValueSource::EnvVariable) => !cli.endpoint.trim().is_empty(),
        _ => false,
    };
    if from_env("endpoint") {
        let host = cli.endpoint.trim();
        cli.endpoint = if host.is_empty() {
            live_model::DEFAULT_ENDPOINT.to_owned()
        } else if host.contains("://") {
            host.to_owned()
        } else {
            format!("https://{host}")
        };
    }
    if from_env("region") {
        let region = cli.region.trim();
        cli.region = if region.is_empty() {
            live_model::DEFAULT_REGION
        } else {
            region
        }
        .to_owned();
    }
    Ok(cli)
}

/// `volc-live completions SHELL`: the script on stdout.
fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "volc-live", &mut out);
    match io::stdout().lock().write_all(&out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("volc-live: cannot write the output: {e}");
            ExitCode::from(3)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let json_errors = output::wants_json(&args);
    let cli = match parse(args, json_errors) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let json_errors = cli.output == Output::Json;
    // A setting found wrong before anything is sent: exit status 2.
    let setting = |message: String| {
        let report = Report::plain("config", message, 2);
        report.emit(json_errors);
        ExitCode::from(report.exit_status())
    };
    if let Command::Completions { shell } = cli.command {
        return completions(shell);
    }
    let verbosity = logging::Verbosity::from_values(&cli.verbose);
    match verbosity.filter() {
        Ok(Some(filter)) => logging::init(filter),
        Ok(None) => {}
        Err(e) => return setting(e),
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let report = Report::plain("other", format!("cannot start: {e}"), 3);
            report.emit(json_errors);
            return ExitCode::from(report.exit_status());
        }
    };
    // At least a second, at most a week: longer is no limit at all, and would overflow.
    let seconds = |s: u64| Duration::from_secs(s.clamp(1, MAX_TIMEOUT_SECS));
    let call_timeout = seconds(cli.call_timeout.unwrap_or(cli.timeout));
    // Long work has no overall limit unless --timeout says so: a fan-out takes as long as
    // its ids at the account's pace, a wait ends at --max-wait (its last poll included).
    let timeout = match &cli.command {
        _ if cli.timeout_given => seconds(cli.timeout),
        Command::WaitPullRecordTask(w) => {
            (w.max_wait + call_timeout + Duration::from_secs(1)).min(seconds(MAX_TIMEOUT_SECS))
        }
        Command::GetPullRecordTask(g) if g.task_ids.len() > 1 || g.task_ids_from.is_some() => {
            seconds(MAX_TIMEOUT_SECS)
        }
        // --call-timeout alone raises the default overall limit to match it.
        _ => seconds(cli.timeout).max(call_timeout),
    };
    let call_timeout = call_timeout.min(timeout);
    let mut builder = LiveClient::builder()
        .endpoint(&cli.endpoint)
        .region(&cli.region)
        .operation_timeout(call_timeout)
        .attempt_timeout(call_timeout.min(Duration::from_secs(10)))
        .retry(StandardRetry::default().max_attempts(cli.retries.saturating_add(1)))
        .proxy_from_env(!cli.no_proxy);
    match pacing(&cli) {
        Ok(p) => builder = builder.pacing(p),
        Err(e) => return setting(e),
    }
    if let Some(url) = &cli.proxy {
        builder = builder.proxy(url);
    }
    if let Some(profile) = &cli.profile {
        builder = builder.profile(profile);
    }
    for file in &cli.ca_cert {
        match live_api::env::Environment::read_file(
            &live_api::env::SystemEnvironment,
            file,
            MAX_CA_FILE_BYTES,
        ) {
            Ok(Some(pem)) => {
                // Checked file by file, so that the error names the file.
                let check = live_api::live_transport::HyperTransport::builder()
                    .proxy_from_env(false)
                    .add_root_certificates_pem(pem.clone())
                    .build();
                if let Err(e) = check {
                    return setting(format!("--ca-cert {}: {e}", file.display()));
                }
                builder = builder.add_root_certificates_pem(pem);
            }
            Ok(None) => return setting(format!("--ca-cert {}: no such file", file.display())),
            Err(e) => return setting(format!("--ca-cert {}: {e}", file.display())),
        }
    }
    // Whatever fails here is a setting (endpoint, region, proxy, certificates): nothing was
    // sent, so it is invalid usage (2), except missing credentials (4).
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            let exit = if e.is_credentials() { 4 } else { 2 };
            let report = Report::live(&e, error_line(&e), None, exit);
            report.emit(json_errors);
            return ExitCode::from(exit);
        }
    };
    if verbosity.level > 1 {
        match client.proxy() {
            Some(proxy) => eprintln!("volc-live: requests go through the proxy {proxy}"),
            None => eprintln!("volc-live: requests go directly to {}", client.endpoint()),
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let outcome = runtime.block_on(async {
        match tokio::time::timeout(timeout, run(&cli, &client, &mut out)).await {
            Ok(r) => r,
            Err(_) => Err(Failure::Deadline(timeout)),
        }
    });
    // A blocking read still under way (ids from stdin, cut short by --timeout) must not keep
    // the process alive: dropping the runtime would wait for it.
    runtime.shutdown_background();
    let outcome = outcome.and_then(|()| out.flush().map_err(Failure::Output));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = out.flush();
            let report = failure(&f);
            report.emit(json_errors);
            ExitCode::from(report.exit_status())
        }
    }
}
